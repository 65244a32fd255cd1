/**
 * End to end, over real processes: what a gateway acknowledged is on disk (kill -9 and a clean
 * restart both keep it), and a SIGTERM tells every protocol's clients goodbye in that protocol's
 * way and exits 0 within 5 s (SPEC §1 Persistence and Shutdown, §2–§6 shutdown lines).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { type Gateway, killAll, startGateway, terminate, troubleLines } from './e2e/fleet.ts';
import {
  jsonWs,
  type LineConnection,
  rsUs,
  rsUsLogin,
  sessionsWs,
  soh,
  tcpRooms,
  tcpRoomsLogin,
} from './e2e/wire.ts';
import { tempDir } from './gateway-process.ts';

afterAll(killAll);

const dataDir = tempDir('switchboard-persistence-');
const start = (label: string) => startGateway(label, ['--data-dir', dataDir]);

/** Signs `nick` up on tcp-rooms, line by line, checking every prompt. */
async function signUp(gateway: Gateway, nick: string, password: string): Promise<LineConnection> {
  const user = await tcpRooms(gateway.port('tcp-rooms'));
  await user.expect('Enter your nickname:');
  user.line(nick);
  await user.expect('New nickname. Choose a password:');
  user.line(password);
  await user.expect('Repeat the password:');
  user.line(password);
  await user.expect(`Registered. Welcome, ${nick}!`);
  return user;
}

/** `/create ROOM` → the room's password. */
async function createRoom(user: LineConnection, room: string): Promise<string> {
  user.line(`/create ${room}`);
  const line = await user.expect(new RegExp(`^Room ${room} created\\. Password: (\\S+)$`));
  return line.slice(line.lastIndexOf(' ') + 1);
}

/** What a fresh process on the same data directory must know about `nick` and `room`. */
async function expectRemembered(
  gateway: Gateway,
  nick: string,
  password: string,
  room: string,
  roomPw: string,
) {
  const port = gateway.port('tcp-rooms');

  const intruder = await tcpRooms(port);
  await intruder.expect('Enter your nickname:');
  intruder.line(nick);
  await intruder.expect('Password:'); // a known account, not a sign-up
  intruder.line(`${password}-wrong`);
  await intruder.expect('Wrong password.');
  await intruder.ended;

  const owner = await tcpRoomsLogin(port, nick, password);
  owner.line(`/create ${room}`);
  await owner.expect(`Room ${room} already exists.`);
  owner.line(`/join ${room} ${roomPw}-wrong`);
  await owner.expect('Wrong room password.');
  owner.line(`/join ${room} ${roomPw}`);
  await owner.expect(`Joined ${room}.`);

  // The same account on another protocol, from the same store.
  const rs = await rsUs(gateway.port('rs-us'));
  expect(await rs.command('login', nick, `${password}-wrong`)).toEqual(['login_invalid']);
  expect(await rs.command('login', nick, password)).toEqual(['login_valid']);
  rs.close();
  owner.close();
}

describe('an acknowledged sign-up and room survive kill -9', () => {
  let roomPassword = '';

  it('signs up and creates a room on the first process, then kills it with SIGKILL', async () => {
    const first = await start('first');
    const carol = await signUp(first, 'carol', 'carol-secret');
    roomPassword = await createRoom(carol, 'lounge');
    expect(roomPassword).toMatch(/^\S{4,}$/);
    // Killed right after the acknowledgements: nothing gets a chance to flush on the way out.
    first.child.kill('SIGKILL');
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    carol.close();
  });

  it('a new process on the same --data-dir knows the account and the room', async () => {
    const second = await start('second');
    await expectRemembered(second, 'carol', 'carol-secret', 'lounge', roomPassword);
    expect(troubleLines(second)).toEqual([]);
    expect((await terminate(second)).code).toBe(0);
  });
});

describe('the same after a clean SIGTERM restart', () => {
  it('keeps what was created before the SIGTERM, and what survived the kill -9 before it', async () => {
    const third = await start('third');
    const erin = await signUp(third, 'erin', 'erin-secret');
    const denPassword = await createRoom(erin, 'den');
    const carol = await tcpRoomsLogin(third.port('tcp-rooms'), 'carol', 'carol-secret');
    const studyPassword = await createRoom(carol, 'study');
    const stop = await terminate(third);
    expect(stop.code).toBe(0);

    const fourth = await start('fourth');
    await expectRemembered(fourth, 'erin', 'erin-secret', 'den', denPassword);
    await expectRemembered(fourth, 'carol', 'carol-secret', 'study', studyPassword);
    const probe = await tcpRoomsLogin(fourth.port('tcp-rooms'), 'erin', 'erin-secret');
    probe.line('/rooms');
    const rooms = await probe.expect(/^Rooms: /);
    expect(rooms.slice('Rooms: '.length).split(', ').sort()).toEqual(['den', 'lounge', 'study']);
    probe.close();
    expect((await terminate(fourth)).code).toBe(0);
  });
});

describe('SIGTERM tells every protocol, then exits 0 within 5 s', () => {
  it('tcp-rooms, rs-us, json-ws, sessions and soh each hear it their own way', async () => {
    const gateway = await start('shutdown');
    const tcpUser = await tcpRoomsLogin(gateway.port('tcp-rooms'), 'carol', 'carol-secret');
    const tcpAtPrompt = await tcpRooms(gateway.port('tcp-rooms'));
    await tcpAtPrompt.expect('Enter your nickname:');
    const rsBound = await rsUsLogin(gateway.port('rs-us'), 'erin', 'erin-secret');
    const rsUnbound = await rsUs(gateway.port('rs-us'));
    expect(await rsUnbound.command('prolongate')).toEqual(['prolongate_ack']);
    const json = await jsonWs(gateway.port('json-ws'), 'wanda');
    const session = await sessionsWs(gateway.port('sessions'), 'sid-1');
    const sohUser = await soh(gateway.port('soh'), 'sophie');
    // The SOH introduction is silent: wait until the name is active before stopping.
    await expect.poll(() => json.status(), { timeout: 5_000 }).toContain('sophie');

    const stop = terminate(gateway);

    await tcpUser.waitFor('Server is shutting down.');
    await tcpUser.ended;
    await tcpAtPrompt.expect('Server is shutting down.');
    await tcpAtPrompt.ended;

    expect(await rsBound.word('shutdown')).toEqual(['shutdown']);
    await rsBound.ended;
    expect(await rsUnbound.word('shutdown')).toEqual(['shutdown']);
    await rsUnbound.ended;

    expect(await json.frame('error')).toEqual({ type: 'error', data: { message: 'server shutting down' } });
    expect((await json.closed).code).toBe(1001);
    expect(json.frames.pending).toEqual([]); // nothing after the error

    expect((await session.closed).code).toBe(1001);
    await sohUser.ended;
    expect(sohUser.deliveries.pending).toEqual([]);

    const { code, ms } = await stop;
    console.info(`SIGTERM with 7 connections open: exit ${code} after ${ms} ms`);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(5_000);
    expect(troubleLines(gateway)).toEqual([]);
  });
});

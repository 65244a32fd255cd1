/**
 * End to end, over real processes: `switchboard user passwd|delete` against a running gateway
 * invalidates the user's rs-us bindings at once, on this process and (in a cluster) on the others
 * (SPEC §5 `invalidated`, §7 `switchboard user`, §1 Cluster: password-change invalidation).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer } from '../../../packages/cluster-redis/src/testing/redis-server.ts';
import {
  expectAllRunning,
  type Gateway,
  killAll,
  startGateway,
  terminate,
  troubleLines,
  userCli,
} from './e2e/fleet.ts';
import { type RsUsConnection, rsUs, rsUsLogin, tcpRooms, tcpRoomsLogin } from './e2e/wire.ts';
import { tempDir } from './gateway-process.ts';

afterAll(killAll);

/** How long "at once" may take on a loaded machine, counted from the CLI's exit. */
const AT_ONCE_MS = 1_000;

async function expectLogin(gateway: Gateway, name: string, password: string, answer: string) {
  const connection = await rsUs(gateway.port('rs-us'));
  expect(await connection.command('login', name, password)).toEqual([answer]);
  connection.close();
}

async function expectTcpRoomsRefuses(gateway: Gateway, name: string, password: string) {
  const connection = await tcpRooms(gateway.port('tcp-rooms'));
  await connection.expect('Enter your nickname:');
  connection.line(name);
  await connection.expect('Password:');
  connection.line(password);
  await connection.expect('Wrong password.');
  await connection.ended;
}

/**
 * Runs the CLI and resolves with when each connection got `invalidated`, in ms relative to the
 * CLI's exit (negative: before the CLI process had even exited).
 */
async function invalidatedAfter(
  command: () => Promise<{ code: number | null; stdout: string }>,
  expectedStdout: string,
  connections: RsUsConnection[],
): Promise<number[]> {
  const arrivals = Promise.all(
    connections.map((connection) => connection.word('invalidated', 5_000).then(() => performance.now())),
  );
  arrivals.catch(() => {}); // awaited below, unless the command itself already failed the test
  const result = await command();
  const exitedAt = performance.now();
  expect(result).toMatchObject({ code: 0, stdout: expectedStdout });
  return (await arrivals).map((at) => Math.round(at - exitedAt));
}

describe('one gateway: user passwd and user delete through its admin API', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await startGateway('embedded', ['--data-dir', tempDir('switchboard-admin-')]);
    expect(await userCli(gateway, ['add', 'bob'], 'bob-old\n')).toMatchObject({ code: 0 });
    expect(await userCli(gateway, ['add', 'alice'], 'alice-pw\n')).toMatchObject({ code: 0 });
  });

  it('passwd: every rs-us connection bound to bob gets `invalidated` at once, and only those', async () => {
    const bob1 = await rsUsLogin(gateway.port('rs-us'), 'bob', 'bob-old');
    const bob2 = await rsUsLogin(gateway.port('rs-us'), 'bob', 'bob-old');
    const alice = await rsUsLogin(gateway.port('rs-us'), 'alice', 'alice-pw');
    const unbound = await rsUs(gateway.port('rs-us'));
    const tcpBob = await tcpRoomsLogin(gateway.port('tcp-rooms'), 'bob', 'bob-old');

    const delays = await invalidatedAfter(
      () => userCli(gateway, ['passwd', 'bob'], 'bob-new\n'),
      'password of bob changed\n',
      [bob1, bob2],
    );
    console.info(`user passwd: invalidated at ${delays.join(' / ')} ms relative to the CLI's exit`);
    for (const delay of delays) expect(delay).toBeLessThan(AT_ONCE_MS);

    // Unbound now, but still connected.
    expect(await bob1.command('who')).toEqual(['not_logged_in']);
    expect(await bob2.command('who')).toEqual(['not_logged_in']);
    await alice.frames.nothing((f) => f[0] === 'invalidated', 200, 'invalidated for alice');
    expect((await alice.command('who'))[0]).toBe('who_ack');
    expect(await unbound.command('prolongate')).toEqual(['prolongate_ack']);
    expect(unbound.frames.pending).toEqual([]);
    for (const connection of [bob1, bob2, alice, unbound, tcpBob]) connection.close();
  });

  it('afterwards the old password fails and the new one works, on rs-us and tcp-rooms', async () => {
    await expectLogin(gateway, 'bob', 'bob-old', 'login_invalid');
    await expectTcpRoomsRefuses(gateway, 'bob', 'bob-old');
    await expectLogin(gateway, 'bob', 'bob-new', 'login_valid');
    (await tcpRoomsLogin(gateway.port('tcp-rooms'), 'bob', 'bob-new')).close();
  });

  it('delete: bob is invalidated at once and can no longer log in', async () => {
    const bob = await rsUsLogin(gateway.port('rs-us'), 'bob', 'bob-new');
    const [delay] = await invalidatedAfter(() => userCli(gateway, ['delete', 'bob']), 'user bob deleted\n', [
      bob,
    ]);
    console.info(`user delete: invalidated at ${delay} ms relative to the CLI's exit`);
    expect(delay).toBeLessThan(AT_ONCE_MS);
    expect(await bob.command('who')).toEqual(['not_logged_in']);
    bob.close();

    await expectLogin(gateway, 'bob', 'bob-new', 'login_invalid');
    const tcp = await tcpRooms(gateway.port('tcp-rooms'));
    await tcp.expect('Enter your nickname:');
    tcp.line('bob');
    await tcp.expect('New nickname. Choose a password:'); // the account is gone
    tcp.close();
    expect((await userCli(gateway, ['list'])).stdout).toBe('alice\n');
  });

  it('the gateway is still up and exits 0 on SIGTERM', async () => {
    expectAllRunning([gateway]);
    expect(troubleLines(gateway)).toEqual([]);
    expect((await terminate(gateway)).code).toBe(0);
  });
});

describe('a cluster of two: a password change on process A invalidates bob on process B', () => {
  let redis: RedisServer;
  let a: Gateway;
  let b: Gateway;
  beforeAll(async () => {
    redis = await RedisServer.start();
    [a, b] = await Promise.all([
      startGateway('A', ['--redis', redis.url]),
      startGateway('B', ['--redis', redis.url]),
    ]);
    expect(await userCli(a, ['add', 'bob'], 'bob-old\n')).toMatchObject({ code: 0 });
  });
  afterAll(async () => {
    await killAll();
    await redis?.kill();
  });

  it('passwd through A: bob on B (and on A) gets `invalidated` at once', async () => {
    const onB = await rsUsLogin(b.port('rs-us'), 'bob', 'bob-old');
    const onA = await rsUsLogin(a.port('rs-us'), 'bob', 'bob-old');
    const delays = await invalidatedAfter(
      () => userCli(a, ['passwd', 'bob'], 'bob-new\n'),
      'password of bob changed\n',
      [onB, onA],
    );
    console.info(
      `cluster user passwd on A: invalidated on B at ${delays[0]} ms, on A at ${delays[1]} ms relative to the CLI's exit`,
    );
    for (const delay of delays) expect(delay).toBeLessThan(AT_ONCE_MS);
    expect(await onB.command('who')).toEqual(['not_logged_in']);
    onB.close();
    onA.close();
  });

  it('the old password fails and the new one works on both processes', async () => {
    for (const gateway of [a, b]) {
      await expectLogin(gateway, 'bob', 'bob-old', 'login_invalid');
      await expectLogin(gateway, 'bob', 'bob-new', 'login_valid');
    }
    await expectTcpRoomsRefuses(b, 'bob', 'bob-old');
    (await tcpRoomsLogin(b.port('tcp-rooms'), 'bob', 'bob-new')).close();
  });

  it('delete through B: bob on A gets `invalidated` and can no longer log in anywhere', async () => {
    const onA = await rsUsLogin(a.port('rs-us'), 'bob', 'bob-new');
    const [delay] = await invalidatedAfter(() => userCli(b, ['delete', 'bob']), 'user bob deleted\n', [onA]);
    console.info(`cluster user delete on B: invalidated on A at ${delay} ms relative to the CLI's exit`);
    expect(delay).toBeLessThan(AT_ONCE_MS);
    await expectLogin(a, 'bob', 'bob-new', 'login_invalid');
    await expectLogin(b, 'bob', 'bob-new', 'login_invalid');
    onA.close();
  });

  it('both processes are still up and exit 0 on SIGTERM', async () => {
    expectAllRunning([a, b]);
    expect([...troubleLines(a), ...troubleLines(b)]).toEqual([]);
    const [stopA, stopB] = await Promise.all([terminate(a), terminate(b)]);
    expect([stopA.code, stopB.code]).toEqual([0, 0]);
  });
});

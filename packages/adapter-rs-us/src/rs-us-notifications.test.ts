import { MemoryAccountStore, Name } from '@switchboard/core';
import { MemoryCluster } from '@switchboard/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  addAccounts,
  OtherProtocolUser,
  plain,
  type RsUsTestServer,
  startRsUs,
  trailing,
} from './testing/rs-us-test-kit.ts';

const servers: RsUsTestServer[] = [];

async function start(...args: Parameters<typeof startRsUs>): Promise<RsUsTestServer> {
  const server = await startRsUs(...args);
  servers.push(server);
  await addAccounts(server.hub, 'alice', 'bob');
  return server;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('timeout', () => {
  it('sends timeout after the inactivity timeout without a command, then closes', async () => {
    const server = await start({ inactivityTimeoutMs: 300 });
    const client = await server.login('bob');
    const started = Date.now();
    expect(await client.next(2_000)).toBe(plain('timeout'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    await client.waitClosed();
    expect(await server.hub.activeNames()).toEqual([]);
  });

  it('times out an unbound connection too, in the form it used last', async () => {
    const server = await start({ inactivityTimeoutMs: 300 });
    const client = await server.connect();
    expect(await client.ask(trailing('bogus'))).toBe(trailing('unknown_command'));
    expect(await client.next(2_000)).toBe(trailing('timeout'));
    await client.waitClosed();
  });

  it('is reset by prolongate, and by any other command', async () => {
    const server = await start({ inactivityTimeoutMs: 300 });
    const client = await server.connect();
    // 1.2 s of activity every 150 ms: four times the timeout, and no timeout.
    for (let i = 0; i < 4; i++) {
      await sleep(150);
      expect(await client.ask(plain('prolongate'))).toBe(plain('prolongate_ack'));
      await sleep(150);
      expect(await client.ask(plain('nonsense'))).toBe(plain('unknown_command'));
    }
    expect(client.isClosed).toBe(false);
    expect(await client.next(2_000)).toBe(plain('timeout'));
    await client.waitClosed();
  });

  it('is not reset by the bytes of a command that never ends', async () => {
    const server = await start({ inactivityTimeoutMs: 300 });
    const client = await server.connect();
    expect(await client.ask(plain('prolongate'))).toBe(plain('prolongate_ack'));
    const started = Date.now();
    // A byte every 50 ms, never a U+001E: "without a command" all along.
    const trickle = setInterval(() => client.write('p'), 50);
    try {
      expect(await client.next(2_000)).toBe(plain('timeout'));
    } finally {
      clearInterval(trickle);
    }
    expect(Date.now() - started).toBeLessThan(1_000);
    await client.waitClosed();
  });
});

describe('invalidation', () => {
  it('invalidate tells every other connection of the name, which becomes unbound', async () => {
    const server = await start();
    const bob1 = await server.login('bob');
    const bob2 = await server.login('bob');
    const bob3 = await server.connect();
    expect(await bob3.ask(trailing('login', 'bob', 'pw'))).toBe(trailing('login_valid'));
    const alice = await server.login('alice');
    expect(await bob1.ask(plain('invalidate'))).toBe(plain('invalidate_ack'));
    expect(await bob2.next()).toBe(plain('invalidated'));
    expect(await bob3.next()).toBe(trailing('invalidated'));
    expect(await alice.silentFor(100)).toBe(true);
    expect(await bob1.silentFor(0)).toBe(true);
    // Unbound now: no longer allowed to send, and no longer receiving.
    expect(await bob2.ask(plain('send', 'alice', 'hi'))).toBe(plain('not_logged_in'));
    expect(await alice.ask(plain('send', 'bob', 'still there?'))).toBe(plain('send_ack'));
    expect(await bob1.next()).toMatch(/^event\u001f\d+\u001falice: still there\?\u001e$/);
    expect(await bob2.silentFor(100)).toBe(true);
    expect(await alice.ask(plain('who'))).toBe(plain('who_ack', 'alice', 'bob'));
    // The connection stays open and may log in again.
    expect(await bob2.ask(plain('login', 'bob', 'pw'))).toBe(plain('login_valid'));
  });

  it('reaches connections on another process of the cluster', async () => {
    const cluster = new MemoryCluster();
    const accounts = new MemoryAccountStore();
    const a = await start({}, { accounts, nodeId: 'a', ...cluster.node('a') });
    const b = await startRsUs({}, { accounts, nodeId: 'b', ...cluster.node('b') });
    servers.push(b);
    const bobHere = await a.login('bob');
    const bobThere = await b.login('bob');
    expect(await bobHere.ask(plain('invalidate'))).toBe(plain('invalidate_ack'));
    expect(await bobThere.next()).toBe(plain('invalidated'));
    expect(await bobThere.ask(plain('who'))).toBe(plain('not_logged_in'));
  });

  it('an administrator changing the password invalidates every bound connection of the name', async () => {
    const server = await start();
    const bob1 = await server.login('bob');
    const bob2 = await server.connect();
    expect(await bob2.ask(trailing('login', 'bob', 'pw'))).toBe(trailing('login_valid'));
    const alice = await server.login('alice');
    expect(await server.hub.changePassword(Name.fromText('bob'), 'new-pw')).toBe(true);
    expect(await bob1.next()).toBe(plain('invalidated'));
    expect(await bob2.next()).toBe(trailing('invalidated'));
    expect(await alice.silentFor(100)).toBe(true);
    expect(await bob1.ask(plain('send', 'alice', 'x'))).toBe(plain('not_logged_in'));
    expect(await bob1.ask(plain('login', 'bob', 'pw'))).toBe(plain('login_invalid'));
    expect(await bob1.ask(plain('login', 'bob', 'new-pw'))).toBe(plain('login_valid'));
  });

  it('an administrator deleting the account invalidates its connections', async () => {
    const server = await start();
    const bob = await server.login('bob');
    expect(await server.hub.deleteAccount(Name.fromText('bob'))).toBe(true);
    expect(await bob.next()).toBe(plain('invalidated'));
    expect(await bob.ask(plain('login', 'bob', 'pw'))).toBe(plain('login_invalid'));
  });
});

describe('events', () => {
  it('delivers a direct message from another protocol as event␟MS␟SENDER: TEXT', async () => {
    const server = await start();
    const bob = await server.login('bob');
    const dave = await new OtherProtocolUser(server.hub).claim('dave');
    const witness = await new OtherProtocolUser(server.hub).claim('witness');
    expect(
      await dave.session.sendDirect([Name.fromText('bob'), Name.fromText('witness')], 'hello bob'),
    ).toEqual([]);
    const timestamp = witness.received[0]!.timestamp;
    expect(await bob.next()).toBe(plain('event', String(timestamp), 'dave: hello bob'));
  });

  it('delivers a main-chat broadcast from another protocol to bound connections only', async () => {
    const server = await start();
    const bob = await server.login('bob');
    const alice = await server.connect();
    expect(await alice.ask(trailing('login', 'alice', 'pw'))).toBe(trailing('login_valid'));
    const unbound = await server.connect();
    const dave = await new OtherProtocolUser(server.hub).claim('dave');
    const witness = await new OtherProtocolUser(server.hub).claim('witness');
    dave.session.broadcast('hi everyone');
    const timestamp = String(witness.received[0]!.timestamp);
    expect(await bob.next()).toBe(plain('event', timestamp, 'dave: hi everyone'));
    expect(await alice.next()).toBe(trailing('event', timestamp, 'dave: hi everyone'));
    expect(await unbound.silentFor(100)).toBe(true);
  });

  it('does not deliver broadcasts from a private room to the main chat', async () => {
    const server = await start();
    const bob = await server.login('bob');
    await addAccounts(server.hub, 'roomy');
    const roomy = new OtherProtocolUser(server.hub);
    expect(await roomy.session.login(Name.fromText('roomy'), 'pw')).toBe('ok');
    expect(await roomy.session.createRoom('den')).toEqual({ password: expect.any(String) });
    roomy.session.broadcast('in the den');
    expect(await bob.silentFor(150)).toBe(true);
  });

  it('removes U+001E and U+001F from a sender name and text of another protocol', async () => {
    const server = await start();
    const bob = await server.login('bob');
    const odd = await new OtherProtocolUser(server.hub, 'soh').claim(Buffer.from('o\u001edd\u001f'));
    odd.session.broadcast(Buffer.from('a\u001eb\u001fc\u001f\u001e'));
    expect(await bob.next()).toMatch(/^event\u001f\d+\u001fodd: abc\u001e$/);
    expect(await bob.ask(plain('who'))).toBe(plain('who_ack', 'bob', 'odd'));
  });

  it('shows invalid UTF-8 from another protocol as U+FFFD', async () => {
    const server = await start();
    const bob = await server.login('bob');
    const raw = await new OtherProtocolUser(server.hub, 'soh').claim(Buffer.from([0x72, 0xff]));
    raw.session.broadcast(Buffer.from([0x68, 0x69, 0xc3]));
    expect(await bob.next()).toMatch(/^event\u001f\d+\u001fr\ufffd: hi\ufffd\u001e$/);
  });
});

describe('io_error', () => {
  it('answers bytes that are not UTF-8 with io_error, after the commands before them, then closes', async () => {
    const server = await start();
    const client = await server.connect();
    client.write(Buffer.concat([Buffer.from(plain('prolongate')), Buffer.from([0x77, 0x68, 0xff, 0x1e])]));
    expect(await client.next()).toBe(plain('prolongate_ack'));
    expect(await client.next()).toBe(plain('io_error'));
    await client.waitClosed();
    expect(client.unread).toEqual([]);
  });

  it('accepts a message of exactly 64 KiB and refuses one byte more', async () => {
    const server = await start();
    const client = await server.login('bob');
    const exact = plain('broadcast', 'x'.repeat(65_536 - 'broadcast'.length - 2));
    expect(Buffer.byteLength(exact)).toBe(65_536);
    expect(await client.ask(exact)).toBe(plain('broadcast_ack'));
    const over = plain('broadcast', 'x'.repeat(65_536 - 'broadcast'.length - 1));
    expect(await client.ask(over)).toBe(plain('io_error'));
    await client.waitClosed();
  });

  it('counts multi-byte characters by their bytes', async () => {
    const server = await start({ maxMessageBytes: 20 });
    const client = await server.connect();
    // 'Ж' is two bytes: 9 of them and U+001E make 19, 10 make 21.
    expect(await client.ask(`${'Ж'.repeat(9)}\u001e`)).toBe(plain('unknown_command'));
    expect(await client.ask(`${'Ж'.repeat(10)}\u001e`)).toBe(plain('io_error'));
  });

  it('refuses an endless message as soon as it passes the limit, without waiting for its end', async () => {
    const server = await start({ maxMessageBytes: 1_024 });
    const client = await server.connect();
    client.write(Buffer.alloc(1_024, 0x61));
    expect(await client.next()).toBe(plain('io_error'));
    await client.waitClosed();
  });

  it('closes a connection that floods a message without end, keeping memory bounded', async () => {
    const server = await start();
    const client = await server.connect();
    const megabyte = Buffer.alloc(1024 * 1024, 0x61);
    for (let i = 0; i < 8; i++) client.write(megabyte);
    expect(await client.next()).toBe(plain('io_error'));
    await client.waitClosed();
  });
});

describe('shutdown', () => {
  it('tells every connection shutdown in its form, then closes them all', async () => {
    const server = await start();
    const bob = await server.login('bob');
    const unbound = await server.connect();
    expect(await unbound.ask(trailing('prolongate'))).toBe(trailing('prolongate_ack'));
    const started = Date.now();
    await server.shutdown();
    expect(Date.now() - started).toBeLessThan(500);
    expect(await bob.next()).toBe(plain('shutdown'));
    expect(await unbound.next()).toBe(trailing('shutdown'));
    await Promise.all([bob.waitClosed(), unbound.waitClosed()]);
    expect(server.hub.connectionCount).toBe(0);
  });

  it('destroys a client that does not close its side within the grace', async () => {
    const server = await start();
    const client = await server.connect();
    // A client that ignores our FIN: keep it half-open from its side.
    client.socket.on('end', () => {});
    client.socket.allowHalfOpen = true;
    const started = Date.now();
    await server.shutdown();
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(2_000);
    expect(await client.next()).toBe(plain('shutdown'));
    expect(server.hub.connectionCount).toBe(0);
  });
});

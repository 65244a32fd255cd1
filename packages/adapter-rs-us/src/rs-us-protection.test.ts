import { connect } from 'node:net';
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

const SCRIPT = Buffer.from(
  plain('login', 'bob', 'pw') +
    trailing('who') +
    plain('send', 'alice', 'Жанна 👋') +
    trailing('broadcast', '€'),
);
const SCRIPT_REPLIES = [
  plain('login_valid'),
  trailing('who_ack', 'alice', 'bob'),
  plain('send_ack'),
  trailing('broadcast_ack'),
];

describe('reads split anywhere', () => {
  it('answers a conversation sent one byte per read', async () => {
    const server = await start();
    const alice = await server.login('alice');
    const client = await server.connect();
    for (const byte of SCRIPT) {
      client.write(Uint8Array.of(byte));
      await sleep(1);
    }
    for (const reply of SCRIPT_REPLIES) expect(await client.next()).toBe(reply);
    expect(await alice.next()).toMatch(/^event\u001f\d+\u001fbob: Жанна 👋\u001e$/);
    expect(await alice.next()).toMatch(/^event\u001f\d+\u001fbob: €\u001e$/);
  });

  it('answers the same conversation cut in two at every byte', async () => {
    const server = await start();
    await server.login('alice');
    await Promise.all(
      Array.from({ length: SCRIPT.length + 1 }, async (_, cut) => {
        const client = await server.connect();
        client.write(SCRIPT.subarray(0, cut));
        await sleep(20);
        client.write(SCRIPT.subarray(cut));
        for (const reply of SCRIPT_REPLIES) expect(await client.next()).toBe(reply);
        client.close();
      }),
    );
  });
});

describe('malformed input', () => {
  it('answers stray delimiters as commands: empty message, empty parts', async () => {
    const server = await start();
    const client = await server.connect();
    expect(await client.ask('\u001e')).toBe(plain('unknown_command'));
    expect(await client.ask('\u001f\u001e')).toBe(trailing('unknown_command'));
    expect(await client.ask('\u001f\u001f\u001e')).toBe(trailing('unknown_command'));
    expect(await client.ask('\u001fwho\u001e')).toBe(plain('unknown_command'));
    expect(await client.ask('who\u001f\u001f\u001e')).toBe(trailing('invalid_args_count'));
    expect(await client.ask('login\u001f\u001f\u001e')).toBe(trailing('invalid_args_count'));
    expect(await client.ask('login\u001f\u001fpw\u001e')).toBe(plain('login_invalid'));
    // The trailing form's marker is only the last empty part: here the password is empty.
    expect(await client.ask('login\u001fbob\u001f\u001f\u001e')).toBe(trailing('login_invalid'));
    expect(await client.ask('login\u001fbob\u001f\u001f\u001f\u001e')).toBe(trailing('invalid_args_count'));
    expect(await client.ask(plain('prolongate'))).toBe(plain('prolongate_ack'));
  });

  it('answers a flood of empty messages one by one', async () => {
    const server = await start();
    const client = await server.connect();
    const count = 20_000;
    client.write('\u001e'.repeat(count));
    for (let i = 0; i < count; i++) expect(await client.next()).toBe(plain('unknown_command'));
    expect(await client.ask(plain('prolongate'))).toBe(plain('prolongate_ack'));
  });

  it('never lets one bad client disturb another', async () => {
    const server = await start({ maxMessageBytes: 4_096 });
    const bob = await server.login('bob');
    const alice = await server.login('alice');
    const bad = await Promise.all([server.connect(), server.connect(), server.connect(), server.connect()]);
    bad[0]!.write(Buffer.from([0xff, 0xfe, 0x1e]));
    bad[1]!.write(Buffer.alloc(10_000, 0x61));
    bad[2]!.write(`${'\u001f'.repeat(3_000)}\u001e`.repeat(50));
    bad[3]!.write(Buffer.from([0xc3]));
    bad[3]!.close();
    expect(await alice.ask(plain('send', 'bob', 'fine'))).toBe(plain('send_ack'));
    expect(await bob.next()).toMatch(/^event\u001f\d+\u001falice: fine\u001e$/);
    expect(await bad[0]!.next()).toBe(plain('io_error'));
    expect(await bad[1]!.next()).toBe(plain('io_error'));
    await Promise.all([bad[0]!.waitClosed(), bad[1]!.waitClosed()]);
    expect(await bad[2]!.next()).toBe(trailing('unknown_command'));
    expect(await bob.ask(plain('who'))).toBe(plain('who_ack', 'alice', 'bob'));
  });
});

describe('login throttling', () => {
  it('answers login_invalid without checking while a name is locked', async () => {
    const server = await start({}, { throttle: { maxFailuresPerName: 3 } });
    const client = await server.connect();
    expect(await client.ask(plain('login', 'bob', 'no1'))).toBe(plain('login_invalid'));
    expect(await client.ask(plain('login', 'bob', 'no2'))).toBe(plain('login_invalid'));
    // Fewer failures than the limit never stop the right password.
    expect(await client.ask(plain('login', 'bob', 'pw'))).toBe(plain('login_valid'));
    for (const password of ['no1', 'no2', 'no3']) {
      expect(await client.ask(plain('login', 'bob', password))).toBe(plain('login_invalid'));
    }
    // Locked now: the right password fails too, and the existing binding stays as it was.
    expect(await client.ask(plain('login', 'bob', 'pw'))).toBe(plain('login_invalid'));
    expect(await client.ask(plain('who'))).toBe(plain('who_ack', 'bob'));
    const other = await server.connect();
    expect(await other.ask(plain('login', 'bob', 'pw'))).toBe(plain('login_invalid'));
    expect(await other.ask(plain('login', 'alice', 'pw'))).toBe(plain('login_valid'));
  });
});

describe('rate limit', () => {
  it('stops reading a fast client for a while, answers everything, and does not slow others', async () => {
    const server = await start({}, { limits: { messagesPerSecond: 10, messageBurst: 2 } });
    const fast = await server.connect();
    const other = await server.connect();
    const started = Date.now();
    for (let i = 0; i < 6; i++) {
      fast.write(plain('prolongate'));
      await sleep(5);
    }
    const otherStarted = Date.now();
    expect(await other.ask(plain('prolongate'))).toBe(plain('prolongate_ack'));
    expect(Date.now() - otherStarted).toBeLessThan(50);
    for (let i = 0; i < 6; i++) expect(await fast.next()).toBe(plain('prolongate_ack'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(server.hub.stats.rateLimited).toBeGreaterThanOrEqual(1);
  });
});

describe('closing while input waits for the rate', () => {
  it('reads and discards what still comes, so the close is a FIN the client sees at once, not a reset', async () => {
    const server = await start({}, { limits: { messagesPerSecond: 10, messageBurst: 2 } });
    const socket = connect({ host: '127.0.0.1', port: server.port });
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const received: Buffer[] = [];
    const errors: Error[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('error', (error) => errors.push(error));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    // Over the rate, then bytes that are not UTF-8, then far more than the socket buffers hold.
    socket.write(plain('prolongate').repeat(3));
    socket.write(Buffer.from([0x77, 0xff, 0x1e]));
    socket.write(Buffer.alloc(4 * 1024 * 1024, 0x61));
    let ioErrorAt = 0;
    socket.on('data', () => {
      if (ioErrorAt === 0 && Buffer.concat(received).toString().endsWith(plain('io_error')))
        ioErrorAt = Date.now();
    });
    await closed;
    expect(Buffer.concat(received).toString()).toBe(plain('prolongate_ack').repeat(3) + plain('io_error'));
    expect(errors).toEqual([]);
    // Well inside the close grace (1 s), after which a reset would come.
    expect(Date.now() - ioErrorAt).toBeLessThan(800);
  });
});

describe('slow readers', () => {
  it('drops a client that stops reading once its queue passes the limit; the others get everything', async () => {
    const server = await start({}, { limits: { maxQueuedBytes: 256 * 1024 } });
    const slow = await server.login('bob');
    const reader = await server.login('alice');
    slow.socket.pause();
    const sender = await new OtherProtocolUser(server.hub).claim('dave');
    const text = 'y'.repeat(512 * 1024);
    const eventLength = 'event\u001f\u001fdave: \u001e'.length + 13 + text.length;
    for (let i = 0; i < 40; i++) {
      sender.session.broadcast(text);
      expect((await reader.next()).length).toBe(eventLength);
    }
    expect(server.hub.stats.slowReaderDrops).toBe(1);
    slow.socket.resume();
    await slow.waitClosed();
    expect((await server.hub.activeNames()).map((name) => name.text)).toEqual(['alice', 'dave']);
  });
});

describe('connection limits', () => {
  it('closes connections over the per-process limit without a word', async () => {
    const server = await start({}, { limits: { maxConnections: 2 } });
    const first = await server.connect();
    const second = await server.connect();
    const third = await server.connect();
    await third.waitClosed();
    expect(third.unread).toEqual([]);
    expect(server.hub.stats.refusedConnections).toBe(1);
    expect(await first.ask(plain('prolongate'))).toBe(plain('prolongate_ack'));
    second.close();
    await sleep(50);
    const again = await server.connect();
    expect(await again.ask(plain('prolongate'))).toBe(plain('prolongate_ack'));
  });

  it('closes connections over the per-address limit', async () => {
    const server = await start({}, { limits: { maxConnectionsPerAddress: 1 } });
    const first = await server.connect();
    const socket = connect({ host: '127.0.0.1', port: server.port });
    await new Promise<void>((resolve) => socket.on('close', () => resolve()).resume());
    expect(server.hub.stats.refusedConnections).toBe(1);
    expect(await first.ask(plain('prolongate'))).toBe(plain('prolongate_ack'));
  });
});

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SwitchableAccounts } from '@switchboard/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { addAccounts, plain, type RsUsTestServer, startRsUs } from './testing/rs-us-test-kit.ts';

// The heap is measured after a full collection; vitest forks do not pass --expose-gc, so the flag
// is set at run time and `gc` taken from a fresh context, where V8 then defines it.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

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
const waitUntil = async (what: string, check: () => boolean, timeoutMs = 5_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
};

describe('rs-us: input waiting behind a slow command', () => {
  it('holds no decoded commands: 20 connections of a login and 64 KiB of U+001E keep the heap flat', async () => {
    const accounts = new SwitchableAccounts();
    const server = await start({}, { accounts });
    accounts.hold();
    const before = heapUsed();
    const clients = await Promise.all(Array.from({ length: 20 }, () => server.connect()));
    for (const client of clients) client.write(plain('login', 'bob', 'pw') + '\u001e'.repeat(64 * 1024));
    await sleep(300);
    const growth = heapUsed() - before;
    // Decoded and queued, the 65,536 empty commands of each took about 5 MB per connection.
    expect(growth).toBeLessThan(8 * 1024 * 1024);
    accounts.release();
    for (const client of clients) {
      expect(await client.next()).toBe(plain('login_valid'));
      expect(await client.next()).toBe(plain('unknown_command'));
    }
  });
});

describe('rs-us: the rate limit', () => {
  it('answers a flood of empty commands at the rate, not all at once', async () => {
    const server = await start({}, { limits: { messagesPerSecond: 1_000, messageBurst: 100 } });
    const flooder = await server.connect();
    const bystander = await server.connect();
    flooder.write('\u001e'.repeat(20_000));
    await sleep(200);
    // 100 at once, then 1,000 a second: a few hundred by now, never the 20,000 sent.
    expect(flooder.unread.length).toBeLessThan(1_000);
    expect(flooder.unread.length).toBeGreaterThan(50);
    const askedAt = Date.now();
    expect(await bystander.ask(plain('prolongate'))).toBe(plain('prolongate_ack'));
    expect(Date.now() - askedAt).toBeLessThan(250);
    expect(server.hub.stats.rateLimited).toBeGreaterThan(0);
  });

  it('still answers everything a half-closing client sent over the rate, in order, then closes', async () => {
    const server = await start({}, { limits: { messagesPerSecond: 200, messageBurst: 5 } });
    const client = await server.connect();
    client.socket.end(plain('prolongate').repeat(40) + plain('bogus'));
    for (let i = 0; i < 40; i++) expect(await client.next()).toBe(plain('prolongate_ack'));
    expect(await client.next()).toBe(plain('unknown_command'));
    await client.waitClosed();
    expect(server.hub.stats.rateLimited).toBeGreaterThan(0);
  });

  it('counts bytes: big commands are held back by the byte rate and all answered in order', async () => {
    const server = await start({}, { limits: { bytesPerSecond: 100 * 1024, byteBurst: 50 * 1024 } });
    const alice = await server.login('alice');
    const bob = await server.login('bob');
    const texts = Array.from({ length: 5 }, (_, index) => `${index}`.padEnd(40 * 1024, 'z'));
    const started = Date.now();
    bob.write(texts.map((text) => plain('send', 'alice', text)).join(''));
    for (const text of texts) {
      expect(await bob.next(5_000)).toBe(plain('send_ack'));
      const event = await alice.next(5_000);
      expect(event.startsWith('event\u001f')).toBe(true);
      expect(event.endsWith(`\u001fbob: ${text}\u001e`)).toBe(true);
    }
    // 200 KiB at 100 KiB/s after a 50 KiB burst: well over a second, not at once.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
  });
});

describe('rs-us: a client that goes away', () => {
  it('executes nothing it had queued once it resets: no message is sent', async () => {
    const accounts = new SwitchableAccounts();
    const server = await start({}, { accounts });
    const alice = await server.login('alice');
    accounts.hold();
    const bob = await server.connect();
    bob.write(plain('login', 'bob', 'pw') + plain('send', 'alice', 'from the grave').repeat(50));
    await sleep(50);
    bob.socket.resetAndDestroy();
    await waitUntil('bob to be gone', () => server.hub.connectionCount === 1);
    accounts.release();
    expect(await alice.silentFor(200)).toBe(true);
  });

  it('counts no failed login queued behind the one in flight when it resets', async () => {
    const accounts = new SwitchableAccounts();
    const server = await start({}, { accounts, throttle: { maxFailuresPerName: 2 } });
    accounts.hold();
    const client = await server.connect();
    client.write(plain('login', 'bob', 'no1') + plain('login', 'bob', 'no2') + plain('login', 'bob', 'no3'));
    await sleep(50);
    client.socket.resetAndDestroy();
    await waitUntil('the client to be gone', () => server.hub.connectionCount === 0);
    accounts.release();
    await sleep(50);
    // Only the login in flight was counted: one failure is under the limit of two.
    const other = await server.connect();
    expect(await other.ask(plain('login', 'bob', 'pw'))).toBe(plain('login_valid'));
  });
});

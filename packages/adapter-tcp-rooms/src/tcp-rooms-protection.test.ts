import { connect } from 'node:net';
import { Name, systemClock } from '@switchboard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { Harness } from './testing/harness.ts';
import { LineClient } from './testing/line-client.ts';
import { waitFor } from './testing/wait-for.ts';

let harness: Harness;
afterEach(async () => {
  await harness?.close();
});

const realTime = (limits = {}) => ({ hubOptions: { clock: systemClock, limits } });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('tcp-rooms protection (SPEC §1)', () => {
  it('refuses a connection over the limit with one line, and serves the others', async () => {
    harness = await Harness.start({ hubOptions: { limits: { maxConnectionsPerAddress: 2 } } });
    const alice = await harness.signUp('alice');
    const waiting = await harness.connect();
    const refused = await LineClient.open(harness.port);
    harness.clients.push(refused);
    expect(await refused.nextLine()).toBe('Too many connections.');
    await refused.closed;
    expect(Buffer.concat(refused.received).toString()).toBe('Too many connections.\n');
    expect(harness.hub.stats.refusedConnections).toBe(1);
    waiting.send('bob');
    expect(await waiting.nextLine()).toBe('New nickname. Choose a password:');
    alice.send('/who');
    expect(await alice.nextLine()).toBe('Online: alice');
  });

  it('drops a client that stops reading, without slowing the others', async () => {
    harness = await Harness.start(realTime({ maxQueuedBytes: 256 * 1024 }));
    const slow = await harness.signUp('slow');
    const fast = await harness.signUp('fast');
    slow.socket.pause();
    fast.discard();
    const sender = harness.hub.open('other', '192.0.2.1', { deliver() {}, replaced() {} })!;
    expect(await sender.claimGuest(Name.fromText('sender'))).toBe('ok');
    const text = 'z'.repeat(4000);
    const lineBytes = Buffer.byteLength(`sender (00:00): ${text}\n`);
    let sent = 0;
    // Batches the fast reader can take between turns of the event loop; stop once the slow one is gone.
    while (harness.hub.stats.slowReaderDrops === 0 && sent < 20_000) {
      for (let i = 0; i < 16; i++) sender.broadcast(text);
      sent += 16;
      await sleep(1);
    }
    expect(harness.hub.stats.slowReaderDrops).toBe(1);
    for (let i = 0; i < 16; i++) sender.broadcast(text);
    sent += 16;
    await waitFor(() => fast.discardedBytes === sent * lineBytes, 5_000, 'the fast reader to get everything');
    sender.close();
    const check = await harness.logIn('fast');
    check.send('/who');
    expect(await check.nextLine()).toBe('Online: fast');
  });

  it('stops reading a client over its message rate, losing nothing, without slowing others', async () => {
    harness = await Harness.start(realTime({ messagesPerSecond: 100, messageBurst: 10 }));
    const flooder = await harness.signUp('flooder');
    const reader = await harness.signUp('reader');
    const other = await harness.signUp('other');
    other.send('/create quiet');
    expect(await other.nextLine()).toMatch(/^Room quiet created/);
    const lines = Array.from({ length: 60 }, (_, i) => `message ${i}`);
    const started = Date.now();
    flooder.write(lines.map((line) => `${line}\n`).join(''));
    // While the flooder waits, another connection is answered at once.
    await sleep(50);
    const asked = Date.now();
    other.send('/rooms');
    expect(await other.nextLine()).toBe('Rooms: quiet');
    expect(Date.now() - asked).toBeLessThan(300);
    const received = await reader.nextLines(60, 5_000);
    const elapsed = Date.now() - started;
    expect(received.map((line) => line.replace(/^flooder \(\d\d:\d\d\): /, ''))).toEqual(lines);
    expect(elapsed).toBeGreaterThanOrEqual(400);
    expect(harness.hub.stats.rateLimited).toBeGreaterThan(0);
  });

  it('answers a flood of async commands in order, serving others meanwhile', async () => {
    harness = await Harness.start(realTime({ messagesPerSecond: 1_000_000, messageBurst: 1_000_000 }));
    const flooder = await harness.signUp('flooder');
    const other = await harness.signUp('other');
    const count = 5_000;
    let batch = '';
    for (let i = 0; i < count; i++) batch += i % 2 === 0 ? '/rooms\n' : '/who\n';
    flooder.write(batch);
    other.send('/rooms');
    expect(await other.nextLine()).toBe('No rooms yet.');
    const answers = await flooder.nextLines(count, 10_000);
    answers.forEach((answer, i) => {
      expect(answer).toBe(i % 2 === 0 ? 'No rooms yet.' : 'Online: flooder, other');
    });
  });
});

describe('tcp-rooms shutdown (SPEC §3.5)', () => {
  it('tells every client Server is shutting down. and closes them', async () => {
    harness = await Harness.start();
    const chatting = await harness.signUp('alice');
    const atNickname = await harness.connect();
    const midSignUp = await harness.connect();
    midSignUp.send('bob');
    expect(await midSignUp.nextLine()).toBe('New nickname. Choose a password:');
    await harness.adapter.close();
    for (const client of [chatting, atNickname, midSignUp]) {
      expect(await client.nextLine()).toBe('Server is shutting down.');
      await client.closed;
      expect(client.unread).toEqual([]);
    }
    await expect(LineClient.open(harness.port)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('destroys a client that does not close within the grace period', async () => {
    // The grace runs on the hub's clock, as every connection timer does: here the system's.
    harness = await Harness.start(realTime());
    const stubborn = connect({ port: harness.port, host: '127.0.0.1', allowHalfOpen: true });
    let received = '';
    stubborn.on('data', (chunk) => {
      received += chunk;
    });
    stubborn.on('error', () => {});
    await waitFor(() => received.includes('\n'));
    const started = Date.now();
    await harness.adapter.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(received).toBe('Enter your nickname:\nServer is shutting down.\n');
    stubborn.destroy();
  });
});

describe('tcp-rooms under load', () => {
  it('serves 200 concurrent clients signing up and chatting, none blocking the others', async () => {
    harness = await Harness.start(realTime());
    // Connections that stall mid-dialogue must not hold anyone up.
    const stalled = await harness.connect();
    stalled.send('staller');
    const silent = await LineClient.open(harness.port);
    harness.clients.push(silent);

    const count = 200;
    const nicks = Array.from({ length: count }, (_, i) => `user${String(i).padStart(3, '0')}`);
    const started = Date.now();
    const clients = await Promise.all(nicks.map((nick) => harness.signUp(nick, 'pw')));
    const signedUp = Date.now();
    clients.forEach((client, i) => {
      client.send(`hello from ${nicks[i]}`);
    });
    const inboxes = await Promise.all(clients.map((client) => client.nextLines(count - 1, 10_000)));
    const chatted = Date.now();
    inboxes.forEach((inbox, i) => {
      const expected = nicks.filter((_, j) => j !== i).map((nick) => `hello from ${nick}`);
      expect(inbox.map((line) => line.replace(/^\S+ \(\d\d:\d\d\): /, '')).sort()).toEqual(expected);
    });
    for (const client of clients) expect(client.unread).toEqual([]);
    console.log(`200 sign-ups: ${signedUp - started} ms; 200 × 199 deliveries: ${chatted - signedUp} ms`);
  });
});

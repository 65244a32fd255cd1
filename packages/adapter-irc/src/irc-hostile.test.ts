import { type ChatMessage, Name, type Session } from '@switchboard/core';
import { SwitchableAccounts } from '@switchboard/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { IrcHarness, sleep, waitFor } from './testing/irc-harness.ts';

let harness: IrcHarness;
const outsiders: Session[] = [];
afterEach(async () => {
  for (const session of outsiders.splice(0)) session.close();
  await harness?.close();
});

async function outsider(name: string) {
  const received: ChatMessage[] = [];
  const session = harness.hub.open('other', 'elsewhere', {
    deliver: (m) => received.push(m),
    replaced() {},
  })!;
  outsiders.push(session);
  expect(await session.claimGuest(Name.fromText(name))).toBe('ok');
  return { session, received };
}

describe('hostile input', () => {
  it('refuses a line over 512 bytes with 417 and runs none of it; exactly 512 with CR LF passes', async () => {
    harness = await IrcHarness.start();
    const alice = await harness.guest('alice');
    const watcher = await outsider('watcher');
    const head = 'PRIVMSG watcher :';
    const exact = head + 'e'.repeat(510 - head.length);
    const over = head + 'o'.repeat(511 - head.length);
    // Past byte 510 it reads as a command: a server that cut lines would run it.
    const cut = `${head}${'c'.repeat(510 - head.length)}QUIT :cut`;
    expect(Buffer.byteLength(exact)).toBe(510);
    expect(Buffer.byteLength(over)).toBe(511);
    alice.write(`${over}\r\n${cut}\r\n${exact}\r\n${head}${'z'.repeat(100_000)}\r\nPING :after\r\n`);
    expect((await alice.expectCommand('417')).params[1]).toMatch(/too long/);
    await alice.expectCommand('417');
    await alice.expectCommand('417');
    await alice.expectCommand('PONG');
    await waitFor('the exact line', () => watcher.received.length === 1);
    expect(watcher.received[0]!.text).toBe('e'.repeat(510 - head.length));
    await sleep(50);
    expect(watcher.received).toHaveLength(1);
    expect(alice.isClosed).toBe(false);
  });

  it('answers unknown commands with 421, and garbage never crashes or closes the connection', async () => {
    harness = await IrcHarness.start();
    const alice = await harness.guest('alice');
    alice.write('FROBNICATE x\r\n\u0000\u0001\u0002\r\n:just-a-prefix\r\n@tag\r\n   \r\nPRIVMSG\r\n');
    expect((await alice.expectCommand('421')).params[1]).toBe('FROBNICATE');
    expect((await alice.expectCommand('421')).params[1]).toBe('?\u0001\u0002'.replace(/[^\x21-\x7e]/g, '?'));
    await alice.expectCommand('411');
    alice.send('PING :alive');
    await alice.expectCommand('PONG');
  });

  it('shows bytes that are not UTF-8 as U+FFFD to the other protocols', async () => {
    harness = await IrcHarness.start();
    const alice = await harness.guest('alice');
    const watcher = await outsider('watcher');
    alice.write(
      Buffer.concat([Buffer.from('PRIVMSG watcher :h'), Buffer.from([0xff, 0xc3]), Buffer.from('i\r\n')]),
    );
    await waitFor('the message', () => watcher.received.length === 1);
    expect(watcher.received[0]!.text).toBe('h\uFFFD\uFFFDi');
  });

  it('holds a flood to the rate without losing or reordering anything, and others are not slowed', async () => {
    harness = await IrcHarness.start({ limits: { messagesPerSecond: 2_000, messageBurst: 100 } });
    const flooder = await harness.guest('flooder');
    const sink = await outsider('sink');
    const alice = await harness.guest('alice');
    const bob = await harness.guest('bob');
    const count = 1_000;
    const started = Date.now();
    flooder.write(Array.from({ length: count }, (_, i) => `PRIVMSG sink :m${i}\r\n`).join(''));
    // While the flood is held back, a bystander pair chats at full speed.
    await sleep(20);
    const pingAt = Date.now();
    alice.send('PRIVMSG bob :quick');
    await bob.expectCommand('PRIVMSG');
    const roundTrip = Date.now() - pingAt;
    await waitFor('the whole flood', () => sink.received.length === count, 10_000);
    const elapsed = Date.now() - started;
    expect(sink.received.map((m) => m.text)).toEqual(Array.from({ length: count }, (_, i) => `m${i}`));
    expect(harness.hub.stats.rateLimited).toBeGreaterThan(0);
    // 900 lines over the burst at 2 000/s take at least 450 ms.
    expect(elapsed).toBeGreaterThanOrEqual(400);
    expect(roundTrip).toBeLessThan(200);
    expect(flooder.isClosed).toBe(false);
  });

  it('pauses a client that does not read its replies instead of queueing them without bound', async () => {
    harness = await IrcHarness.start({
      limits: { maxQueuedBytes: 256 * 1024, messagesPerSecond: 1e6, messageBurst: 1e6 },
    });
    const reader = await harness.guest('reader');
    reader.socket.pause();
    const count = 20_000;
    reader.write('NAMES #main\r\n'.repeat(count));
    await sleep(300);
    // Replies beyond the backlog are not produced while it does not read: nothing dropped it.
    expect(harness.hub.stats.slowReaderDrops).toBe(0);
    expect(reader.lines.length).toBeLessThan(100);
    reader.socket.resume();
    await waitFor(
      'every reply',
      () => reader.lines.filter((line) => line.command === '366').length === count + 1,
      15_000,
    );
    expect(reader.isClosed).toBe(false);
  });

  it('stops reading while a claim waits: pipelined input stays on the client side', async () => {
    const accounts = new SwitchableAccounts();
    harness = await IrcHarness.start({ accounts });
    accounts.hold();
    const hasty = harness.client();
    hasty.write('NICK hasty\r\nUSER h 0 * :h\r\n');
    hasty.write('PONG :pipelined\r\n'.repeat((8 * 1024 * 1024) / 17));
    await sleep(300);
    // The server stopped reading: most of the 8 MiB is still on the client's side.
    expect(hasty.socket.writableLength).toBeGreaterThan(2 * 1024 * 1024);
    expect(harness.hub.connectionCount).toBe(1);
    accounts.release();
    await hasty.expectCommand('001', 10_000);
    hasty.socket.destroy();
  });

  it('runs nothing of a client that pipelined and hung up while its claim waited', async () => {
    const accounts = new SwitchableAccounts();
    harness = await IrcHarness.start({ accounts });
    const watcher = await outsider('watcher');
    accounts.hold();
    for (let i = 0; i < 5; i++) {
      const hasty = harness.client();
      hasty.write(`NICK hasty${i}\r\nUSER h 0 * :h\r\n${'PRIVMSG watcher :too late\r\n'.repeat(50)}`);
      await sleep(10);
      hasty.socket.resetAndDestroy();
    }
    await waitFor('the server to see them go', () => harness.hub.connectionCount === 1);
    accounts.release();
    await sleep(200);
    expect(watcher.received).toEqual([]);
    expect(await harness.activeTexts()).toEqual(['watcher']);
  });

  it('answers everything a client sent before half-closing, then closes', async () => {
    harness = await IrcHarness.start();
    const watcher = await outsider('watcher');
    const client = harness.client();
    client.socket.end('NICK nc\r\nUSER n 0 * :n\r\nPRIVMSG watcher :from nc\r\nPING :last\r\n');
    await client.closed;
    expect(client.lines.map((line) => line.command)).toEqual(
      expect.arrayContaining(['001', '366', 'PONG', 'ERROR']),
    );
    expect(watcher.received.map((m) => m.text)).toEqual(['from nc']);
  });
});

describe('connection limits', () => {
  it('tells a connection over the per-address limit why with ERROR, and closes it', async () => {
    harness = await IrcHarness.start({ limits: { maxConnectionsPerAddress: 1 } });
    const first = await harness.guest('first');
    const second = harness.client();
    expect((await second.expectCommand('ERROR')).params[0]).toMatch(/Too many connections/);
    await second.waitClosed();
    expect(harness.hub.stats.refusedConnections).toBe(1);
    first.send('PING :ok');
    await first.expectCommand('PONG');
  });
});

describe('the byte rate', () => {
  it('holds an endless line to the byte rate: one 417, then the server reads slowly', async () => {
    harness = await IrcHarness.start({ limits: { bytesPerSecond: 64 * 1024, byteBurst: 64 * 1024 } });
    const endless = await harness.guest('endless');
    const bystander = await harness.guest('bystander');
    endless.write(Buffer.alloc(8 * 1024 * 1024, 0x61));
    expect((await endless.expectCommand('417')).params[1]).toMatch(/too long/);
    await sleep(300);
    expect(endless.socket.writableLength).toBeGreaterThan(2 * 1024 * 1024);
    expect(harness.hub.stats.rateLimited).toBeGreaterThan(0);
    expect(endless.lines.filter((line) => line.command === '417')).toHaveLength(1);
    bystander.send('PING :unharmed');
    await bystander.expectCommand('PONG');
  });
});

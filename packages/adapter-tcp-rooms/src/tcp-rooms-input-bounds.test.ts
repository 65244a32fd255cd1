import { connect, type Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MemoryAccountStore } from '@switchboard/core';
import { FakeClock, SwitchableAccounts } from '@switchboard/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { expectNothingPending, FIXED_TIME, Harness } from './testing/harness.ts';
import { waitFor } from './testing/wait-for.ts';

let harness: Harness;
afterEach(async () => {
  await harness?.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A full collection, so the heap measures what is still held. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

describe('tcp-rooms input rate in bytes (issue 12, item 2)', () => {
  it('holds lines back while over the byte rate, and delivers them all once back under', async () => {
    const clock = new FakeClock(FIXED_TIME);
    harness = await Harness.start({
      hubOptions: { clock, limits: { bytesPerSecond: 10_000, byteBurst: 10_000 } },
      options: { maxLineBytes: 16_000 },
    });
    const sender = await harness.signUp('sender');
    const reader = await harness.signUp('reader');
    const [a, b, c] = ['a', 'b', 'c'].map((letter) => letter.repeat(9_000));
    sender.write(`${a}\n${b}\n${c}\n`);
    // The second line takes the budget into debt (one line always passes); the third waits.
    expect(await reader.nextLines(2)).toEqual([`sender (12:34): ${a}`, `sender (12:34): ${b}`]);
    await sleep(50);
    await expectNothingPending(reader);
    clock.advance(1_000);
    expect(await reader.nextLine()).toBe(`sender (12:34): ${c}`);
  });

  it('counts the bytes of a line too long to be kept, so a line without end is held back too', async () => {
    const clock = new FakeClock(FIXED_TIME);
    harness = await Harness.start({
      hubOptions: { clock, limits: { bytesPerSecond: 10_000, byteBurst: 10_000 } },
      options: { maxLineBytes: 1_000 },
    });
    const sender = await harness.signUp('sender');
    const reader = await harness.signUp('reader');
    sender.write('x'.repeat(40_000));
    expect(await sender.nextLine()).toBe('Line too long.');
    sender.write('\nafter\n');
    await sleep(50);
    await expectNothingPending(reader);
    clock.advance(5_000);
    expect(await reader.nextLine()).toBe('sender (12:34): after');
  });
});

describe('tcp-rooms input waiting behind a slow answer (issue 12, item 1)', () => {
  it('keeps at most one raw read per connection, decoding nothing ahead of the line that waits', async () => {
    const accounts = new SwitchableAccounts(new MemoryAccountStore());
    harness = await Harness.start({ hubOptions: { accounts } });
    // Every nickname lookup waits, as behind a slow store: each connection's first line is pending.
    accounts.state = 'held';
    const count = 100;
    const pipelined = `nick\n${'ab\n'.repeat(21_845)}`;
    collectGarbage();
    const before = process.memoryUsage().heapUsed;
    const sockets: Socket[] = [];
    for (let i = 0; i < count; i++) {
      const socket = connect({ port: harness.port, host: '127.0.0.1' });
      socket.on('error', () => {});
      socket.write(pipelined);
      sockets.push(socket);
    }
    await waitFor(() => accounts.reads === count, 5_000, 'every first line to wait');
    await sleep(300);
    collectGarbage();
    const held = process.memoryUsage().heapUsed - before;
    // 21,845 short lines decoded ahead cost ~0.7 MB of heap per connection; raw bytes cost none.
    expect(held).toBeLessThan(count * 100 * 1024);
    for (const socket of sockets) socket.destroy();
  });
});

describe('tcp-rooms client that does not read (issue 12, item 1)', () => {
  it('stops reading a flood of empty lines at the prompt instead of piling up its answers', async () => {
    harness = await Harness.start({
      hubOptions: { limits: { messagesPerSecond: 1_000_000, messageBurst: 1_000_000 } },
    });
    const client = await harness.connect();
    client.socket.pause();
    const count = 200_000;
    // 1 byte in, 44 bytes out each: 8.8 MB of answers, more than the socket buffers and the 4 MiB queue.
    client.write('\n'.repeat(count));
    await sleep(500);
    expect(harness.hub.stats.slowReaderDrops).toBe(0);
    expect(client.isClosed).toBe(false);
    client.discard();
    client.socket.resume();
    const answerBytes = Buffer.byteLength('The nickname is empty.\nEnter your nickname:\n');
    await waitFor(() => client.discardedBytes === count * answerBytes, 15_000, 'every answer');
    expect(harness.hub.stats.slowReaderDrops).toBe(0);
  });
});

describe('tcp-rooms share of the event loop (issue 12, item 4)', () => {
  it('serves another client while one runs a whole burst of lines sent at once', async () => {
    harness = await Harness.start({ options: { logChat: false } });
    const members = await Promise.all(Array.from({ length: 50 }, (_, i) => harness.signUp(`m${i}`, 'pw')));
    for (const member of members) member.discard();
    const flooder = await harness.signUp('flooder', 'pw');
    const bystander = await harness.signUp('bystander', 'pw');
    bystander.send('/create quiet');
    expect(await bystander.nextLine()).toMatch(/^Room quiet created/);
    const lines = 1_900; // within the flooder's burst: nothing but the turn's share holds it back
    const total = lines * members.length;
    const before = harness.hub.stats.deliveries;
    flooder.write(Array.from({ length: lines }, (_, i) => `line ${i}\n`).join(''));
    await new Promise((resolve) => setImmediate(resolve));
    bystander.send('/rooms');
    expect(await bystander.nextLine(10_000)).toBe('Rooms: quiet');
    // Answered while the flood was still being delivered, not after all of it.
    expect(harness.hub.stats.deliveries - before).toBeLessThan(total / 2);
    await waitFor(() => harness.hub.stats.deliveries - before === total, 15_000, 'the whole flood');
  });
});

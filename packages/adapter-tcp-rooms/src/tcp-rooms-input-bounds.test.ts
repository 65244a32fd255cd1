import { FakeClock } from '@switchboard/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { expectNothingPending, FIXED_TIME, Harness } from './testing/harness.ts';
import { waitFor } from './testing/wait-for.ts';

let harness: Harness;
afterEach(async () => {
  await harness?.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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

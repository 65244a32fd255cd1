import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { SOH } from './soh-codec.ts';
import { type HarnessOptions, SohHarness, sleep, waitFor } from './testing/soh-harness.ts';

// The heap is measured after a full collection; vitest forks do not pass --expose-gc, so the flag
// is set at run time and `gc` taken from a fresh context, where V8 then defines it.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

const harnesses: SohHarness[] = [];
async function start(options?: HarnessOptions): Promise<SohHarness> {
  const harness = await SohHarness.start(options);
  harnesses.push(harness);
  return harness;
}
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((harness) => harness.close()));
});

const frame = (...fields: string[]) =>
  Buffer.concat(fields.flatMap((field) => [Buffer.from(field), Buffer.of(SOH)]));

describe('soh: a flood of fields over the rate', () => {
  it('holds no decoded fields: 20 connections of a name and 64 KiB of 0x01 keep the heap flat', async () => {
    const soh = await start();
    const before = heapUsed();
    const flooders = Array.from({ length: 20 }, (_, index) => {
      const client = soh.client();
      // 32,768 empty receiver/text pairs, far over the burst of 2,000.
      client.write(Buffer.concat([frame(`flooder${index}`), Buffer.alloc(64 * 1024, SOH)]));
      return client;
    });
    await waitFor('the flooders to be over the rate', () => soh.hub.stats.rateLimited >= 20);
    await sleep(200);
    const growth = heapUsed() - before;
    // Decoded and held, the fields took about 7 MB per connection (145 MB here).
    expect(growth).toBeLessThan(8 * 1024 * 1024);
    expect(flooders.every((client) => !client.isClosed)).toBe(true);
  });

  it('stops reading a sender that streams over the rate, so its input waits in TCP, not in the heap', async () => {
    const soh = await start({ limits: { messagesPerSecond: 100, messageBurst: 10 } });
    const bob = await soh.join('bob');
    const flooder = await soh.join('flooder');
    const before = heapUsed();
    const pairs = Buffer.concat(Array.from({ length: 4096 }, () => frame('bob', 'x')));
    let written = 0;
    const deadline = Date.now() + 1_000;
    // Writes as long as TCP takes it, for a second at most.
    while (Date.now() < deadline && written < 64 * 1024 * 1024) {
      if (flooder.socket.writableLength < 1024 * 1024) {
        flooder.write(pairs);
        written += pairs.length;
      }
      await sleep(1);
    }
    const growth = heapUsed() - before;
    // The server read a little and TCP pushed back: most of it was never read.
    expect(flooder.socket.writableLength).toBeGreaterThan(0);
    expect(growth).toBeLessThan(4 * 1024 * 1024);
    // 100 a second: about 100 + the burst in that second, never what was sent (~190,000 pairs).
    expect(bob.deliveries.length).toBeLessThan(400);
  });

  it('discards the input of a sender that hangs up while over the rate: nothing of it arrives after', async () => {
    const soh = await start({ limits: { messagesPerSecond: 50, messageBurst: 5 } });
    const bob = await soh.join('bob');
    const flooder = await soh.join('flooder');
    flooder.write(Buffer.concat(Array.from({ length: 300 }, (_, index) => frame('bob', `m${index}`))));
    await bob.waitForDeliveries(5);
    flooder.socket.destroy();
    await waitFor('the flooder to be removed', () => soh.hub.connectionCount === 1);
    const seen = bob.deliveries.length;
    await sleep(500);
    expect(bob.deliveries.length).toBe(seen);
    // 300 messages at 50 a second would still be arriving for six seconds.
    expect(seen).toBeLessThan(30);
    expect(await soh.isActive('flooder')).toBe(false);
  });

  it('discards the input of a sender that resets while over the rate', async () => {
    const soh = await start({ limits: { messagesPerSecond: 50, messageBurst: 5 } });
    const bob = await soh.join('bob');
    const flooder = await soh.join('flooder');
    flooder.write(Buffer.concat(Array.from({ length: 300 }, (_, index) => frame('bob', `m${index}`))));
    await bob.waitForDeliveries(5);
    flooder.socket.resetAndDestroy();
    await waitFor('the flooder to be removed', () => soh.hub.connectionCount === 1);
    const seen = bob.deliveries.length;
    await sleep(500);
    expect(bob.deliveries.length).toBe(seen);
    expect(seen).toBeLessThan(30);
  });

  it('at EOF handles what the rate allows at once and waits for nothing more', async () => {
    const soh = await start({ limits: { messagesPerSecond: 50, messageBurst: 5 } });
    const bob = await soh.join('bob');
    const sender = soh.client();
    // Name and 300 messages, then EOF, in one go: `printf ... | nc` over the rate.
    sender.socket.end(
      Buffer.concat([
        frame('sender'),
        ...Array.from({ length: 300 }, (_, index) => frame('bob', `m${index}`)),
      ]),
    );
    await bob.waitForDeliveries(5);
    await waitFor('the sender to be removed', () => soh.hub.connectionCount === 1);
    const seen = bob.deliveries.length;
    await sleep(300);
    expect(bob.deliveries.length).toBe(seen);
    expect(bob.deliveries).toEqual(Array.from({ length: seen }, (_, index) => ['sender', `m${index}`]));
    expect(seen).toBeLessThan(30);
  });

  it('counts bytes: big messages are held back by the byte rate, and all of them arrive in order', async () => {
    const soh = await start({ limits: { bytesPerSecond: 200 * 1024, byteBurst: 100 * 1024 } });
    const bob = await soh.join('bob');
    const alice = await soh.join('alice');
    const texts = Array.from({ length: 10 }, (_, index) => `${index}`.padEnd(50 * 1024, 'z'));
    const started = Date.now();
    alice.write(Buffer.concat(texts.map((text) => frame('bob', text))));
    const received = await bob.waitForDeliveries(10, 10_000);
    expect(received).toEqual(texts.map((text) => ['alice', text]));
    // 500 KiB at 200 KiB/s after a 100 KiB burst: about two seconds, not at once.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
    expect(soh.hub.stats.rateLimited).toBeGreaterThan(0);
  });
});

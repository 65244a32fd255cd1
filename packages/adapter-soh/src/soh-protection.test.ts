import { afterEach, describe, expect, it } from 'vitest';
import { SOH } from './soh-codec.ts';
import { type HarnessOptions, SohHarness, sleep, waitFor } from './testing/soh-harness.ts';

const harnesses: SohHarness[] = [];
async function start(options?: HarnessOptions): Promise<SohHarness> {
  const harness = await SohHarness.start(options);
  harnesses.push(harness);
  return harness;
}
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((harness) => harness.close()));
});

const frame = (...fields: (string | Buffer)[]) =>
  Buffer.concat(fields.flatMap((field) => [Buffer.from(field), Buffer.of(SOH)]));

/** Deterministic pseudo-random bytes, with 0x01 at about `sohRate`. */
function garbage(seed: number, length: number, sohRate: number): Buffer {
  let state = seed;
  const next = () => {
    state = (state * 1_103_515_245 + 12_345) & 0x7fffffff;
    return state / 0x80000000;
  };
  return Buffer.from(Array.from({ length }, () => (next() < sohRate ? SOH : Math.floor(next() * 256))));
}

describe('soh: slow readers', () => {
  it('drops a client that stops reading once its queue passes the limit; others keep receiving promptly', async () => {
    const soh = await start({ limits: { maxQueuedBytes: 64 * 1024 } });
    const stuck = await soh.join('stuck');
    const reader = await soh.join('reader');
    const sender = await soh.join('sender');
    stuck.socket.pause();
    const big = 'b'.repeat(512 * 1024);
    for (let round = 0; round < 60 && soh.hub.stats.slowReaderDrops === 0; round += 1) {
      sender.send('stuck', big, 'reader', `ping ${round}`);
      await new Promise((resolve) => setImmediate(resolve));
      await reader.waitForDeliveries(round + 1, 1_000);
    }
    expect(soh.hub.stats.slowReaderDrops).toBe(1);
    await waitFor('stuck to be removed', async () => !(await soh.isActive('stuck')));
    const before = reader.deliveries.length;
    const sentAt = Date.now();
    sender.send('reader', 'after the drop');
    await reader.waitForDeliveries(before + 1);
    expect(Date.now() - sentAt).toBeLessThan(500);
    expect(reader.deliveries.at(-1)).toEqual(['sender', 'after the drop']);
    expect(reader.deliveries.every(([from]) => from === 'sender')).toBe(true);
  });
});

describe('soh: hostile input', () => {
  it("never lets one client's garbage disturb another", async () => {
    const soh = await start({ maxFieldBytes: 4096 });
    const alice = await soh.join('alice');
    const bob = await soh.join('bob');
    const vandals = [
      garbage(1, 50_000, 0), // no field ever ends: closed at the limit
      garbage(2, 50_000, 0.2), // random names and random pairs
      Buffer.concat([frame('vandal'), garbage(3, 50_000, 0.05)]),
      Buffer.alloc(20_000, SOH), // a flood of empty fields
      Buffer.concat([frame('v2', 'alice'), Buffer.alloc(10_000, 0x78)]), // oversized text for alice
    ].map((bytes) => {
      const vandal = soh.client();
      vandal.write(bytes);
      return vandal;
    });
    const resetter = soh.client();
    resetter.write(frame('resetter', 'bob').toString() + 'cut');
    setTimeout(() => resetter.socket.resetAndDestroy(), 10);
    const texts = Array.from({ length: 200 }, (_, index) => `message ${index}`);
    for (const text of texts) alice.send('bob', text);
    const received = await bob.waitForDeliveries(200);
    expect(received).toEqual(texts.map((text) => ['alice', text]));
    await vandals[0]!.waitClosed();
    await vandals[4]!.waitClosed();
    expect(alice.received).toEqual(Buffer.alloc(0));
    expect(alice.isClosed || bob.isClosed).toBe(false);
    await soh.join('carol');
  });

  it('refuses connections over the per-address limit by closing them', async () => {
    const soh = await start({ limits: { maxConnectionsPerAddress: 1 } });
    const first = await soh.join('first');
    const second = soh.client();
    await second.waitClosed();
    expect(second.received).toEqual(Buffer.alloc(0));
    expect(first.isClosed).toBe(false);
    expect(soh.hub.stats.refusedConnections).toBe(1);
  });
});

describe('soh: rate limit', () => {
  it('stops reading a fast sender for a while instead of losing its messages', async () => {
    const soh = await start({ limits: { messagesPerSecond: 100, messageBurst: 10 } });
    const alice = await soh.join('alice');
    const bob = await soh.join('bob');
    const texts = Array.from({ length: 40 }, (_, index) => `m${index}`);
    const started = Date.now();
    alice.write(Buffer.concat(texts.map((text) => frame('bob', text))));
    await sleep(50);
    expect(bob.deliveries.length).toBeLessThan(40);
    const received = await bob.waitForDeliveries(40);
    expect(received).toEqual(texts.map((text) => ['alice', text]));
    // 30 messages over the burst at 100 a second take about 0.3 s.
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(soh.hub.stats.rateLimited).toBeGreaterThan(0);
  });
});

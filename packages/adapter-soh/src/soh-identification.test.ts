import { SqliteStore } from '@switchboard/core/sqlite';
import { FakeClock, recordingLogger } from '@switchboard/core/testing';
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

describe('soh: the name deadline', () => {
  it('closes a client that sends nothing once nameTimeoutMs has passed on the core clock, not before', async () => {
    const clock = new FakeClock();
    const soh = await start({ clock, nameTimeoutMs: 10_000 });
    const silent = soh.client();
    await waitFor('the connection', () => soh.hub.connectionCount === 1);
    clock.advance(9_500);
    await sleep(50);
    expect(silent.isClosed).toBe(false);
    clock.advance(1_000);
    await silent.waitClosed();
    expect(silent.received).toEqual(Buffer.alloc(0));
    await waitFor('the slot to be released', () => soh.hub.connectionCount === 0);
  });

  it('closes a client that dribbles a name without ever ending it', async () => {
    const clock = new FakeClock();
    const soh = await start({ clock, nameTimeoutMs: 10_000 });
    const dribbler = soh.client();
    for (let second = 0; second < 11; second += 1) {
      dribbler.write('n');
      await sleep(5);
      clock.advance(1_000);
    }
    await dribbler.waitClosed();
  });

  it('leaves a client that named itself in time open past the deadline', async () => {
    const clock = new FakeClock();
    const soh = await start({ clock, nameTimeoutMs: 10_000 });
    const alice = await soh.join('alice');
    const bob = await soh.join('bob');
    clock.advance(60_000);
    await sleep(50);
    alice.send('bob', 'still here');
    await bob.waitForDeliveries(1);
    expect(alice.isClosed || bob.isClosed).toBe(false);
  });

  it('is a setting: nameTimeoutMs from the options', async () => {
    const clock = new FakeClock();
    const soh = await start({ clock, nameTimeoutMs: 2_000 });
    const silent = soh.client();
    await waitFor('the connection', () => soh.hub.connectionCount === 1);
    clock.advance(2_500);
    await silent.waitClosed();
  });
});

describe('soh: while the account store cannot be reached', () => {
  it('closes a client that names itself, writes nothing, and logs nothing at error level', async () => {
    const { logger, lines } = recordingLogger();
    const levels = () => lines.map((line) => line.level);
    const store = new SqliteStore(':memory:');
    const soh = await start({ logger, accounts: store.accounts });
    // The store goes away under the running gateway.
    await store.close();
    const alice = soh.client();
    alice.write(
      Buffer.from(
        `alice${String.fromCharCode(SOH)}bob${String.fromCharCode(SOH)}hi${String.fromCharCode(SOH)}`,
      ),
    );
    await alice.waitClosed();
    expect(alice.received).toEqual(Buffer.alloc(0));
    expect(soh.hub.stats.unavailableRefusals).toBe(1);
    expect(await soh.isActive('alice')).toBe(false);
    expect(levels()).not.toContain('error');
    expect(levels()).toContain('warn');
  });
});

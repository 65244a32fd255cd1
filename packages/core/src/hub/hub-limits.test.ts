import { afterEach, describe, expect, it } from 'vitest';
import { defaultLimits } from '../limits/limits.ts';
import type { ChatMessage } from '../messages/chat-message.ts';
import { Name } from '../names/name.ts';
import type { CancelTimer, Clock } from '../ports/clock.ts';
import { FakeClock } from '../testing/fake-clock.ts';
import { createTestHub } from '../testing/test-hub.ts';
import type { Hub } from './hub.ts';
import type { SessionSink } from './session.ts';

class RecordingSink implements SessionSink {
  readonly messages: ChatMessage[] = [];
  deliver(message: ChatMessage): void {
    this.messages.push(message);
  }
  replaced(): void {}
}

let hub: Hub;
afterEach(() => hub?.close());

const open = (address: string) => hub.open('test', address, new RecordingSink());

describe('connection limits', () => {
  it('admits exactly maxConnectionsPerAddress from one address; open returns null beyond it', () => {
    hub = createTestHub({ limits: { maxConnectionsPerAddress: 3 } });
    const admitted = [open('10.0.0.1'), open('10.0.0.1'), open('10.0.0.1')];
    expect(admitted.every((session) => session !== null)).toBe(true);
    expect(open('10.0.0.1')).toBeNull();
    expect(open('10.0.0.2')).not.toBeNull();
    expect(hub.stats.refusedConnections).toBe(1);
  });

  it('admits exactly maxConnections in total', () => {
    hub = createTestHub({ limits: { maxConnections: 4 } });
    for (let i = 0; i < 4; i++) expect(open(`10.0.0.${i}`)).not.toBeNull();
    expect(open('10.0.0.200')).toBeNull();
    expect(hub.connectionCount).toBe(4);
    expect(hub.stats.refusedConnections).toBe(1);
  });

  it('releases the slot when the session closes, once however often close is called', () => {
    hub = createTestHub({ limits: { maxConnections: 2, maxConnectionsPerAddress: 1 } });
    const first = open('10.0.0.1')!;
    open('10.0.0.2');
    expect(open('10.0.0.1')).toBeNull();
    first.close();
    first.close();
    expect(hub.connectionCount).toBe(1);
    expect(open('10.0.0.1')).not.toBeNull();
    expect(open('10.0.0.3')).toBeNull();
  });

  it('releases the slot of an identified session too, and its name', async () => {
    hub = createTestHub({ limits: { maxConnections: 1 } });
    const session = open('10.0.0.1')!;
    await session.claimGuest(Name.fromText('alice'));
    session.close();
    const next = open('10.0.0.1')!;
    expect(await next.claimGuest(Name.fromText('alice'))).toBe('ok');
  });

  it('uses the spec defaults when nothing is configured, and freezes the limits', () => {
    hub = createTestHub({ limits: { messageBurst: 7 } });
    expect(hub.limits).toEqual({ ...defaultLimits, messageBurst: 7 });
    expect(Object.isFrozen(hub.limits)).toBe(true);
  });
});

describe('rate limiter and timers of the hub', () => {
  it('hands each connection its own bucket with the configured rate and burst', () => {
    const clock = new FakeClock();
    hub = createTestHub({ clock, limits: { messagesPerSecond: 10, messageBurst: 3 } });
    const first = hub.rateLimiter();
    const second = hub.rateLimiter();
    expect([first.take(), first.take(), first.take(), first.take()]).toEqual([true, true, true, false]);
    expect(second.take()).toBe(true);
    expect(first.msUntilNext()).toBe(100);
    clock.advance(100);
    expect(first.take()).toBe(true);
  });

  it('runs coarse timers on the hub clock', () => {
    const clock = new FakeClock();
    hub = createTestHub({ clock });
    const fired: string[] = [];
    hub.timers.schedule(10_000, () => fired.push('hello timeout'));
    const idle = hub.timers.schedule(10_000, () => fired.push('idle'));
    clock.advance(5_000);
    idle.reset();
    clock.advance(5_250);
    expect(fired).toEqual(['hello timeout']);
    clock.advance(5_000);
    expect(fired).toEqual(['hello timeout', 'idle']);
  });

  it('stops its timers on close', () => {
    const clock = new FakeClock();
    hub = createTestHub({ clock });
    let fired = false;
    hub.timers.schedule(1000, () => {
      fired = true;
    });
    hub.close();
    clock.advance(60_000);
    expect(fired).toBe(false);
  });

  it('accepts any Clock implementation, a class with methods included', async () => {
    class OffsetClock implements Clock {
      readonly #offset: number;
      constructor(offset: number) {
        this.#offset = offset;
      }
      now(): number {
        return 1_000_000 + this.#offset;
      }
      setTimeout(_callback: () => void, _ms: number): CancelTimer {
        return () => {};
      }
      setInterval(_callback: () => void, _ms: number): CancelTimer {
        return () => {};
      }
    }
    hub = createTestHub({ clock: new OffsetClock(5) });
    const session = open('10.0.0.1')!;
    await session.register(Name.fromText('carol'), 'pw');
    expect(await session.createRoom('den')).toEqual({ password: expect.any(String) });
    const receiver = hub.open('test', '10.0.0.2', new RecordingSink())!;
    await receiver.claimGuest(Name.fromText('bob'));
    await session.sendDirect([Name.fromText('bob')], 'x');
    expect((receiver.sink as RecordingSink).messages[0]!.timestamp).toBe(1_000_005);
  });
});

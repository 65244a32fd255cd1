import { describe, expect, it } from 'vitest';
import { FakeClock } from './fake-clock.ts';

describe('FakeClock', () => {
  it('starts at 2026-01-01 UTC, or where it is told, and stands still', async () => {
    expect(new FakeClock().now()).toBe(Date.UTC(2026, 0, 1));
    const clock = new FakeClock(1234);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(clock.now()).toBe(1234);
  });

  it('now can be passed around unbound', () => {
    const clock = new FakeClock(42);
    const { now } = clock;
    expect(now()).toBe(42);
  });

  it('moves only by advance', () => {
    const clock = new FakeClock(0);
    clock.advance(1500);
    expect(clock.now()).toBe(1500);
  });

  it('fires a timeout once, at its due time, and not before', () => {
    const clock = new FakeClock(0);
    const seen: number[] = [];
    clock.setTimeout(() => seen.push(clock.now()), 100);
    clock.advance(99);
    expect(seen).toEqual([]);
    clock.advance(1);
    expect(seen).toEqual([100]);
    clock.advance(1000);
    expect(seen).toEqual([100]);
  });

  it('fires due timers in time order, each seeing its own time', () => {
    const clock = new FakeClock(0);
    const seen: string[] = [];
    clock.setTimeout(() => seen.push(`c@${clock.now()}`), 300);
    clock.setTimeout(() => seen.push(`a@${clock.now()}`), 100);
    clock.setTimeout(() => seen.push(`b@${clock.now()}`), 200);
    clock.advance(1000);
    expect(seen).toEqual(['a@100', 'b@200', 'c@300']);
    expect(clock.now()).toBe(1000);
  });

  it('repeats an interval until cancelled', () => {
    const clock = new FakeClock(0);
    const seen: number[] = [];
    const cancel = clock.setInterval(() => seen.push(clock.now()), 250);
    clock.advance(1000);
    expect(seen).toEqual([250, 500, 750, 1000]);
    cancel();
    clock.advance(1000);
    expect(seen).toHaveLength(4);
  });

  it('cancels a timeout before it fires', () => {
    const clock = new FakeClock(0);
    let fired = false;
    const cancel = clock.setTimeout(() => {
      fired = true;
    }, 10);
    cancel();
    clock.advance(100);
    expect(fired).toBe(false);
  });

  it('fires timers set by a callback when they fall within the same advance', () => {
    const clock = new FakeClock(0);
    const seen: number[] = [];
    clock.setTimeout(() => {
      seen.push(clock.now());
      clock.setTimeout(() => seen.push(clock.now()), 50);
    }, 100);
    clock.advance(149);
    expect(seen).toEqual([100]);
    clock.advance(1);
    expect(seen).toEqual([100, 150]);
  });

  it('lets a callback cancel a timer due later in the same advance', () => {
    const clock = new FakeClock(0);
    const seen: string[] = [];
    const cancelLater = clock.setTimeout(() => seen.push('later'), 200);
    clock.setTimeout(() => {
      seen.push('first');
      cancelLater();
    }, 100);
    clock.advance(500);
    expect(seen).toEqual(['first']);
  });

  it('fires a zero-delay timeout on the next advance, even advance(0)', () => {
    const clock = new FakeClock(0);
    let fired = false;
    clock.setTimeout(() => {
      fired = true;
    }, 0);
    expect(fired).toBe(false);
    clock.advance(0);
    expect(fired).toBe(true);
  });
});

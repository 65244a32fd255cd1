import { describe, expect, it } from 'vitest';
import type { CancelTimer, Clock } from '../ports/clock.ts';
import { FakeClock } from '../testing/fake-clock.ts';
import { TimerWheel } from './timer-wheel.ts';

/** A fake clock that also says how many intervals are running, to show the wheel's cost. */
class IntervalCountingClock extends FakeClock implements Clock {
  running = 0;
  started = 0;
  override setInterval(callback: () => void, ms: number): CancelTimer {
    this.running += 1;
    this.started += 1;
    const cancel = super.setInterval(callback, ms);
    let cancelled = false;
    return () => {
      if (!cancelled) this.running -= 1;
      cancelled = true;
      cancel();
    };
  }
}

function setUp() {
  const clock = new IntervalCountingClock();
  return { clock, wheel: new TimerWheel(clock) };
}

describe('TimerWheel', () => {
  it('does not fire before the deadline and fires within one 250 ms step after it', () => {
    const { clock, wheel } = setUp();
    const start = clock.now();
    let firedAt: number | null = null;
    wheel.schedule(1000, () => {
      firedAt = clock.now();
    });
    clock.advance(999);
    expect(firedAt).toBeNull();
    clock.advance(251);
    expect(firedAt).not.toBeNull();
    expect(firedAt! - start).toBeGreaterThanOrEqual(1000);
    expect(firedAt! - start).toBeLessThan(1250);
  });

  it('fires each timer once', () => {
    const { clock, wheel } = setUp();
    let fired = 0;
    wheel.schedule(100, () => {
      fired += 1;
    });
    clock.advance(10_000);
    expect(fired).toBe(1);
    expect(wheel.size).toBe(0);
  });

  it('keeps the resolution for deadlines that fall between ticks', () => {
    const { clock, wheel } = setUp();
    const start = clock.now();
    const late: number[] = [];
    for (const ms of [1, 100, 249, 250, 251, 499, 777, 1001]) {
      wheel.schedule(ms, () => late.push(clock.now() - start - ms));
    }
    clock.advance(2000);
    expect(late).toHaveLength(8);
    for (const lateness of late) {
      expect(lateness).toBeGreaterThanOrEqual(0);
      expect(lateness).toBeLessThan(250);
    }
  });

  it('reset postpones the deadline to its original length from now', () => {
    const { clock, wheel } = setUp();
    let fired = false;
    const timer = wheel.schedule(1000, () => {
      fired = true;
    });
    for (let i = 0; i < 10; i++) {
      clock.advance(900);
      timer.reset();
    }
    expect(fired).toBe(false);
    clock.advance(999);
    expect(fired).toBe(false);
    clock.advance(251);
    expect(fired).toBe(true);
  });

  it('reset takes a new length when given one', () => {
    const { clock, wheel } = setUp();
    let fired = false;
    const timer = wheel.schedule(60_000, () => {
      fired = true;
    });
    timer.reset(500);
    clock.advance(750);
    expect(fired).toBe(true);
  });

  it('reset re-arms a timer that already fired', () => {
    const { clock, wheel } = setUp();
    let fired = 0;
    const timer = wheel.schedule(100, () => {
      fired += 1;
    });
    clock.advance(500);
    timer.reset();
    clock.advance(500);
    expect(fired).toBe(2);
  });

  it('cancel stops a timer; the others still fire', () => {
    const { clock, wheel } = setUp();
    const fired: string[] = [];
    const a = wheel.schedule(500, () => fired.push('a'));
    wheel.schedule(500, () => fired.push('b'));
    a.cancel();
    a.cancel();
    clock.advance(5000);
    expect(fired).toEqual(['b']);
  });

  it('lets a callback cancel or schedule timers', () => {
    const { clock, wheel } = setUp();
    const fired: string[] = [];
    const later = wheel.schedule(1000, () => fired.push('later'));
    wheel.schedule(100, () => {
      fired.push('first');
      later.cancel();
      wheel.schedule(100, () => fired.push('chained'));
    });
    clock.advance(3000);
    expect(fired).toEqual(['first', 'chained']);
  });

  it('runs thousands of timers on one interval, and none once they are done', () => {
    const { clock, wheel } = setUp();
    let fired = 0;
    const timers = Array.from({ length: 5000 }, (_, i) =>
      wheel.schedule(1000 + i, () => {
        fired += 1;
      }),
    );
    expect(clock.running).toBe(1);
    for (const timer of timers.slice(0, 2500)) timer.cancel();
    clock.advance(10_000);
    expect(fired).toBe(2500);
    expect(clock.running).toBe(0);
    wheel.schedule(10, () => {});
    expect(clock.running).toBe(1);
  });

  it('stops ticking when the last timer is cancelled, and stop() halts it', () => {
    const { clock, wheel } = setUp();
    const timer = wheel.schedule(1000, () => {});
    timer.cancel();
    expect(clock.running).toBe(0);
    let fired = false;
    wheel.schedule(100, () => {
      fired = true;
    });
    wheel.stop();
    expect(clock.running).toBe(0);
    clock.advance(1000);
    expect(fired).toBe(false);
  });

  it('takes another resolution', () => {
    const clock = new FakeClock();
    const wheel = new TimerWheel(clock, 1000);
    const start = clock.now();
    let firedAt = 0;
    wheel.schedule(10, () => {
      firedAt = clock.now();
    });
    clock.advance(999);
    expect(firedAt).toBe(0);
    clock.advance(1);
    expect(firedAt - start).toBe(1000);
  });
});

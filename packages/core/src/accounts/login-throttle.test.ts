import { describe, expect, it } from 'vitest';
import { FakeClock } from '../testing/fake-clock.ts';
import { defaultThrottleOptions, LoginThrottle } from './login-throttle.ts';

const MINUTE = 60_000;

function setUp(options = defaultThrottleOptions) {
  const clock = new FakeClock();
  return { clock, throttle: new LoginThrottle(clock, options) };
}

function fail(throttle: LoginThrottle, times: number, name = 'bob', address = '10.0.0.1') {
  for (let i = 0; i < times; i++) throttle.recordFailure(name, address);
}

describe('LoginThrottle defaults', () => {
  it('are those of the spec: 5 per name, 20 per address, a 10-minute window, a 5-minute lock', () => {
    expect(defaultThrottleOptions).toEqual({
      maxFailuresPerName: 5,
      maxFailuresPerAddress: 20,
      windowMs: 10 * MINUTE,
      lockMs: 5 * MINUTE,
    });
  });
});

describe('LoginThrottle per name', () => {
  it('does not lock after 4 failures and locks at the 5th', () => {
    const { throttle } = setUp();
    fail(throttle, 4);
    expect(throttle.isLocked('bob', '10.0.0.1')).toBe(false);
    fail(throttle, 1);
    expect(throttle.isLocked('bob', '10.0.0.1')).toBe(true);
  });

  it('locks the name from every address, and leaves other names alone', () => {
    const { throttle } = setUp();
    fail(throttle, 5, 'bob', '10.0.0.1');
    expect(throttle.isLocked('bob', '192.168.1.1')).toBe(true);
    expect(throttle.isLocked('carol', '192.168.1.1')).toBe(false);
  });

  it('counts failures from many addresses against the one name', () => {
    const { throttle } = setUp();
    for (let i = 0; i < 5; i++) throttle.recordFailure('bob', `10.0.0.${i}`);
    expect(throttle.isLocked('bob', '10.0.0.99')).toBe(true);
  });

  it('counts only failures within the last 10 minutes', () => {
    const { clock, throttle } = setUp();
    fail(throttle, 4);
    clock.advance(10 * MINUTE);
    fail(throttle, 4);
    expect(throttle.isLocked('bob', '10.0.0.1')).toBe(false);
    clock.advance(5 * MINUTE);
    fail(throttle, 1); // the second 4 are still within the window
    expect(throttle.isLocked('bob', '10.0.0.1')).toBe(true);
  });

  it('counts 5 failures spread over just under 10 minutes', () => {
    const { clock, throttle } = setUp();
    for (let i = 0; i < 5; i++) {
      fail(throttle, 1);
      if (i < 4) clock.advance(2.4 * MINUTE);
    }
    expect(throttle.isLocked('bob', '10.0.0.1')).toBe(true);
  });

  it('holds the lock for exactly 5 minutes', () => {
    const { clock, throttle } = setUp();
    fail(throttle, 5);
    clock.advance(5 * MINUTE - 1);
    expect(throttle.isLocked('bob', '10.0.0.1')).toBe(true);
    clock.advance(1);
    expect(throttle.isLocked('bob', '10.0.0.1')).toBe(false);
  });

  it('starts counting afresh after a lock: 4 new failures do not lock again', () => {
    const { clock, throttle } = setUp();
    fail(throttle, 5);
    clock.advance(5 * MINUTE);
    fail(throttle, 4);
    expect(throttle.isLocked('bob', '10.0.0.1')).toBe(false);
    fail(throttle, 1);
    expect(throttle.isLocked('bob', '10.0.0.1')).toBe(true);
  });

  it('clears the name count on success', () => {
    const { throttle } = setUp();
    fail(throttle, 4);
    throttle.recordSuccess('bob');
    fail(throttle, 4);
    expect(throttle.isLocked('bob', '10.0.0.1')).toBe(false);
  });
});

describe('LoginThrottle per address', () => {
  it('locks an address after 20 failures across names, for every name from it', () => {
    const { throttle } = setUp();
    for (let i = 0; i < 19; i++) throttle.recordFailure(`user${i}`, '10.0.0.1');
    expect(throttle.isLocked('anyone', '10.0.0.1')).toBe(false);
    throttle.recordFailure('user19', '10.0.0.1');
    expect(throttle.isLocked('anyone', '10.0.0.1')).toBe(true);
    expect(throttle.isLocked('anyone', '10.0.0.2')).toBe(false);
  });

  it('keeps the address count when one name logs in successfully', () => {
    const { throttle } = setUp();
    for (let i = 0; i < 19; i++) throttle.recordFailure(`user${i % 4}`, '10.0.0.1');
    throttle.recordSuccess('user0');
    throttle.recordFailure('user0', '10.0.0.1');
    expect(throttle.isLocked('someone-else', '10.0.0.1')).toBe(true);
  });

  it('releases the address after 5 minutes', () => {
    const { clock, throttle } = setUp();
    for (let i = 0; i < 20; i++) throttle.recordFailure(`user${i}`, '10.0.0.1');
    clock.advance(5 * MINUTE);
    expect(throttle.isLocked('anyone', '10.0.0.1')).toBe(false);
  });
});

describe('LoginThrottle options and housekeeping', () => {
  it('takes every limit from its options', () => {
    const { clock, throttle } = setUp({
      maxFailuresPerName: 2,
      maxFailuresPerAddress: 3,
      windowMs: 1000,
      lockMs: 50,
    });
    fail(throttle, 1);
    clock.advance(1000);
    fail(throttle, 1);
    expect(throttle.isLocked('bob', 'a')).toBe(false);
    fail(throttle, 1);
    expect(throttle.isLocked('bob', '10.0.0.1')).toBe(true);
    clock.advance(50);
    expect(throttle.isLocked('bob', '10.0.0.1')).toBe(false);
    for (const name of ['x', 'y', 'z']) throttle.recordFailure(name, '10.9.9.9');
    expect(throttle.isLocked('w', '10.9.9.9')).toBe(true);
  });

  it('sweeps away records once their lock and window have passed', () => {
    const { clock, throttle } = setUp();
    fail(throttle, 5, 'bob', '10.0.0.1');
    fail(throttle, 2, 'carol', '10.0.0.2');
    expect(throttle.size).toBe(4);
    throttle.sweep();
    expect(throttle.size).toBe(4);
    clock.advance(10 * MINUTE);
    throttle.sweep();
    expect(throttle.size).toBe(0);
  });
});

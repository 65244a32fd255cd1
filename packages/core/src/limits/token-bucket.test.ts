import { describe, expect, it } from 'vitest';
import { FakeClock } from '../testing/fake-clock.ts';
import { TokenBucket } from './token-bucket.ts';

function takeAll(bucket: TokenBucket): number {
  let taken = 0;
  while (bucket.take()) taken += 1;
  return taken;
}

describe('TokenBucket', () => {
  it('allows a full burst at once, then refuses', () => {
    const bucket = new TokenBucket(new FakeClock(), 1000, 2000);
    expect(takeAll(bucket)).toBe(2000);
    expect(bucket.take()).toBe(false);
  });

  it('refills at the configured rate', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(clock, 100, 10);
    takeAll(bucket);
    clock.advance(10);
    expect(takeAll(bucket)).toBe(1);
    clock.advance(55);
    expect(takeAll(bucket)).toBe(5);
  });

  it('keeps to the rate over a long stretch: 10 s at 100/s lets the burst plus 1000 through', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(clock, 100, 10);
    let taken = takeAll(bucket);
    for (let ms = 0; ms < 10_000; ms += 7) {
      clock.advance(7);
      taken += takeAll(bucket);
    }
    // 10_003 ms elapsed in steps of 7.
    expect(taken).toBe(10 + 1000);
  });

  it('never saves up more than the burst, however long the connection was idle', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(clock, 10, 5);
    expect(bucket.take()).toBe(true); // 4 left
    clock.advance(3_600_000);
    expect(takeAll(bucket)).toBe(5);
  });

  it('does not exceed the burst after idling with a partly used bucket', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(clock, 1000, 2000);
    for (let i = 0; i < 10; i++) bucket.take();
    clock.advance(60_000);
    expect(takeAll(bucket)).toBe(2000);
  });

  it('msUntilNext is 0 while a token is left', () => {
    const bucket = new TokenBucket(new FakeClock(), 1, 2);
    expect(bucket.msUntilNext()).toBe(0);
    bucket.take();
    expect(bucket.msUntilNext()).toBe(0);
  });

  it('msUntilNext says when the next message may be read, and taking then succeeds', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(clock, 3, 1);
    bucket.take();
    expect(bucket.take()).toBe(false);
    const wait = bucket.msUntilNext();
    expect(wait).toBe(334); // ceil(1000 / 3)
    clock.advance(wait - 1);
    expect(bucket.take()).toBe(false);
    clock.advance(1);
    expect(bucket.take()).toBe(true);
  });

  it('msUntilNext counts a partial refill', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(clock, 10, 1);
    bucket.take();
    clock.advance(40);
    expect(bucket.msUntilNext()).toBe(60);
    clock.advance(60);
    expect(bucket.msUntilNext()).toBe(0);
    expect(bucket.take()).toBe(true);
  });

  describe('the byte budget', () => {
    it('lets messages through until their bytes spend the burst, then waits for the byte rate', () => {
      const clock = new FakeClock();
      const bucket = new TokenBucket(clock, 1000, 2000, 1000, 3000);
      expect(bucket.take(1000)).toBe(true);
      expect(bucket.take(1000)).toBe(true);
      expect(bucket.take(1000)).toBe(true);
      expect(bucket.exhausted).toBe(true);
      expect(bucket.take(1)).toBe(false);
      // 0 bytes left: one more byte of credit takes 1 ms at 1000 B/s.
      expect(bucket.msUntilNext()).toBe(1);
      clock.advance(1);
      expect(bucket.take(1)).toBe(true);
    });

    it('lets one message larger than the whole burst through, then waits until its debt is paid', () => {
      const clock = new FakeClock();
      const bucket = new TokenBucket(clock, 1000, 2000, 1000, 100);
      expect(bucket.take(10_100)).toBe(true);
      expect(bucket.take(0)).toBe(false);
      // 100 - 10_100 = -10_000 bytes: 10_001 ms until the balance is positive again.
      expect(bucket.msUntilNext()).toBe(10_001);
      clock.advance(10_000);
      expect(bucket.take(0)).toBe(false);
      clock.advance(1);
      expect(bucket.take(0)).toBe(true);
    });

    it('counts bytes charged without a message (a frame still arriving)', () => {
      const clock = new FakeClock();
      const bucket = new TokenBucket(clock, 1000, 2000, 1000, 500);
      bucket.charge(500);
      expect(bucket.exhausted).toBe(true);
      expect(bucket.take(0)).toBe(false);
      clock.advance(2);
      expect(bucket.exhausted).toBe(false);
    });

    it('keeps the long-run byte rate: 10 s at 1000 B/s lets the burst plus 10,000 bytes through', () => {
      const clock = new FakeClock();
      const bucket = new TokenBucket(clock, 1_000_000, 1_000_000, 1000, 500);
      let bytes = 0;
      for (let ms = 0; ms <= 10_000; ms += 1) {
        while (bucket.take(10)) bytes += 10;
        clock.advance(1);
      }
      expect(bytes).toBeGreaterThanOrEqual(500 + 10_000);
      expect(bytes).toBeLessThanOrEqual(500 + 10_000 + 20);
    });

    it('without a byte rate only messages count', () => {
      const bucket = new TokenBucket(new FakeClock(), 10, 3);
      expect(bucket.take(1e12)).toBe(true);
      expect(bucket.take(1e12)).toBe(true);
      expect(bucket.take(1e12)).toBe(true);
      expect(bucket.take(0)).toBe(false);
    });
  });
});

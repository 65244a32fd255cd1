import { describe, expect, it } from 'vitest';
import { ConnectionLimiter } from './connection-limiter.ts';
import { defaultLimits } from './limits.ts';

describe('ConnectionLimiter', () => {
  it('has the spec defaults: 200 000 per process, 1 000 per address', () => {
    expect(defaultLimits.maxConnections).toBe(200_000);
    expect(defaultLimits.maxConnectionsPerAddress).toBe(1_000);
    expect(defaultLimits.messagesPerSecond).toBe(1_000);
    expect(defaultLimits.messageBurst).toBe(2_000);
    expect(defaultLimits.maxQueuedBytes).toBe(4 * 1024 * 1024);
  });

  it('admits exactly the per-address limit from one address, and others beside it', () => {
    const limiter = new ConnectionLimiter(100, 3);
    expect([1, 2, 3].map(() => limiter.tryAcquire('10.0.0.1'))).toEqual([true, true, true]);
    expect(limiter.tryAcquire('10.0.0.1')).toBe(false);
    expect(limiter.tryAcquire('10.0.0.2')).toBe(true);
    expect(limiter.total).toBe(4);
  });

  it('admits exactly the total limit across addresses', () => {
    const limiter = new ConnectionLimiter(5, 100);
    for (let i = 0; i < 5; i++) expect(limiter.tryAcquire(`10.0.0.${i}`)).toBe(true);
    expect(limiter.tryAcquire('10.0.0.99')).toBe(false);
    expect(limiter.total).toBe(5);
  });

  it('frees a slot on release, per address and in total', () => {
    const limiter = new ConnectionLimiter(2, 1);
    expect(limiter.tryAcquire('a')).toBe(true);
    expect(limiter.tryAcquire('a')).toBe(false);
    limiter.release('a');
    expect(limiter.tryAcquire('a')).toBe(true);
    expect(limiter.tryAcquire('b')).toBe(true);
    expect(limiter.tryAcquire('c')).toBe(false);
    limiter.release('b');
    expect(limiter.tryAcquire('c')).toBe(true);
    expect(limiter.total).toBe(2);
  });

  it('does not count a refused connection', () => {
    const limiter = new ConnectionLimiter(10, 1);
    limiter.tryAcquire('a');
    for (let i = 0; i < 5; i++) limiter.tryAcquire('a');
    expect(limiter.total).toBe(1);
    limiter.release('a');
    expect(limiter.total).toBe(0);
    expect(limiter.tryAcquire('a')).toBe(true);
  });
});

import type { Clock } from '../ports/clock.ts';

export interface ThrottleOptions {
  /** Failures for one name within the window that lock it. */
  maxFailuresPerName: number;
  /** Failures from one address within the window that lock it. */
  maxFailuresPerAddress: number;
  windowMs: number;
  lockMs: number;
}

export const defaultThrottleOptions: ThrottleOptions = {
  maxFailuresPerName: 5,
  maxFailuresPerAddress: 20,
  windowMs: 10 * 60_000,
  lockMs: 5 * 60_000,
};

interface FailureRecord {
  failures: number[];
  lockedUntil: number;
}

/**
 * Counts failed logins per name and per address in a sliding window. A key that reaches its
 * limit is locked: attempts for it fail unchecked until the lock ends. Fewer failures than the
 * limit never get in the way of the right password.
 */
export class LoginThrottle {
  readonly #clock: Clock;
  readonly #options: ThrottleOptions;
  readonly #records = new Map<string, FailureRecord>();

  constructor(clock: Clock, options: ThrottleOptions = defaultThrottleOptions) {
    this.#clock = clock;
    this.#options = options;
  }

  isLocked(nameKey: string, address: string): boolean {
    const now = this.#clock.now();
    return this.#lockedAt(`n:${nameKey}`, now) || this.#lockedAt(`a:${address}`, now);
  }

  /** Counts a failure; returns how many locks it began (the name's, the address's: 0 to 2). */
  recordFailure(nameKey: string, address: string): number {
    const now = this.#clock.now();
    const name = this.#count(`n:${nameKey}`, this.#options.maxFailuresPerName, now);
    const byAddress = this.#count(`a:${address}`, this.#options.maxFailuresPerAddress, now);
    return Number(name) + Number(byAddress);
  }

  /** A successful login clears its name's count (not its address's). */
  recordSuccess(nameKey: string): void {
    this.#records.delete(`n:${nameKey}`);
  }

  /** Drops records that no longer matter, so the map stays as small as the recent attackers. */
  sweep(): void {
    const now = this.#clock.now();
    for (const [key, record] of this.#records) {
      if (record.lockedUntil <= now && this.#recent(record, now).length === 0) this.#records.delete(key);
    }
  }

  get size(): number {
    return this.#records.size;
  }

  #lockedAt(key: string, now: number): boolean {
    const record = this.#records.get(key);
    return record !== undefined && record.lockedUntil > now;
  }

  #recent(record: FailureRecord, now: number): number[] {
    const since = now - this.#options.windowMs;
    while (record.failures.length > 0 && record.failures[0]! <= since) record.failures.shift();
    return record.failures;
  }

  /** True when this failure locked the key. */
  #count(key: string, limit: number, now: number): boolean {
    let record = this.#records.get(key);
    if (!record) {
      record = { failures: [], lockedUntil: 0 };
      this.#records.set(key, record);
    }
    const failures = this.#recent(record, now);
    failures.push(now);
    if (failures.length < limit) return false;
    record.lockedUntil = now + this.#options.lockMs;
    failures.length = 0;
    return true;
  }
}

import type { Clock } from '../ports/clock.ts';

/**
 * Messages per second per connection: `rate` tokens a second, at most `burst` saved up.
 * An adapter takes one token per message; when none is left it stops reading the connection
 * for {@link TokenBucket.msUntilNext} ms, so nothing is lost and nothing is buffered.
 */
export class TokenBucket {
  readonly #clock: Clock;
  readonly #rate: number;
  readonly #burst: number;
  #tokens: number;
  #refilledAt: number;

  constructor(clock: Clock, ratePerSecond: number, burst: number) {
    this.#clock = clock;
    this.#rate = ratePerSecond;
    this.#burst = burst;
    this.#tokens = burst;
    this.#refilledAt = clock.now();
  }

  take(): boolean {
    // Refill on every take: refilling only when empty would let idle time pile up on top of the
    // tokens left, so a burst after a pause could exceed `burst`.
    this.#refill();
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  msUntilNext(): number {
    this.#refill();
    return this.#tokens >= 1 ? 0 : Math.ceil(((1 - this.#tokens) * 1000) / this.#rate);
  }

  #refill(): void {
    const now = this.#clock.now();
    const elapsed = now - this.#refilledAt;
    if (elapsed <= 0) return;
    this.#tokens = Math.min(this.#burst, this.#tokens + (elapsed * this.#rate) / 1000);
    this.#refilledAt = now;
  }
}

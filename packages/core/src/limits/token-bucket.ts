import type { Clock } from '../ports/clock.ts';

/**
 * The input rate of one connection: `rate` messages a second with at most `burst` saved up, and
 * optionally `bytesPerSecond` bytes a second with at most `byteBurst` saved up.
 * An adapter takes one message token (and the message's bytes) per message; when a budget is
 * spent it stops reading the connection for {@link TokenBucket.msUntilNext} ms, so nothing is
 * lost and nothing is buffered.
 *
 * The byte budget may go into debt: a message larger than what is left (or than the whole
 * burst) is still let through, and the connection then waits until the debt is paid. That way
 * one largest message always passes, and the long-run byte rate still holds.
 */
export class TokenBucket {
  readonly #clock: Clock;
  readonly #rate: number;
  readonly #burst: number;
  readonly #byteRate: number;
  readonly #byteBurst: number;
  #tokens: number;
  #bytes: number;
  #refilledAt: number;

  constructor(
    clock: Clock,
    ratePerSecond: number,
    burst: number,
    bytesPerSecond = Number.POSITIVE_INFINITY,
    byteBurst = Number.POSITIVE_INFINITY,
  ) {
    this.#clock = clock;
    this.#rate = ratePerSecond;
    this.#burst = burst;
    this.#byteRate = bytesPerSecond;
    this.#byteBurst = byteBurst;
    this.#tokens = burst;
    this.#bytes = byteBurst;
    this.#refilledAt = clock.now();
  }

  /** Takes one message and `bytes` bytes; false (nothing taken) while either budget is spent. */
  take(bytes = 0): boolean {
    // Refill on every take: refilling only when empty would let idle time pile up on top of the
    // tokens left, so a burst after a pause could exceed `burst`.
    this.#refill();
    if (this.#tokens < 1 || this.#bytes <= 0) return false;
    this.#tokens -= 1;
    this.#bytes -= bytes;
    return true;
  }

  /**
   * Charges bytes that were read without a message to show for them yet (a part of a frame
   * still arriving); they count against the byte budget like a message's bytes.
   */
  charge(bytes: number): void {
    this.#refill();
    this.#bytes -= bytes;
  }

  /** True while either budget is spent: the caller should not read more. */
  get exhausted(): boolean {
    this.#refill();
    return this.#tokens < 1 || this.#bytes <= 0;
  }

  msUntilNext(): number {
    this.#refill();
    const forMessage = this.#tokens >= 1 ? 0 : ((1 - this.#tokens) * 1000) / this.#rate;
    // Waiting until the balance is back above zero (by at least one byte).
    const forBytes = this.#bytes > 0 ? 0 : ((1 - this.#bytes) * 1000) / this.#byteRate;
    return Math.ceil(Math.max(forMessage, forBytes));
  }

  #refill(): void {
    const now = this.#clock.now();
    const elapsed = now - this.#refilledAt;
    if (elapsed <= 0) return;
    this.#tokens = Math.min(this.#burst, this.#tokens + (elapsed * this.#rate) / 1000);
    if (this.#byteRate !== Number.POSITIVE_INFINITY) {
      this.#bytes = Math.min(this.#byteBurst, this.#bytes + (elapsed * this.#byteRate) / 1000);
    }
    this.#refilledAt = now;
  }
}

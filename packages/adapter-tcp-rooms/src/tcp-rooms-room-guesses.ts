import { type Clock, LoginThrottle, type Name, type ThrottleOptions } from '@switchboard/core';

/** Wrong room passwords tolerated in the window, per user and per address, as for logins. */
export const roomGuessLimits: ThrottleOptions = {
  maxFailuresPerName: 5,
  maxFailuresPerAddress: 20,
  windowMs: 10 * 60_000,
  lockMs: 5 * 60_000,
};
/** Records of guessers who stopped are dropped this often (checked as guesses come). */
const SWEEP_EVERY_MS = 60_000;

/**
 * Wrong `/join` passwords, throttled like failed logins but per process and per guessing user
 * (never per room, or anyone could lock a room for its members). Room passwords are 72 random
 * bits, so guessing them is hopeless; what a guess costs is a scrypt check on the thread pool,
 * and unthrottled, 32 guessing connections made an honest login take 1.7 s instead of 50 ms.
 */
export class RoomGuesses {
  readonly #clock: Clock;
  readonly #throttle: LoginThrottle;
  #sweptAt: number;

  constructor(clock: Clock, limits: ThrottleOptions = roomGuessLimits) {
    this.#clock = clock;
    this.#throttle = new LoginThrottle(clock, limits);
    this.#sweptAt = clock.now();
  }

  isLocked(user: Name, address: string): boolean {
    return this.#throttle.isLocked(user.key, address);
  }

  failed(user: Name, address: string): void {
    this.#throttle.recordFailure(user.key, address);
    const now = this.#clock.now();
    if (now - this.#sweptAt >= SWEEP_EVERY_MS) {
      this.#sweptAt = now;
      this.#throttle.sweep();
    }
  }

  /** The right password clears the user's count (not the address's), as a login does. */
  succeeded(user: Name): void {
    this.#throttle.recordSuccess(user.key);
  }
}

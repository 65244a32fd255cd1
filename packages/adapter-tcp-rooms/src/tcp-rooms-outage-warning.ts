import type { Clock, Logger } from '@switchboard/core';

const INTERVAL_MS = 10_000;

/**
 * A store that fails under logged-in users (the room store with Redis or the disk gone): each
 * user is told, but the log gets one warning per interval, not one line per command.
 */
export class OutageWarning {
  readonly #clock: Clock;
  readonly #logger: Logger;
  #warnedAt = Number.NEGATIVE_INFINITY;

  constructor(clock: Clock, logger: Logger) {
    this.#clock = clock;
    this.#logger = logger;
  }

  warn(error: unknown): void {
    const now = this.#clock.now();
    if (now - this.#warnedAt < INTERVAL_MS) return;
    this.#warnedAt = now;
    this.#logger.warn({ err: error }, 'tcp-rooms room store unreachable; room commands refused');
  }
}

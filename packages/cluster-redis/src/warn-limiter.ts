import type { Logger } from '@switchboard/core';

/**
 * Logs a warning per topic at most once per interval, with the count of the ones it held back:
 * while Redis is down every publish fails, and the log must not drown in the same line.
 */
export class WarnLimiter {
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #topics = new Map<string, { lastAt: number; suppressed: number }>();

  constructor(logger: Logger, intervalMs = 5_000) {
    this.#logger = logger;
    this.#intervalMs = intervalMs;
  }

  warn(topic: string, error: unknown, msg: string): void {
    const now = Date.now();
    const state = this.#topics.get(topic);
    if (state && now - state.lastAt < this.#intervalMs) {
      state.suppressed += 1;
      return;
    }
    this.#logger.warn({ err: error, suppressed: state?.suppressed ?? 0 }, msg);
    this.#topics.set(topic, { lastAt: now, suppressed: 0 });
  }
}

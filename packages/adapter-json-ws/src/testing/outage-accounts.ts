import type { AccountStore, Logger } from '@switchboard/core';

/**
 * Real accounts (SQLite, say) behind a switch that makes every call fail, as a lost store or a
 * stopped Redis does. `failAfter(n, then)` lets `n` more calls through first, so an outage can begin
 * between two steps of one identification; `stalled` makes calls hang instead.
 */
export class OutageAccounts implements AccountStore {
  down = false;
  #callsLeft = Number.POSITIVE_INFINITY;
  #then: 'down' | 'stalled' = 'down';
  readonly #store: AccountStore;

  constructor(store: AccountStore) {
    this.#store = store;
  }

  failAfter(calls: number, then: 'down' | 'stalled' = 'down'): void {
    this.#callsLeft = calls;
    this.#then = then;
  }

  /** While set, calls never answer, as a store that hangs (a Redis that stopped answering) does. */
  stalled = false;

  async #reach(): Promise<void> {
    if (this.#callsLeft <= 0) this[this.#then] = true;
    this.#callsLeft -= 1;
    if (this.down) throw new Error('connection lost');
    if (this.stalled) await new Promise(() => {});
  }

  async getPasswordHash(nameKey: string) {
    await this.#reach();
    return this.#store.getPasswordHash(nameKey);
  }

  async create(nameKey: string, passwordHash: string) {
    await this.#reach();
    return this.#store.create(nameKey, passwordHash);
  }

  async setPasswordHash(nameKey: string, passwordHash: string) {
    await this.#reach();
    return this.#store.setPasswordHash(nameKey, passwordHash);
  }

  async delete(nameKey: string) {
    await this.#reach();
    return this.#store.delete(nameKey);
  }

  async list() {
    await this.#reach();
    return this.#store.list();
  }
}

/** A logger that keeps the level and message of every line, for tests that check what is logged where. */
export function recordingLogger(): { logger: Logger; lines: { level: string; message: string }[] } {
  const lines: { level: string; message: string }[] = [];
  const at =
    (level: string) =>
    (_object: unknown, message?: string): void => {
      lines.push({ level, message: message ?? '' });
    };
  const logger: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => logger,
  };
  return { logger, lines };
}

import type { AccountStore } from '../ports/stores.ts';
import { MemoryAccountStore } from '../stores/memory-stores.ts';

/**
 * - `up`: calls go through.
 * - `down`: every call fails at once, as a lost store (a stopped Redis, a closed database) does.
 * - `held`: calls wait until {@link SwitchableAccounts.release}, as a slow store does.
 * - `stalled`: calls never answer, as a store that stopped responding does.
 */
export type AccountStoreState = 'up' | 'down' | 'held' | 'stalled';

/**
 * A real account store (in-memory by default, or any other: SQLite, Redis) behind a switch, for
 * tests of what adapters do while the store is slow or unreachable. It counts password-hash
 * reads, which every name lookup and every login attempt makes.
 */
export class SwitchableAccounts implements AccountStore {
  state: AccountStoreState = 'up';
  /** Password-hash reads asked for (answered or waiting). */
  reads = 0;
  readonly #store: AccountStore;
  #waiting: Array<() => void> = [];
  #callsLeft = Number.POSITIVE_INFINITY;
  #then: AccountStoreState = 'down';

  constructor(store: AccountStore = new MemoryAccountStore()) {
    this.#store = store;
  }

  /** Calls wait from now on, until {@link release}. */
  hold(): void {
    this.state = 'held';
  }

  /** Lets the held calls go on, and the next ones through. */
  release(): void {
    this.state = 'up';
    for (const go of this.#waiting.splice(0)) go();
  }

  /** Lets `calls` more calls through, then switches to `then`: an outage between two steps of one identification. */
  failAfter(calls: number, then: AccountStoreState = 'down'): void {
    this.#callsLeft = calls;
    this.#then = then;
  }

  async getPasswordHash(nameKey: string) {
    this.reads += 1;
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

  async #reach(): Promise<void> {
    if (this.#callsLeft <= 0) {
      this.state = this.#then;
      this.#callsLeft = Number.POSITIVE_INFINITY;
    }
    this.#callsLeft -= 1;
    if (this.state === 'down') throw new Error('connection lost');
    if (this.state === 'stalled') await new Promise(() => {});
    if (this.state === 'held') await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }
}

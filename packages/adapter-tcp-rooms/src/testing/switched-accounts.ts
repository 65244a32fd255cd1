import type { AccountStore } from '@switchboard/core';

type State = 'up' | 'down' | 'held';

/**
 * A real account store behind a switch: `down` makes every call fail as a lost store does,
 * `held` keeps every read waiting until {@link SwitchedAccounts.release}, as a slow store does.
 * It counts password-hash reads, which every name lookup and every login attempt makes.
 */
export class SwitchedAccounts implements AccountStore {
  state: State = 'up';
  /** Password-hash reads asked for (looked up or waiting). */
  reads = 0;
  readonly #store: AccountStore;
  #waiting: Array<() => void> = [];

  constructor(store: AccountStore) {
    this.#store = store;
  }

  /** Lets the held reads go on, and the next ones through. */
  release(): void {
    this.state = 'up';
    for (const go of this.#waiting.splice(0)) go();
  }

  async #reach(): Promise<void> {
    if (this.state === 'down') throw new Error('connection lost');
    if (this.state === 'held') await new Promise<void>((resolve) => this.#waiting.push(resolve));
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
}

import { type AccountStore, MemoryAccountStore } from '@switchboard/core';

/**
 * Real in-memory accounts behind two switches: `hold()` makes password look-ups wait until
 * `release()` (a store that answers slowly, as a remote one under load does), and `down` makes
 * every call fail, as a lost store does.
 */
export class GatedAccounts implements AccountStore {
  down = false;
  readonly #store = new MemoryAccountStore();
  #gate: Promise<void> | null = null;
  #open: (() => void) | null = null;

  hold(): void {
    this.#gate ??= new Promise((resolve) => {
      this.#open = resolve;
    });
  }

  release(): void {
    this.#open?.();
    this.#gate = null;
    this.#open = null;
  }

  async getPasswordHash(nameKey: string) {
    if (this.#gate) await this.#gate;
    this.#reach();
    return this.#store.getPasswordHash(nameKey);
  }
  async create(nameKey: string, passwordHash: string) {
    this.#reach();
    return this.#store.create(nameKey, passwordHash);
  }
  async setPasswordHash(nameKey: string, passwordHash: string) {
    this.#reach();
    return this.#store.setPasswordHash(nameKey, passwordHash);
  }
  async delete(nameKey: string) {
    this.#reach();
    return this.#store.delete(nameKey);
  }
  async list() {
    this.#reach();
    return this.#store.list();
  }

  #reach(): void {
    if (this.down) throw new Error('connection lost');
  }
}

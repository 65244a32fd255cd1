import { type AccountStore, MemoryAccountStore } from '@switchboard/core';

/**
 * Real in-memory accounts whose password look-ups can be held (`hold()` until `release()`), as a
 * remote store under load answers slowly: a claim or login then stays pending for as long as a
 * test needs.
 */
export class HeldAccounts implements AccountStore {
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
    return this.#store.getPasswordHash(nameKey);
  }
  create(nameKey: string, passwordHash: string) {
    return this.#store.create(nameKey, passwordHash);
  }
  setPasswordHash(nameKey: string, passwordHash: string) {
    return this.#store.setPasswordHash(nameKey, passwordHash);
  }
  delete(nameKey: string) {
    return this.#store.delete(nameKey);
  }
  list() {
    return this.#store.list();
  }
}

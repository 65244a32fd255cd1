import type { AccountStore, RoomRecord, RoomStore } from '../ports/stores.ts';

/** Accounts in memory: for tests and for a gateway started without a data directory. */
export class MemoryAccountStore implements AccountStore {
  readonly #hashes = new Map<string, string>();

  async getPasswordHash(nameKey: string) {
    return this.#hashes.get(nameKey);
  }
  async create(nameKey: string, passwordHash: string) {
    if (this.#hashes.has(nameKey)) return false;
    this.#hashes.set(nameKey, passwordHash);
    return true;
  }
  async setPasswordHash(nameKey: string, passwordHash: string) {
    if (!this.#hashes.has(nameKey)) return false;
    this.#hashes.set(nameKey, passwordHash);
    return true;
  }
  async delete(nameKey: string) {
    return this.#hashes.delete(nameKey);
  }
  async list() {
    return [...this.#hashes.keys()].sort();
  }
}

export class MemoryRoomStore implements RoomStore {
  readonly #rooms = new Map<string, RoomRecord>();

  async get(room: string) {
    return this.#rooms.get(room);
  }
  async create(record: RoomRecord) {
    if (this.#rooms.has(record.name)) return false;
    this.#rooms.set(record.name, { ...record });
    return true;
  }
  async list() {
    return [...this.#rooms.values()];
  }
}

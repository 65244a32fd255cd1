import type { RoomRecord, RoomStore } from '@switchboard/core';

/** A real room store behind a switch: `down` makes every call fail, as a lost store does. */
export class SwitchedRooms implements RoomStore {
  down = false;
  readonly #store: RoomStore;

  constructor(store: RoomStore) {
    this.#store = store;
  }

  #reach(): void {
    if (this.down) throw new Error('connection lost');
  }

  async get(room: string) {
    this.#reach();
    return this.#store.get(room);
  }
  async create(record: RoomRecord) {
    this.#reach();
    return this.#store.create(record);
  }
  async list() {
    this.#reach();
    return this.#store.list();
  }
}

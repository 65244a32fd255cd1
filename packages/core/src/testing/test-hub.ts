import { Hub, type HubOptions } from '../hub/hub.ts';
import { MemoryAccountStore, MemoryRoomStore } from '../stores/memory-stores.ts';

/** Cheap scrypt parameters so tests that sign up hundreds of users stay fast. */
export const fastScrypt = { cost: 1024, blockSize: 8, parallelization: 1 };

export type TestHubOptions = Partial<HubOptions>;

/** A hub with in-memory stores and fast hashing, for tests. */
export function createTestHub(options: TestHubOptions = {}): Hub {
  return new Hub({
    accounts: new MemoryAccountStore(),
    rooms: new MemoryRoomStore(),
    scrypt: fastScrypt,
    ...options,
  });
}

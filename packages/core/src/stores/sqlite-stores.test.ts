import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccountStore, RoomStore } from '../ports/stores.ts';
import {
  runAccountStoreContract,
  runRoomStoreContract,
  type StoreFixture,
} from '../testing/store-contract.ts';
import { SqliteStore } from './sqlite-stores.ts';

/** A store on a fresh temp file; `reopen` closes it and opens the same file again. */
function sqliteFixture<Store>(pick: (sqlite: SqliteStore) => Store): StoreFixture<Store> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-sqlite-'));
  const path = join(dir, 'nested', 'switchboard.db');
  let sqlite = new SqliteStore(path);
  return {
    store: pick(sqlite),
    async reopen() {
      await sqlite.close();
      sqlite = new SqliteStore(path);
      return pick(sqlite);
    },
    async close() {
      await sqlite.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

runAccountStoreContract('sqlite', () => sqliteFixture<AccountStore>((sqlite) => sqlite.accounts));
runRoomStoreContract('sqlite', () => sqliteFixture<RoomStore>((sqlite) => sqlite.rooms));

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { AccountStore, Closable, RoomRecord, RoomStore } from '../ports/stores.ts';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS accounts (
    name BLOB PRIMARY KEY,
    password_hash TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS rooms (
    name TEXT PRIMARY KEY,
    owner BLOB NOT NULL,
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) WITHOUT ROWID;
`;

const keyToBlob = (key: string) => Buffer.from(key, 'latin1');
const blobToKey = (blob: Uint8Array) => Buffer.from(blob).toString('latin1');

/**
 * Accounts and rooms in one SQLite file (`node:sqlite`). WAL with `synchronous=FULL` makes every
 * committed write durable before the call returns, so an acknowledged sign-up survives `kill -9`.
 * Names are stored as BLOBs: a SOH name may be any bytes.
 */
export class SqliteStore implements Closable {
  readonly accounts: AccountStore;
  readonly rooms: RoomStore;
  readonly #db: DatabaseSync;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.#db = new DatabaseSync(path);
    this.#db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;');
    this.#db.exec(SCHEMA);
    this.accounts = new SqliteAccounts(this.#db);
    this.rooms = new SqliteRooms(this.#db);
  }

  async close(): Promise<void> {
    if (this.#db.isOpen) this.#db.close();
  }
}

class SqliteAccounts implements AccountStore {
  readonly #get: StatementSync;
  readonly #insert: StatementSync;
  readonly #update: StatementSync;
  readonly #delete: StatementSync;
  readonly #list: StatementSync;

  constructor(db: DatabaseSync) {
    this.#get = db.prepare('SELECT password_hash FROM accounts WHERE name = ?');
    this.#insert = db.prepare(
      'INSERT INTO accounts (name, password_hash, updated_at) VALUES (?, ?, ?) ON CONFLICT(name) DO NOTHING',
    );
    this.#update = db.prepare('UPDATE accounts SET password_hash = ?, updated_at = ? WHERE name = ?');
    this.#delete = db.prepare('DELETE FROM accounts WHERE name = ?');
    this.#list = db.prepare('SELECT name FROM accounts ORDER BY name');
  }

  async getPasswordHash(nameKey: string) {
    const row = this.#get.get(keyToBlob(nameKey)) as { password_hash: string } | undefined;
    return row?.password_hash;
  }
  async create(nameKey: string, passwordHash: string) {
    return this.#insert.run(keyToBlob(nameKey), passwordHash, Date.now()).changes === 1;
  }
  async setPasswordHash(nameKey: string, passwordHash: string) {
    return this.#update.run(passwordHash, Date.now(), keyToBlob(nameKey)).changes === 1;
  }
  async delete(nameKey: string) {
    return this.#delete.run(keyToBlob(nameKey)).changes === 1;
  }
  async list() {
    return (this.#list.all() as Array<{ name: Uint8Array }>).map((row) => blobToKey(row.name));
  }
}

class SqliteRooms implements RoomStore {
  readonly #get: StatementSync;
  readonly #insert: StatementSync;
  readonly #list: StatementSync;

  constructor(db: DatabaseSync) {
    this.#get = db.prepare('SELECT name, owner, password_hash, created_at FROM rooms WHERE name = ?');
    this.#insert = db.prepare(
      'INSERT INTO rooms (name, owner, password_hash, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(name) DO NOTHING',
    );
    this.#list = db.prepare('SELECT name, owner, password_hash, created_at FROM rooms ORDER BY name');
  }

  async get(room: string) {
    const row = this.#get.get(room) as RoomRow | undefined;
    return row && toRecord(row);
  }
  async create(record: RoomRecord) {
    const { name, ownerKey, passwordHash, createdAt } = record;
    return this.#insert.run(name, keyToBlob(ownerKey), passwordHash, createdAt).changes === 1;
  }
  async list() {
    return (this.#list.all() as unknown as RoomRow[]).map(toRecord);
  }
}

interface RoomRow {
  name: string;
  owner: Uint8Array;
  password_hash: string;
  created_at: number;
}

function toRecord(row: RoomRow): RoomRecord {
  return {
    name: row.name,
    ownerKey: blobToKey(row.owner),
    passwordHash: row.password_hash,
    createdAt: row.created_at,
  };
}

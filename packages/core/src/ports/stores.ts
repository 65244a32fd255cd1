/**
 * Durable state: accounts and rooms. Every write resolves only once it is durable, so an
 * acknowledged sign-up survives `kill -9`. Names are keys (see `Name.key`).
 */
export interface AccountStore {
  getPasswordHash(nameKey: string): Promise<string | undefined>;
  /** Resolves false when the name already has an account. */
  create(nameKey: string, passwordHash: string): Promise<boolean>;
  /** Resolves false when the name has no account. */
  setPasswordHash(nameKey: string, passwordHash: string): Promise<boolean>;
  delete(nameKey: string): Promise<boolean>;
  list(): Promise<string[]>;
}

export interface RoomRecord {
  name: string;
  ownerKey: string;
  passwordHash: string;
  createdAt: number;
}

export interface RoomStore {
  get(room: string): Promise<RoomRecord | undefined>;
  /** Resolves false when a room of that name exists. */
  create(record: RoomRecord): Promise<boolean>;
  list(): Promise<RoomRecord[]>;
}

/** A backend that owns resources (a database handle, a connection) to flush and release. */
export interface Closable {
  close(): Promise<void>;
}

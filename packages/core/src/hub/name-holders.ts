import { Session } from './session.ts';

/**
 * The identified local sessions of each name key. Nearly every name has one connection, so it is
 * kept as is; a Set is made only when a second connection acts under the same registered name
 * (a Set per name cost ~300 B per idle connection).
 */
export class NameHolders {
  readonly #byKey = new Map<string, Session | Set<Session>>();

  /** The sessions of `key` as stored: one, several, or none. */
  get(key: string): Session | Set<Session> | undefined {
    return this.#byKey.get(key);
  }

  has(key: string): boolean {
    return this.#byKey.has(key);
  }

  keys(): IterableIterator<string> {
    return this.#byKey.keys();
  }

  /** A copy of the sessions of `key`, for loops that unbind them as they go. */
  list(key: string): Session[] {
    const holders = this.#byKey.get(key);
    if (holders === undefined) return [];
    return holders instanceof Session ? [holders] : [...holders];
  }

  /** Adds `session` under `key`; true when the key had no session before. */
  add(key: string, session: Session): boolean {
    const holders = this.#byKey.get(key);
    if (holders === undefined) {
      this.#byKey.set(key, session);
      return true;
    }
    if (holders instanceof Session) {
      if (holders !== session) this.#byKey.set(key, new Set([holders, session]));
    } else holders.add(session);
    return false;
  }

  /** Removes `session` from `key`; true when the key has no session left. */
  delete(key: string, session: Session): boolean {
    const holders = this.#byKey.get(key);
    if (holders === undefined) return false;
    if (holders instanceof Session) {
      if (holders !== session) return false;
      this.#byKey.delete(key);
      return true;
    }
    holders.delete(session);
    if (holders.size === 1) this.#byKey.set(key, holders.values().next().value as Session);
    return false;
  }
}

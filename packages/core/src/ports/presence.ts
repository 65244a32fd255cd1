/**
 * The service-wide set of active names, and the fencing counter for guest claims.
 * The hub reports each name it holds once (first local connection) and releases it once (last).
 */
export interface Presence {
  add(nameKey: string): void;
  remove(nameKey: string): void;
  /** Every active name key in the service, in any order. */
  list(): Promise<string[]>;
  /** Which of `nameKeys` are active anywhere in the service. */
  filterActive(nameKeys: readonly string[]): Promise<Set<string>>;
  /** A token for a new guest claim of the name, greater than every token handed out before. */
  nextClaim(nameKey: string): Promise<number>;
  close(): Promise<void>;
}

/** The live sessions of the sessions protocol (client id → session id), service-wide. */
export interface SessionDirectory {
  set(clientId: string, sessionId: string): void;
  /** Removes the entry only if it still maps to `sessionId` (a newer session may own it). */
  delete(clientId: string, sessionId: string): void;
  list(): Promise<Array<[clientId: string, sessionId: string]>>;
  close(): Promise<void>;
}

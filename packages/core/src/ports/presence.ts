/**
 * The service-wide set of active names, and the fencing counter for guest claims.
 * The hub reports each name it holds once (first local connection) and releases it once (last).
 * A cluster backend may answer `list` and `filterActive` from a local mirror of the other
 * nodes' presence (bounded staleness, no round trip); `nextClaim` always asks the authority.
 */
export interface Presence {
  /**
   * `claimToken` is the guest claim's fencing token, 0 (or absent) for a registered name: a
   * backend routing by owner sends a guest name's messages to its newest claim only.
   */
  add(nameKey: string, claimToken?: number): void;
  remove(nameKey: string): void;
  /**
   * The private rooms with members on this node (first member in, last member out), so a
   * backend routing by owner sends a room's messages only to the nodes with members in it.
   */
  roomJoined?(room: string): void;
  roomLeft?(room: string): void;
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

/**
 * Where everything lives in Redis, under one prefix. The per-node layout is repeated in the Lua
 * scripts (see `presence-scripts.ts`), which build a node's keys from the prefix and its id.
 *
 *   {p}nodes                  set of node ids that registered
 *   {p}node:{id}:alive        heartbeat, expires after nodeTtlMs
 *   {p}node:{id}:names        set of name keys (bytes) held on that node
 *   {p}node:{id}:sessions     hash client_id -> session_id of that node
 *   {p}claim:{name bytes}     the name's guest-claim fencing counter
 *   {p}accounts               hash name bytes -> password hash
 *   {p}rooms                  hash room name (UTF-8) -> room record
 *   {p}bus                    the pub/sub channel
 */
export class RedisKeys {
  readonly prefix: string;
  readonly nodes: string;
  readonly accounts: string;
  readonly rooms: string;
  readonly channel: string;
  readonly #claimPrefix: Buffer;

  constructor(prefix: string) {
    this.prefix = prefix;
    this.nodes = `${prefix}nodes`;
    this.accounts = `${prefix}accounts`;
    this.rooms = `${prefix}rooms`;
    this.channel = `${prefix}bus`;
    this.#claimPrefix = Buffer.from(`${prefix}claim:`);
  }

  alive(nodeId: string): string {
    return `${this.prefix}node:${nodeId}:alive`;
  }

  names(nodeId: string): string {
    return `${this.prefix}node:${nodeId}:names`;
  }

  sessions(nodeId: string): string {
    return `${this.prefix}node:${nodeId}:sessions`;
  }

  /** Binary-safe: a name key is one char per byte. */
  claim(nameKey: string): Buffer {
    return Buffer.concat([this.#claimPrefix, Buffer.from(nameKey, 'latin1')]);
  }
}

/** Name keys (one char per byte) as the bytes Redis stores, and back. */
export const nameBytes = (nameKey: string): Buffer => Buffer.from(nameKey, 'latin1');
export const nameKeyOf = (bytes: Buffer): string => bytes.toString('latin1');

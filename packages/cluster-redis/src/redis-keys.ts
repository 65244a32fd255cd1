/**
 * Where everything lives in Redis, under one prefix `{p}`. The presence keys share the hash tag
 * `{p}presence` (written `{P}` below), so on a Redis Cluster they sit in one slot and the scripts
 * that read several nodes' keys at once stay legal; the per-node layout is repeated in the Lua
 * scripts (see `presence-scripts.ts`), which build a node's keys from `{P}` and its id.
 *
 *   {P}:nodes                 set of node ids that registered
 *   {P}:node:{id}:alive       heartbeat, expires after nodeTtlMs
 *   {P}:node:{id}:names       hash name key (bytes) -> claim token (0: registered) held on that node
 *   {P}:node:{id}:sessions    hash client_id -> session_id of that node
 *   {P}:node:{id}:rooms       set of private rooms with members on that node
 *   {P}:node:{id}:seq         the number of that node's last presence event
 *   {p}claim:{name bytes}     the name's guest-claim fencing counter
 *   {p}accounts               hash name bytes -> password hash
 *   {p}rooms                  hash room name (UTF-8) -> room record
 *   {p}bus                    the cluster channel: broadcasts, claims, invalidations, presence events
 *                             ({P}:bus, a sharded channel in the presence slot, on a Redis Cluster:
 *                             the scripts that change presence publish on it, and one shard carries
 *                             it, so one node's events keep their order there too)
 *   {p}inbox:{id}             one node's channel: direct messages to names it holds (sharded on a
 *                             Redis Cluster, so the bus spreads over the shards)
 */
export class RedisKeys {
  readonly prefix: string;
  /** `{P}:`, the start of every presence key. */
  readonly presence: string;
  readonly nodes: string;
  readonly accounts: string;
  readonly rooms: string;
  readonly channel: string;
  /** PUBLISH, or SPUBLISH when every channel is sharded (a Redis Cluster). */
  readonly publishCommand: 'PUBLISH' | 'SPUBLISH';
  readonly #claimPrefix: Buffer;

  constructor(prefix: string, sharded = false) {
    this.prefix = prefix;
    this.presence = `{${prefix}presence}:`;
    this.nodes = `${this.presence}nodes`;
    this.accounts = `${prefix}accounts`;
    this.rooms = `${prefix}rooms`;
    this.channel = sharded ? `${this.presence}bus` : `${prefix}bus`;
    this.publishCommand = sharded ? 'SPUBLISH' : 'PUBLISH';
    this.#claimPrefix = Buffer.from(`${prefix}claim:`);
  }

  alive(nodeId: string): string {
    return `${this.presence}node:${nodeId}:alive`;
  }

  names(nodeId: string): string {
    return `${this.presence}node:${nodeId}:names`;
  }

  sessions(nodeId: string): string {
    return `${this.presence}node:${nodeId}:sessions`;
  }

  nodeRooms(nodeId: string): string {
    return `${this.presence}node:${nodeId}:rooms`;
  }

  seq(nodeId: string): string {
    return `${this.presence}node:${nodeId}:seq`;
  }

  inbox(nodeId: string): string {
    return `${this.prefix}inbox:${nodeId}`;
  }

  /** Binary-safe: a name key is one char per byte. */
  claim(nameKey: string): Buffer {
    return Buffer.concat([this.#claimPrefix, Buffer.from(nameKey, 'latin1')]);
  }
}

/** Name keys (one char per byte) as the bytes Redis stores, and back. */
export const nameBytes = (nameKey: string): Buffer => Buffer.from(nameKey, 'latin1');
export const nameKeyOf = (bytes: Buffer): string => bytes.toString('latin1');

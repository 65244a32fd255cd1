import type { Presence } from '@switchboard/core';
import type { MirrorSync } from './mirror-sync.ts';
import type { NodeRegistration } from './node-registration.ts';
import { nextClaim } from './presence-scripts.ts';
import type { RedisClient } from './redis-client.ts';
import type { RedisKeys } from './redis-keys.ts';

/** How long a name's claim counter outlives its last claim (the counter never goes back anyway). */
const CLAIM_KEY_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * Presence across nodes. This node's names are its registration's (written to Redis and
 * announced); everyone else's come from the presence mirror, so listing and the recipient check
 * of a direct message cost no Redis round trip. Redis stays the authority for claims: every
 * fencing token still comes from it.
 */
export class RedisPresence implements Presence {
  readonly #redis: RedisClient;
  readonly #keys: RedisKeys;
  readonly #node: NodeRegistration;
  readonly #sync: MirrorSync;

  constructor(redis: RedisClient, keys: RedisKeys, node: NodeRegistration, sync: MirrorSync) {
    this.#redis = redis;
    this.#keys = keys;
    this.#node = node;
    this.#sync = sync;
  }

  add(nameKey: string, claimToken = 0): void {
    this.#node.addName(nameKey, claimToken);
  }

  remove(nameKey: string): void {
    this.#node.removeName(nameKey);
  }

  roomJoined(room: string): void {
    this.#node.roomJoined(room);
  }

  roomLeft(room: string): void {
    this.#node.roomLeft(room);
  }

  async list(): Promise<string[]> {
    const all = new Set(this.#sync.mirror.nameKeys());
    for (const key of this.#node.names.keys()) all.add(key);
    return [...all];
  }

  async filterActive(nameKeys: readonly string[]): Promise<Set<string>> {
    const mirror = this.#sync.mirror;
    const local = this.#node.names;
    return new Set(nameKeys.filter((key) => local.has(key) || mirror.holds(key)));
  }

  async nextClaim(nameKey: string): Promise<number> {
    const token = await nextClaim.run(this.#redis, [this.#keys.claim(nameKey)], [CLAIM_KEY_TTL_MS]);
    if (typeof token !== 'number') throw new TypeError('unexpected claim token from Redis');
    return token;
  }

  /** The node's registration is stopped by the cluster's `close()`; nothing of its own to release. */
  async close(): Promise<void> {}
}

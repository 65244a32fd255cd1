import type { Presence } from '@switchboard/core';
import type { Redis } from 'ioredis';
import { BatchedLookup } from './batched-lookup.ts';
import { bufferList } from './lua-script.ts';
import type { NodeRegistration } from './node-registration.ts';
import { filterNames, listNames, nextClaim } from './presence-scripts.ts';
import { nameBytes, nameKeyOf, type RedisKeys } from './redis-keys.ts';

/** How long a name's claim counter outlives its last claim (the counter never goes back anyway). */
const CLAIM_KEY_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * Presence across nodes: each node keeps its names in its own set, and only nodes with a live
 * heartbeat count, so a node that died takes its names with it. Reads ask Redis; when Redis
 * is unreachable they reject, and the hub falls back to its local names.
 */
export class RedisPresence implements Presence {
  readonly #redis: Redis;
  readonly #keys: RedisKeys;
  readonly #node: NodeRegistration;
  readonly #namesKey: string;
  readonly #activeLookup = new BatchedLookup<string>((nameKeys) => this.#findActive(nameKeys));

  constructor(redis: Redis, keys: RedisKeys, node: NodeRegistration, nodeId: string) {
    this.#redis = redis;
    this.#keys = keys;
    this.#node = node;
    this.#namesKey = keys.names(nodeId);
  }

  add(nameKey: string): void {
    this.#node.names.add(nameKey);
    this.#node.write(() => this.#redis.sadd(this.#namesKey, nameBytes(nameKey)));
  }

  remove(nameKey: string): void {
    this.#node.names.delete(nameKey);
    this.#node.write(() => this.#redis.srem(this.#namesKey, nameBytes(nameKey)));
  }

  async list(): Promise<string[]> {
    const reply = await listNames.run(this.#redis, [this.#keys.nodes], [this.#keys.prefix]);
    return bufferList(reply).map(nameKeyOf);
  }

  async filterActive(nameKeys: readonly string[]): Promise<Set<string>> {
    if (nameKeys.length === 0) return new Set();
    return this.#activeLookup.find(nameKeys);
  }

  async #findActive(nameKeys: readonly string[]): Promise<Set<string>> {
    const reply = await filterNames.run(
      this.#redis,
      [this.#keys.nodes],
      [this.#keys.prefix, ...nameKeys.map(nameBytes)],
    );
    return new Set(bufferList(reply).map(nameKeyOf));
  }

  async nextClaim(nameKey: string): Promise<number> {
    const token = await nextClaim.run(this.#redis, [this.#keys.claim(nameKey)], [CLAIM_KEY_TTL_MS]);
    if (typeof token !== 'number') throw new TypeError('unexpected claim token from Redis');
    return token;
  }

  /** The node's registration is stopped by the cluster's `close()`; nothing of its own to release. */
  async close(): Promise<void> {}
}

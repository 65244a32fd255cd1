import type { SessionDirectory } from '@switchboard/core';
import type { Redis } from 'ioredis';
import { bufferList } from './lua-script.ts';
import type { NodeRegistration } from './node-registration.ts';
import { deleteSessionIfMatches, listSessions } from './presence-scripts.ts';
import type { RedisKeys } from './redis-keys.ts';

/**
 * The sessions protocol's client_id -> session_id directory: a hash per node, listed across the
 * nodes whose heartbeat is alive, so a dead node's sessions vanish with it.
 */
export class RedisSessionDirectory implements SessionDirectory {
  readonly #redis: Redis;
  readonly #keys: RedisKeys;
  readonly #node: NodeRegistration;
  readonly #hashKey: string;

  constructor(redis: Redis, keys: RedisKeys, node: NodeRegistration, nodeId: string) {
    this.#redis = redis;
    this.#keys = keys;
    this.#node = node;
    this.#hashKey = keys.sessions(nodeId);
  }

  set(clientId: string, sessionId: string): void {
    this.#node.sessions.set(clientId, sessionId);
    this.#node.write(() => this.#redis.hset(this.#hashKey, clientId, sessionId));
  }

  delete(clientId: string, sessionId: string): void {
    if (this.#node.sessions.get(clientId) !== sessionId) return;
    this.#node.sessions.delete(clientId);
    this.#node.write(() => deleteSessionIfMatches.run(this.#redis, [this.#hashKey], [clientId, sessionId]));
  }

  async list(): Promise<Array<[clientId: string, sessionId: string]>> {
    const flat = bufferList(await listSessions.run(this.#redis, [this.#keys.nodes], [this.#keys.prefix]));
    const entries = new Map<string, string>();
    for (let i = 0; i + 1 < flat.length; i += 2)
      entries.set(flat[i]!.toString('utf8'), flat[i + 1]!.toString('utf8'));
    return [...entries];
  }

  /** The node's registration is stopped by the cluster's `close()`; nothing of its own to release. */
  async close(): Promise<void> {}
}

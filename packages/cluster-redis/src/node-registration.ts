import type { Redis } from 'ioredis';
import type { RedisClusterStats } from './cluster-stats.ts';
import { heartbeat } from './presence-scripts.ts';
import { nameBytes, type RedisKeys } from './redis-keys.ts';
import type { WarnLimiter } from './warn-limiter.ts';

/** Items per SADD/HSET when rewriting a node's state, to keep each command a sane size. */
const CHUNK = 10_000;

export interface RegistrationOptions {
  nodeId: string;
  heartbeatMs: number;
  nodeTtlMs: number;
}

/**
 * This node's entry in Redis: its heartbeat, its names and its sessions directory. The local
 * copies here are the truth; Redis holds a replica that may be lost (an outage, a Redis restart,
 * other nodes forgetting us after a long pause). Single writes go out as they happen; when one
 * fails, or Redis comes back, or the heartbeat finds the node forgotten, everything is written
 * again in one MULTI.
 */
export class NodeRegistration {
  /** Name keys held on this node (the hub adds a name on its first local connection). */
  readonly names = new Set<string>();
  /** client_id -> session_id of this node's sessions. */
  readonly sessions = new Map<string, string>();
  readonly #redis: Redis;
  readonly #keys: RedisKeys;
  readonly #options: RegistrationOptions;
  readonly #stats: RedisClusterStats;
  readonly #warn: WarnLimiter;
  #timer: NodeJS.Timeout | null = null;
  #dirty = false;
  #registering: Promise<void> | null = null;
  #beating = false;
  #closed = false;

  constructor(
    redis: Redis,
    keys: RedisKeys,
    options: RegistrationOptions,
    stats: RedisClusterStats,
    warn: WarnLimiter,
  ) {
    this.#redis = redis;
    this.#keys = keys;
    this.#options = options;
    this.#stats = stats;
    this.#warn = warn;
  }

  async start(): Promise<void> {
    await this.register();
    this.#redis.on('ready', this.#onReady);
    this.#timer = setInterval(() => void this.#beat(), this.#options.heartbeatMs);
    this.#timer.unref();
  }

  /** Sends one write of this node's state; a failure marks the replica for a full rewrite. */
  write(send: () => Promise<unknown>): void {
    if (this.#closed) return;
    if (this.#redis.status !== 'ready') {
      this.#failed(new Error(`Redis connection is ${this.#redis.status}`));
      return;
    }
    send().catch((error: unknown) => this.#failed(error));
  }

  /** Writes the whole state of this node again, atomically. Concurrent calls share one run. */
  register(): Promise<void> {
    this.#registering ??= this.#register().finally(() => {
      this.#registering = null;
    });
    return this.#registering;
  }

  /**
   * Stops the heartbeat. With `leave`, removes this node from Redis at once (a graceful
   * shutdown); without it, the node lingers until its heartbeat expires, as after `kill -9`.
   */
  async stop(leave: boolean): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#redis.off('ready', this.#onReady);
    if (!leave || this.#redis.status !== 'ready') return;
    const { nodeId } = this.#options;
    await this.#redis
      .multi()
      .del(this.#keys.alive(nodeId), this.#keys.names(nodeId), this.#keys.sessions(nodeId))
      .srem(this.#keys.nodes, nodeId)
      .exec()
      .catch((error: unknown) => this.#warn.warn('leave', error, 'cluster: could not deregister this node'));
  }

  async #register(): Promise<void> {
    const { nodeId, nodeTtlMs } = this.#options;
    const namesKey = this.#keys.names(nodeId);
    const sessionsKey = this.#keys.sessions(nodeId);
    this.#dirty = false;
    // Built and written synchronously, so later single writes follow it on the connection.
    const multi = this.#redis.multi().del(namesKey, sessionsKey);
    const names = [...this.names].map(nameBytes);
    for (let i = 0; i < names.length; i += CHUNK) multi.sadd(namesKey, ...names.slice(i, i + CHUNK));
    const entries = [...this.sessions].flat();
    for (let i = 0; i < entries.length; i += 2 * CHUNK)
      multi.hset(sessionsKey, ...entries.slice(i, i + 2 * CHUNK));
    multi.set(this.#keys.alive(nodeId), '1', 'PX', nodeTtlMs).sadd(this.#keys.nodes, nodeId);
    try {
      const results = await multi.exec();
      const failed = results?.find(([error]) => error)?.[0];
      if (!results || failed) throw failed ?? new Error('registration transaction aborted');
      this.#stats.registrations += 1;
    } catch (error) {
      this.#dirty = true;
      throw error;
    }
  }

  async #beat(): Promise<void> {
    if (this.#beating || this.#closed || this.#redis.status !== 'ready') return;
    this.#beating = true;
    try {
      if (!this.#dirty) {
        const { nodeId, nodeTtlMs } = this.#options;
        const keys = [this.#keys.nodes, this.#keys.alive(nodeId)];
        if ((await heartbeat.run(this.#redis, keys, [nodeId, nodeTtlMs])) === 1) return;
      }
      await this.register();
    } catch (error) {
      this.#failed(error);
    } finally {
      this.#beating = false;
    }
  }

  #failed(error: unknown): void {
    this.#dirty = true;
    this.#stats.writeFailures += 1;
    this.#warn.warn(
      'register',
      error,
      'cluster: a presence write failed; rewriting this node when Redis answers',
    );
  }

  /**
   * Redis answered again (after an outage, or a restart that lost everything). ioredis resends
   * the commands that were in flight right after this event, so the rewrite waits a tick to
   * come after them and have the last word.
   */
  readonly #onReady = (): void => {
    setImmediate(() => {
      if (this.#closed) return;
      this.register().catch((error: unknown) => this.#failed(error));
    });
  };
}

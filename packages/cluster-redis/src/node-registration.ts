import { encodeBusFrame, type MirrorEvent } from './bus-codec.ts';
import type { RedisClusterStats } from './cluster-stats.ts';
import { heartbeat, presenceChange, reapNodes } from './presence-scripts.ts';
import type { RedisClient } from './redis-client.ts';
import { nameBytes, type RedisKeys } from './redis-keys.ts';
import type { WarnLimiter } from './warn-limiter.ts';

/** Items per HSET when rewriting a node's state, to keep each command a sane size. */
const CHUNK = 10_000;

export interface RegistrationOptions {
  nodeId: string;
  heartbeatMs: number;
  nodeTtlMs: number;
}

const OP_ADD_NAME = 1;
const OP_REMOVE_NAME = 2;
const OP_SET_SESSION = 3;
const OP_DELETE_SESSION = 4;
const OP_ADD_ROOM = 5;
const OP_REMOVE_ROOM = 6;

/**
 * This node's entry in Redis: its heartbeat, its names (with claim tokens), its sessions
 * directory and the number of its last presence event. The local copies here are the truth;
 * Redis holds a replica that may be lost (an outage, a Redis restart, other nodes forgetting us
 * after a long pause). Every change is numbered, written and announced on the cluster channel in
 * one script run, so the other nodes' mirrors follow it; when a write fails, or Redis comes back,
 * or the heartbeat finds the node forgotten, everything is written again in one MULTI under a new
 * number, and the next heartbeat tells the others to reload this node's part.
 */
export class NodeRegistration {
  /** Name key -> claim token (0: registered) of the names held on this node. */
  readonly names = new Map<string, number>();
  /** client_id -> session_id of this node's sessions. */
  readonly sessions = new Map<string, string>();
  /** Private rooms with members on this node. */
  readonly rooms = new Set<string>();
  /**
   * Called before each write of this node's presence (the bus sends what it holds for this turn
   * first, so a change announced after a message does not reach the others before it).
   */
  beforeWrite: (() => void) | null = null;
  readonly #redis: RedisClient;
  readonly #keys: RedisKeys;
  readonly #options: RegistrationOptions;
  readonly #stats: RedisClusterStats;
  readonly #warn: WarnLimiter;
  readonly #nodeKeys: string[];
  #seq = 0;
  #timer: NodeJS.Timeout | null = null;
  #beats = 0;
  #dirty = false;
  #registering: Promise<void> | null = null;
  #beating = false;
  #closed = false;

  constructor(
    redis: RedisClient,
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
    const { nodeId } = options;
    this.#nodeKeys = [keys.names(nodeId), keys.sessions(nodeId), keys.seq(nodeId), keys.nodeRooms(nodeId)];
  }

  get seq(): number {
    return this.#seq;
  }

  async start(): Promise<void> {
    await this.register();
    this.#redis.on('ready', this.#onReady);
    this.#timer = setInterval(() => void this.#beat(), this.#options.heartbeatMs);
    this.#timer.unref();
  }

  addName(nameKey: string, token: number): void {
    this.names.set(nameKey, token);
    this.#change(OP_ADD_NAME, nameBytes(nameKey), token, (seq) => ({
      kind: 'name-added',
      seq,
      name: nameKey,
      token,
    }));
  }

  removeName(nameKey: string): void {
    if (!this.names.delete(nameKey)) return;
    this.#change(OP_REMOVE_NAME, nameBytes(nameKey), '', (seq) => ({
      kind: 'name-removed',
      seq,
      name: nameKey,
    }));
  }

  setSession(clientId: string, sessionId: string): void {
    this.sessions.set(clientId, sessionId);
    this.#change(OP_SET_SESSION, clientId, sessionId, (seq) => ({
      kind: 'session-set',
      seq,
      clientId,
      sessionId,
    }));
  }

  deleteSession(clientId: string, sessionId: string): void {
    if (this.sessions.get(clientId) !== sessionId) return;
    this.sessions.delete(clientId);
    this.#change(OP_DELETE_SESSION, clientId, sessionId, (seq) => ({
      kind: 'session-deleted',
      seq,
      clientId,
      sessionId,
    }));
  }

  roomJoined(room: string): void {
    if (this.rooms.has(room)) return;
    this.rooms.add(room);
    this.#change(OP_ADD_ROOM, room, '', (seq) => ({ kind: 'room-joined', seq, room }));
  }

  roomLeft(room: string): void {
    if (!this.rooms.delete(room)) return;
    this.#change(OP_REMOVE_ROOM, room, '', (seq) => ({ kind: 'room-left', seq, room }));
  }

  /** Writes the whole state of this node again, atomically. Concurrent calls share one run. */
  register(): Promise<void> {
    this.#registering ??= this.#register().finally(() => {
      this.#registering = null;
    });
    return this.#registering;
  }

  /**
   * Stops the heartbeat. With `leave`, removes this node from Redis at once and says so (a
   * graceful shutdown); without it, the node lingers until its heartbeat expires, as after `kill -9`.
   */
  async stop(leave: boolean): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#redis.off('ready', this.#onReady);
    if (!leave || this.#redis.status !== 'ready') return;
    this.beforeWrite?.();
    const { nodeId } = this.#options;
    const goodbye = encodeBusFrame(nodeId, { kind: 'beat', seq: this.#seq, leaving: true });
    await this.#redis
      .multi()
      .del(this.#keys.alive(nodeId), ...this.#nodeKeys)
      .srem(this.#keys.nodes, nodeId)
      .call(this.#keys.publishCommand, this.#keys.channel, goodbye)
      .exec()
      .catch((error: unknown) => this.#warn.warn('leave', error, 'cluster: could not deregister this node'));
  }

  #change(
    op: number,
    field: Buffer | string,
    value: number | string,
    event: (seq: number) => MirrorEvent,
  ): void {
    if (this.#closed) return;
    this.#seq += 1;
    if (this.#redis.status !== 'ready') {
      // The rewrite when Redis answers carries this change; the others see the gap and reload.
      this.#failed(new Error(`Redis connection is ${this.#redis.status}`));
      return;
    }
    const seq = this.#seq;
    this.beforeWrite?.();
    const announced = event(seq);
    const frame = encodeBusFrame(this.#options.nodeId, announced);
    this.#stats.publishedByKind[announced.kind] += 1;
    presenceChange
      .run(this.#redis, this.#nodeKeys, [
        op,
        field,
        value,
        seq,
        this.#keys.channel,
        frame,
        this.#keys.publishCommand,
      ])
      .then(
        () => {
          this.#stats.eventsPublished += 1;
        },
        (error: unknown) => this.#failed(error),
      );
  }

  async #register(): Promise<void> {
    const { nodeId, nodeTtlMs } = this.#options;
    const [namesKey, sessionsKey, seqKey, roomsKey] = this.#nodeKeys as [string, string, string, string];
    this.#dirty = false;
    // A new number: every mirror that knew an older one reloads this node at the next beat.
    this.#seq += 1;
    const seq = this.#seq;
    this.beforeWrite?.();
    // Built and written synchronously, so later single writes follow it on the connection.
    const multi = this.#redis.multi().del(namesKey, sessionsKey, roomsKey);
    const names = [...this.names].flatMap(([name, token]) => [nameBytes(name), token]);
    for (let i = 0; i < names.length; i += 2 * CHUNK) multi.hset(namesKey, ...names.slice(i, i + 2 * CHUNK));
    const entries = [...this.sessions].flat();
    for (let i = 0; i < entries.length; i += 2 * CHUNK)
      multi.hset(sessionsKey, ...entries.slice(i, i + 2 * CHUNK));
    const rooms = [...this.rooms];
    for (let i = 0; i < rooms.length; i += CHUNK) multi.sadd(roomsKey, ...rooms.slice(i, i + CHUNK));
    multi
      .set(seqKey, seq)
      .set(this.#keys.alive(nodeId), '1', 'PX', nodeTtlMs)
      .sadd(this.#keys.nodes, nodeId)
      .call(
        this.#keys.publishCommand,
        this.#keys.channel,
        encodeBusFrame(nodeId, { kind: 'beat', seq, leaving: false }),
      );
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
        const frame = encodeBusFrame(nodeId, { kind: 'beat', seq: this.#seq, leaving: false });
        this.#stats.publishedByKind.beat += 1;
        if (
          (await heartbeat.run(this.#redis, keys, [
            nodeId,
            nodeTtlMs,
            this.#keys.channel,
            frame,
            this.#keys.publishCommand,
          ])) === 1
        ) {
          // Now and then, also clear the entries of nodes that died (nobody else may be loading).
          this.#beats += 1;
          const everyTtl = Math.max(1, Math.round(nodeTtlMs / this.#options.heartbeatMs));
          if (this.#beats % everyTtl === 0)
            await reapNodes.run(this.#redis, [this.#keys.nodes], [this.#keys.presence]);
          return;
        }
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

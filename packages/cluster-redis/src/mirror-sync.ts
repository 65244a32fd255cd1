import type { MirrorEvent } from './bus-codec.ts';
import type { RedisClusterStats, ReloadCause } from './cluster-stats.ts';
import type { NodeRegistration } from './node-registration.ts';
import { type NodeSnapshot, PresenceMirror } from './presence-mirror.ts';
import { snapshotAll, snapshotNode } from './presence-scripts.ts';
import type { RedisClient } from './redis-client.ts';
import { nameKeyOf, type RedisKeys } from './redis-keys.ts';
import type { WarnLimiter } from './warn-limiter.ts';

/** Events kept while a load is in flight; past it the load is simply done again. */
const MAX_QUEUED = 100_000;
/** How long events from a node Redis does not know are ignored before it is looked up again. */
const UNKNOWN_NODE_QUIET_MS = 1_000;
/** Wait before retrying a load that failed (Redis not answering yet). */
const RETRY_MS = 100;

export interface MirrorSyncOptions {
  nodeId: string;
  heartbeatMs: number;
  nodeTtlMs: number;
}

/**
 * Keeps the presence mirror equal to Redis: loads it whole when this node joins and after every
 * reconnect, applies the other nodes' numbered events, reloads one node's part when its numbers
 * show a gap (or it is new to us), and drops a node not heard from for `nodeTtlMs` (its heartbeat
 * stopped: the ghost limit). Bad input (numbers going backwards, unknown nodes) is counted,
 * logged once per interval and ignored. Events that arrive while a load is in flight wait for it
 * and then apply, so nothing published after the snapshot is missed.
 */
export class MirrorSync {
  readonly mirror = new PresenceMirror();
  readonly #redis: RedisClient;
  readonly #keys: RedisKeys;
  readonly #options: MirrorSyncOptions;
  readonly #registration: NodeRegistration;
  readonly #stats: RedisClusterStats;
  readonly #warn: WarnLimiter;
  /** Events held during a full load, or null when none is in flight. */
  #fullQueue: Array<[string, MirrorEvent]> | null = null;
  #fullLoad: Promise<void> | null = null;
  /** Nodes whose part is being reloaded, with the events that came meanwhile. */
  readonly #partQueues = new Map<string, MirrorEvent[]>();
  /** Nodes Redis did not know, until when their events are ignored. */
  readonly #unknown = new Map<string, number>();
  #sweeper: NodeJS.Timeout | null = null;
  #retry: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(
    redis: RedisClient,
    keys: RedisKeys,
    registration: NodeRegistration,
    options: MirrorSyncOptions,
    stats: RedisClusterStats,
    warn: WarnLimiter,
  ) {
    this.#redis = redis;
    this.#keys = keys;
    this.#registration = registration;
    this.#options = options;
    this.#stats = stats;
    this.#warn = warn;
  }

  /** Loads the mirror for the first time (the bus is subscribed already) and starts sweeping. */
  async start(): Promise<void> {
    await this.load('join');
    this.#sweeper = setInterval(() => this.#sweep(), this.#options.heartbeatMs);
    this.#sweeper.unref();
  }

  /**
   * Loads every node's part from Redis; events meanwhile wait and apply after. Resolves when
   * the mirror equals Redis as of the snapshot; a failure retries until it works or the sync closes.
   */
  load(cause: ReloadCause): Promise<void> {
    this.#fullQueue ??= [];
    this.#fullLoad ??= this.#loadAll(cause).finally(() => {
      this.#fullLoad = null;
    });
    return this.#fullLoad;
  }

  /** A presence event from another node's frame (the bus skips this node's own frames). */
  onEvent(origin: string, event: MirrorEvent): void {
    if (this.#fullQueue) {
      if (this.#fullQueue.length < MAX_QUEUED) this.#fullQueue.push([origin, event]);
      return;
    }
    const queue = this.#partQueues.get(origin);
    if (queue) {
      if (queue.length < MAX_QUEUED) queue.push(event);
      return;
    }
    this.#apply(origin, event, false);
  }

  close(): void {
    this.#closed = true;
    if (this.#sweeper) clearInterval(this.#sweeper);
    if (this.#retry) clearTimeout(this.#retry);
  }

  #apply(origin: string, event: MirrorEvent, replaying: boolean): void {
    const quietUntil = this.#unknown.get(origin);
    if (quietUntil !== undefined) {
      if (Date.now() < quietUntil) {
        this.#stats.unknownNodeEvents += 1;
        return;
      }
      this.#unknown.delete(origin);
    }
    const result = this.mirror.apply(origin, event, Date.now());
    switch (result) {
      case 'applied':
        if (event.kind === 'name-added' && event.token > 0)
          this.#checkConflict(origin, event.name, event.token);
        break;
      case 'stale':
      case 'behind':
        // After a reload the events it already contains come in once more: expected, not bad.
        if (replaying) break;
        this.#stats.staleEvents += 1;
        this.#warn.warn(
          'stale',
          { origin, seq: event.seq },
          'cluster mirror: an event number went backwards; ignored',
        );
        // A beat below what we hold: our number was raised by a bogus event; Redis's is the truth.
        if (result === 'behind') this.#reloadPart(origin);
        break;
      case 'gap':
      case 'unknown':
        this.#reloadPart(origin);
        break;
    }
    this.#gauges();
  }

  /** "A presence event for a name this node holds": a remote guest claim older than ours. */
  #checkConflict(origin: string, nameKey: string, token: number): void {
    const local = this.#registration.names.get(nameKey);
    if (local === undefined || (local !== 0 && local < token)) return;
    this.#stats.conflictingEvents += 1;
    this.#warn.warn(
      'conflict',
      { origin },
      'cluster mirror: another node announced an older claim of a name held here; never routed to',
    );
  }

  async #loadAll(cause: ReloadCause): Promise<void> {
    for (;;) {
      try {
        const snapshots = parseAll(
          await snapshotAll.run(this.#redis, [this.#keys.nodes], [this.#keys.presence]),
        );
        const own = this.#options.nodeId;
        this.mirror.replaceAll(
          snapshots.filter((snapshot) => snapshot.nodeId !== own),
          Date.now(),
        );
        this.#unknown.clear();
        this.#stats.mirrorReloads[cause] += 1;
        break;
      } catch (error) {
        this.#warn.warn('load', error, 'cluster mirror: loading presence from Redis failed; retrying');
        if (this.#closed) return;
        await new Promise<void>((resolve) => {
          this.#retry = setTimeout(resolve, RETRY_MS);
        });
        if (this.#closed) return;
      }
    }
    const queued = this.#fullQueue ?? [];
    this.#fullQueue = null;
    this.#partQueues.clear();
    for (const [origin, event] of queued) this.onEventReplayed(origin, event);
    this.#gauges();
  }

  /** Applies an event that waited for a load (stale ones are expected there). */
  onEventReplayed(origin: string, event: MirrorEvent): void {
    const queue = this.#partQueues.get(origin);
    if (queue) queue.push(event);
    else this.#apply(origin, event, true);
  }

  #reloadPart(nodeId: string): void {
    if (this.#partQueues.has(nodeId) || this.#closed) return;
    this.#partQueues.set(nodeId, []);
    const keys = [
      this.#keys.alive(nodeId),
      this.#keys.seq(nodeId),
      this.#keys.names(nodeId),
      this.#keys.sessions(nodeId),
      this.#keys.nodeRooms(nodeId),
    ];
    snapshotNode.run(this.#redis, keys).then(
      (reply) => {
        const queue = this.#partQueues.get(nodeId);
        if (!queue) return; // a full load replaced everything meanwhile
        this.#partQueues.delete(nodeId);
        const [alive, seq, names, sessions, rooms] = reply as [number, Buffer, Buffer[], Buffer[], Buffer[]];
        if (alive !== 1) {
          this.mirror.drop(nodeId);
          this.#unknown.set(nodeId, Date.now() + UNKNOWN_NODE_QUIET_MS);
          this.#stats.unknownNodeEvents += 1;
          this.#warn.warn(
            'unknown',
            { nodeId },
            'cluster mirror: an event from a node Redis does not know; ignored',
          );
          return;
        }
        this.mirror.replace(snapshotOf(nodeId, seq, names, sessions, rooms), Date.now());
        this.#stats.mirrorReloads.gap += 1;
        for (const event of queue) this.#apply(nodeId, event, true);
        this.#gauges();
      },
      (error: unknown) => {
        // The next beat of that node shows the gap again and retries.
        this.#partQueues.delete(nodeId);
        this.#warn.warn('load', error, 'cluster mirror: reloading a node from Redis failed');
      },
    );
  }

  #sweep(): void {
    if (this.#fullQueue) return;
    const dropped = this.mirror.dropSilent(Date.now() - this.#options.nodeTtlMs);
    if (dropped.length > 0) this.#gauges();
  }

  #gauges(): void {
    this.#stats.mirrorNames = this.mirror.size;
    this.#stats.mirrorNodes = this.mirror.nodeCount;
  }
}

function parseAll(reply: unknown): NodeSnapshot[] {
  if (!Array.isArray(reply)) throw new TypeError('unexpected snapshot reply from Redis');
  return reply.map((entry) => {
    const [id, seq, names, sessions, rooms] = entry as [Buffer, Buffer, Buffer[], Buffer[], Buffer[]];
    return snapshotOf(id.toString('utf8'), seq, names, sessions, rooms);
  });
}

function snapshotOf(
  nodeId: string,
  seq: Buffer,
  names: Buffer[],
  sessions: Buffer[],
  rooms: Buffer[],
): NodeSnapshot {
  const snapshot: NodeSnapshot = {
    nodeId,
    seq: Number(seq.toString()),
    names: new Map(),
    sessions: new Map(),
    rooms: new Set(rooms.map((room) => room.toString('utf8'))),
  };
  for (let i = 0; i + 1 < names.length; i += 2)
    snapshot.names.set(nameKeyOf(names[i]!), Number(names[i + 1]!.toString()));
  for (let i = 0; i + 1 < sessions.length; i += 2)
    snapshot.sessions.set(sessions[i]!.toString('utf8'), sessions[i + 1]!.toString('utf8'));
  return snapshot;
}

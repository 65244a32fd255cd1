import type { AdminChannel, Bus, BusEvent } from '@switchboard/core';
import {
  batchHead,
  DirectFlags,
  decodeBusMessage,
  encodeBusFrame,
  FrameBatch,
  type WireEvent,
} from './bus-codec.ts';
import type { RedisClusterStats } from './cluster-stats.ts';
import { HandoffHolds } from './handoff-holds.ts';
import type { MirrorSync } from './mirror-sync.ts';
import type { NodeRegistration } from './node-registration.ts';
import type { RedisClient } from './redis-client.ts';
import type { RedisKeys } from './redis-keys.ts';
import type { WarnLimiter } from './warn-limiter.ts';

type Direct = Extract<BusEvent, { kind: 'direct' }>;
type WireKind = WireEvent['kind'];

/**
 * One PUBLISH waiting for the end of the turn: this node's events for one channel (a batch), or
 * a frame passed on as it came (forwarded frames keep their origin, so they travel alone).
 */
interface Outgoing {
  channel: string;
  batch: FrameBatch | null;
  frame: Buffer | null;
  kinds: WireKind[];
}

export interface RedisBusOptions {
  nodeId: string;
  /** Per-node channels on sharded pub/sub (SPUBLISH/SSUBSCRIBE): for a Redis Cluster. */
  sharded: boolean;
  /** How long frames wait for a handoff that does not come (the old holder died). */
  handoffTimeoutMs?: number;
  /** The server API's requests between nodes (see `RedisAdminChannel`). */
  admin: AdminChannel;
}

/**
 * The bus on Redis pub/sub, with owner routing. Broadcasts, claims, invalidations and presence
 * events go on the cluster channel once; a direct message goes only to the inbox channel of each
 * node that holds a recipient (per the presence mirror), so it costs one PUBLISH to one subscriber
 * and no other node decodes it. Redis keeps the order of one connection's publishes and this class
 * adds no queue, so one node's events reach each receiver in the order the hub published them.
 *
 * When a recipient moves while messages are in flight (a guest taken over on another node, a
 * registered user's last connection gone from one node while another exists elsewhere), the rule
 * is: a node that receives a direct message for a name it no longer holds forwards it once to
 * the name's current holder, if the sender had routed that name to it alone (so nobody else got
 * it); a forwarded frame is never forwarded again. For order, the sender remembers where it last
 * sent each name: when the route changes it first sends a handoff through the old holder (which
 * forwards it to the new one after everything it forwarded) and flags its first frame to the new
 * holder, which holds that sender's frames for the name until the handoff arrives. So nothing
 * sent to a continuously active name is lost, nothing arrives twice, and per-sender order holds.
 * Known gap: when the name moves onto the sender's own node, messages still in flight to the old
 * holder come back after the ones delivered locally.
 *
 * Batching: the events of one turn wait until the turn ends (`setImmediate`, after every socket
 * read of this event-loop iteration) and leave as one PUBLISH per channel, so a burst of messages
 * to one gateway costs one Redis command, one reply and one decode of the origin. The order that
 * can be seen is kept: each channel's events stay in order, and an event on the cluster channel is
 * never reordered with an inbox's (one subscriber connection receives both, in Redis's order),
 * nor with this node's presence writes (the registration flushes the batches before each write).
 */
export class RedisBus implements Bus {
  readonly clustered = true;
  readonly admin: AdminChannel;
  readonly #redis: RedisClient;
  readonly #subscriber: RedisClient;
  readonly #keys: RedisKeys;
  readonly #nodeId: string;
  readonly #inbox: string;
  readonly #sharded: boolean;
  readonly #stats: RedisClusterStats;
  readonly #warn: WarnLimiter;
  readonly #registration: NodeRegistration;
  readonly #sync: MirrorSync;
  readonly #holds: HandoffHolds;
  /** Name -> the node this node last sent it to alone, for handoffs when it moves. */
  readonly #lastRoute = new Map<string, string>();
  readonly #batchHead: Buffer;
  /** This turn's PUBLISHes, in the order they must reach Redis. */
  #outgoing: Outgoing[] = [];
  /** Per node, the batch for its inbox that events may still join this turn. */
  readonly #openInboxes = new Map<string, Outgoing>();
  /** The batch that cluster-channel events may still join this turn. */
  #openCluster: Outgoing | null = null;
  #flushScheduled = false;
  #handler: ((event: BusEvent) => void) | null = null;
  #closed = false;

  constructor(
    redis: RedisClient,
    subscriber: RedisClient,
    keys: RedisKeys,
    registration: NodeRegistration,
    sync: MirrorSync,
    stats: RedisClusterStats,
    warn: WarnLimiter,
    options: RedisBusOptions,
  ) {
    this.#redis = redis;
    this.#subscriber = subscriber;
    this.#keys = keys;
    this.#nodeId = options.nodeId;
    this.#inbox = keys.inbox(options.nodeId);
    this.admin = options.admin;
    this.#sharded = options.sharded;
    this.#registration = registration;
    this.#sync = sync;
    this.#stats = stats;
    this.#warn = warn;
    this.#holds = new HandoffHolds(
      options.handoffTimeoutMs ?? 1_000,
      (event) => this.#hand(event),
      () => {
        this.#stats.handoffTimeouts += 1;
      },
    );
    sync.mirror.onNameGone = (nameKey) => this.#lastRoute.delete(nameKey);
    this.#batchHead = batchHead(options.nodeId);
    // Presence writes go straight to Redis: what this node published before them leaves first.
    registration.beforeWrite = () => this.#flush();
  }

  /** Subscribes, and subscribes again (then reloads the mirror) whenever the subscriber comes back. */
  async start(): Promise<void> {
    this.#subscriber.on('messageBuffer', this.#onMessage);
    this.#subscriber.on('smessageBuffer', this.#onMessage);
    this.#subscriber.on('ready', this.#resubscribe);
    await this.#subscribe();
  }

  publish(event: BusEvent): void {
    if (this.#closed) return;
    // Fail fast while disconnected: a queued event would arrive late and out of its moment.
    if (this.#redis.status !== 'ready') {
      this.#failed(new Error(`Redis connection is ${this.#redis.status}`));
      return;
    }
    if (event.kind === 'direct') this.#publishDirect(event);
    else if (event.kind === 'broadcast' && (event.room !== null || this.#sharded)) {
      // A private room's message goes only to the nodes with members in it. On a Redis Cluster a
      // receiver's inbox and the cluster channel live on different shards, so a main-chat
      // broadcast goes through every inbox too, keeping its order with the sender's directs.
      const mirror = this.#sync.mirror;
      const nodes = event.room === null ? mirror.nodes() : mirror.roomNodes(event.room);
      for (const nodeId of nodes) this.#toNode(nodeId, event);
    } else this.#toCluster(event);
  }

  onEvent(handler: (event: BusEvent) => void): void {
    this.#handler = handler;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#flush();
    this.#closed = true;
    this.#handler = null;
    this.#holds.close();
    this.#subscriber.off('messageBuffer', this.#onMessage);
    this.#subscriber.off('smessageBuffer', this.#onMessage);
    this.#subscriber.off('ready', this.#resubscribe);
    // Only while connected: the subscriber queues commands offline, and close must not hang on that.
    if (this.#subscriber.status === 'ready') {
      const channels = [this.#keys.channel, this.#inbox];
      await (this.#sharded
        ? Promise.all(channels.map((channel) => this.#subscriber.sunsubscribe(channel)))
        : this.#subscriber.unsubscribe(...channels)
      ).catch(() => {});
    }
  }

  // ---- sending -------------------------------------------------------------------------------

  #publishDirect(event: Direct): void {
    const mirror = this.#sync.mirror;
    const local = this.#registration.names;
    // The common case, one recipient on one other node, without building groups.
    if (event.to.length === 1) {
      const key = event.to[0]!;
      const route = mirror.route(key, local.get(key));
      if (route.length === 0) {
        this.#lastRoute.delete(key);
        return;
      }
      if (route.length === 1 && local.get(key) === undefined) {
        this.#sendSole(event, key, route[0]!);
        return;
      }
      this.#lastRoute.delete(key);
      for (const nodeId of route) this.#toNode(nodeId, event, 0);
      return;
    }
    const groups = new Map<string, { to: string[]; sole: boolean }>();
    for (const key of event.to) {
      const held = local.get(key);
      const route = mirror.route(key, held);
      if (route.length === 0) {
        this.#lastRoute.delete(key);
        continue;
      }
      const sole = route.length === 1 && held === undefined;
      if (sole && this.#lastRoute.get(key) !== route[0]) {
        // A move: this recipient gets its own frame and handoff.
        this.#sendSole({ ...event, to: [key] }, key, route[0]!);
        continue;
      }
      if (!sole) this.#lastRoute.delete(key);
      for (const nodeId of route) {
        let group = groups.get(nodeId);
        if (!group) {
          group = { to: [], sole: true };
          groups.set(nodeId, group);
        }
        group.to.push(key);
        group.sole &&= sole;
      }
    }
    for (const [nodeId, group] of groups)
      this.#toNode(nodeId, { ...event, to: group.to }, group.sole ? DirectFlags.SOLE : 0);
  }

  /** One recipient routed to one node: remembers the route, and hands off when it moved. */
  #sendSole(event: Direct, key: string, target: string): void {
    let flags: number = DirectFlags.SOLE;
    const previous = this.#lastRoute.get(key);
    if (previous !== target) {
      this.#lastRoute.set(key, target);
      if (previous !== undefined && this.#sync.mirror.knows(previous)) {
        this.#toNode(previous, { kind: 'handoff', name: key, to: target });
        flags |= DirectFlags.AFTER_MOVE;
      }
    }
    this.#toNode(target, event, flags);
  }

  /** Adds one of this node's events to this turn's batch for `nodeId`'s inbox. */
  #toNode(nodeId: string, event: WireEvent, flags = 0): void {
    // Cluster-channel events after this one must not overtake it: that batch closes.
    this.#openCluster = null;
    let outgoing = this.#openInboxes.get(nodeId);
    if (!outgoing) {
      outgoing = this.#batch(this.#keys.inbox(nodeId));
      this.#openInboxes.set(nodeId, outgoing);
    }
    outgoing.batch!.add(event, flags);
    outgoing.kinds.push(event.kind);
  }

  /** Adds one of this node's events to this turn's batch for the cluster channel. */
  #toCluster(event: WireEvent): void {
    // Inbox events after this one must not overtake it (nor it them): their batches close.
    this.#openInboxes.clear();
    this.#openCluster ??= this.#batch(this.#keys.channel);
    this.#openCluster.batch!.add(event);
    this.#openCluster.kinds.push(event.kind);
  }

  #batch(channel: string): Outgoing {
    const outgoing: Outgoing = { channel, batch: new FrameBatch(this.#batchHead), frame: null, kinds: [] };
    this.#queue(outgoing);
    return outgoing;
  }

  /** Queues a frame as it is (another node's, passed on), in order with this turn's batches. */
  #sendFrame(nodeId: string, frame: Buffer, kind: WireKind): void {
    this.#openCluster = null;
    this.#openInboxes.delete(nodeId);
    this.#queue({ channel: this.#keys.inbox(nodeId), batch: null, frame, kinds: [kind] });
  }

  #queue(outgoing: Outgoing): void {
    this.#outgoing.push(outgoing);
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(this.#flush);
  }

  /**
   * Publishes this turn's batches, in order, in one write (the connection is corked meanwhile).
   * Runs when the turn ends, and before this node's own presence writes and its close.
   */
  readonly #flush = (): void => {
    this.#flushScheduled = false;
    const outgoing = this.#outgoing;
    if (outgoing.length === 0) return;
    this.#outgoing = [];
    this.#openInboxes.clear();
    this.#openCluster = null;
    if (this.#redis.status !== 'ready') {
      const error = new Error(`Redis connection is ${this.#redis.status}`);
      for (const item of outgoing) this.#failed(error, item.kinds.length);
      return;
    }
    const stream = (this.#redis as { stream?: { cork(): void; uncork(): void } }).stream;
    stream?.cork();
    try {
      for (const item of outgoing) this.#publishOne(item);
    } finally {
      stream?.uncork();
    }
  };

  #publishOne(item: Outgoing): void {
    const payload = item.frame ?? item.batch!.frame;
    const started = performance.now();
    const sent = this.#sharded
      ? this.#redis.spublish(item.channel, payload)
      : this.#redis.publish(item.channel, payload);
    sent.then(
      () => {
        this.#stats.eventsPublished += item.kinds.length;
        for (const kind of item.kinds) this.#stats.publishedByKind[kind] += 1;
        this.#stats.observePublish(performance.now() - started);
      },
      (error: unknown) => this.#failed(error, item.kinds.length),
    );
  }

  #failed(error: unknown, events = 1): void {
    this.#stats.publishFailures += events;
    this.#warn.warn('publish', error, 'cluster bus: publish failed; the event reached this node only');
  }

  // ---- receiving -----------------------------------------------------------------------------

  readonly #onMessage = (channelBytes: Buffer, message: Buffer): void => {
    const channel = channelBytes.toString();
    const inbox = channel === this.#inbox;
    if (!inbox && channel !== this.#keys.channel) return;
    let decoded: ReturnType<typeof decodeBusMessage>;
    try {
      decoded = decodeBusMessage(message);
    } catch (error) {
      this.#bad('decode', error, 'cluster bus: dropped a malformed frame');
      return;
    }
    const { nodeId: origin, events } = decoded;
    if (origin === this.#nodeId) return; // our own publish on the cluster channel
    for (const { event, flags } of events) this.#receive(origin, event, flags, inbox);
  };

  #receive(origin: string, event: WireEvent, flags: number, inbox: boolean): void {
    this.#stats.eventsReceived += 1;
    this.#stats.receivedByKind[event.kind] += 1;
    // Direct frames and handoffs come on this node's inbox, everything else on the cluster channel
    // (room messages always come on the inbox; main-chat broadcasts too on a Redis Cluster).
    const onInbox =
      event.kind === 'direct' ||
      event.kind === 'handoff' ||
      (event.kind === 'broadcast' && (event.room !== null || this.#sharded));
    if (onInbox !== inbox) {
      this.#bad('channel', { kind: event.kind }, 'cluster bus: a frame on the wrong channel; dropped');
      return;
    }
    try {
      switch (event.kind) {
        case 'direct':
          this.#receiveDirect(origin, event, flags);
          return;
        case 'handoff':
          if (event.to === this.#nodeId) this.#holds.handoff(origin, event.name);
          else this.#forward(event.to, encodeBusFrame(origin, event), 'handoff');
          return;
        case 'broadcast':
        case 'claim':
        case 'invalidate':
          this.#handler?.(event);
          return;
        default:
          this.#sync.onEvent(origin, event);
      }
    } catch (error) {
      this.#warn.warn('handler', error, 'cluster bus: the event handler failed');
    }
  }

  #receiveDirect(origin: string, event: Direct, flags: number): void {
    const local = this.#registration.names;
    const forwarded = (flags & DirectFlags.FORWARDED) !== 0;
    // The common case: one recipient, held here, nothing moving.
    if (event.to.length === 1 && local.has(event.to[0]!) && (flags & DirectFlags.AFTER_MOVE) === 0) {
      const key = event.to[0]!;
      if (!forwarded && this.#holds.isHeld(origin, key)) this.#holds.hold(origin, key, event);
      else this.#hand(event);
      return;
    }
    const now: string[] = [];
    const away: string[] = [];
    for (const key of event.to) {
      if (!local.has(key)) {
        away.push(key);
        continue;
      }
      const single = event.to.length === 1 ? event : { ...event, to: [key] };
      if (forwarded) now.push(key);
      else if ((flags & DirectFlags.AFTER_MOVE) !== 0) this.#holds.begin(origin, key, single);
      else if (this.#holds.isHeld(origin, key)) this.#holds.hold(origin, key, single);
      else now.push(key);
    }
    if (now.length > 0) this.#hand(now.length === event.to.length ? event : { ...event, to: now });
    if (away.length === 0) return;
    if (forwarded || (flags & DirectFlags.SOLE) === 0) {
      this.#stats.undeliverable += away.length;
      return;
    }
    this.#forwardAway(origin, event, away);
  }

  /** The recipients moved on: each goes once more, to its current holder, marked forwarded. */
  #forwardAway(origin: string, event: Direct, away: string[]): void {
    const mirror = this.#sync.mirror;
    for (const key of away) {
      const route = mirror.route(key, undefined).filter((nodeId) => nodeId !== this.#nodeId);
      if (route.length === 0) {
        this.#stats.undeliverable += 1;
        continue;
      }
      const copy = encodeBusFrame(
        origin,
        event.to.length === 1 ? event : { ...event, to: [key] },
        DirectFlags.FORWARDED,
      );
      for (const nodeId of route) {
        this.#stats.forwarded += 1;
        this.#forward(nodeId, copy, 'direct');
      }
    }
  }

  #forward(nodeId: string, frame: Buffer, kind: 'direct' | 'handoff'): void {
    if (this.#redis.status !== 'ready') {
      this.#failed(new Error(`Redis connection is ${this.#redis.status}`));
      return;
    }
    this.#sendFrame(nodeId, frame, kind);
  }

  #hand(event: Direct): void {
    this.#handler?.(event);
  }

  #bad(topic: string, error: unknown, msg: string): void {
    this.#stats.malformedEvents += 1;
    this.#warn.warn(topic, error, msg);
  }

  async #subscribe(): Promise<void> {
    const channels = [this.#keys.channel, this.#inbox];
    // One SSUBSCRIBE per channel: on a Redis Cluster they live on different shards.
    if (this.#sharded) await Promise.all(channels.map((channel) => this.#subscriber.ssubscribe(channel)));
    else await this.#subscriber.subscribe(...channels);
  }

  /** Resubscribes after every reconnect (connectRedis turns ioredis's own resubscription off). */
  readonly #resubscribe = (): void => {
    if (this.#closed) return;
    this.#subscribe().then(
      () => this.#sync.load('reconnect'),
      (error: unknown) => {
        this.#warn.warn('subscribe', error, 'cluster bus: resubscribing failed');
      },
    );
  };
}

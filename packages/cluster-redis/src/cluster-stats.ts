import type { WireEvent } from './bus-codec.ts';

export type WireKind = WireEvent['kind'];
export type ReloadCause = 'join' | 'reconnect' | 'gap';

export const WIRE_KINDS: readonly WireKind[] = [
  'direct',
  'broadcast',
  'claim',
  'invalidate',
  'name-added',
  'name-removed',
  'session-set',
  'session-deleted',
  'beat',
  'handoff',
  'room-joined',
  'room-left',
];

/** Bounds (ms) of the bus publish latency histogram: the time from PUBLISH sent to Redis's reply. */
export const PUBLISH_LATENCY_BUCKETS_MS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 1000] as const;

const perKind = (): Record<WireKind, number> =>
  Object.fromEntries(WIRE_KINDS.map((kind) => [kind, 0])) as Record<WireKind, number>;

/** Counters of the Redis cluster layer; the gateway reads them for `/metrics`. Plain `+= 1` fields. */
export class RedisClusterStats {
  /** Frames published (every kind; a direct message to two gateways is two). */
  eventsPublished = 0;
  /** Frames received from other nodes (every kind). */
  eventsReceived = 0;
  readonly publishedByKind = perKind();
  readonly receivedByKind = perKind();
  /** Bus events that could not be published (Redis unreachable): those messages reached only this node. */
  publishFailures = 0;
  /** Frames that did not decode, or came on the wrong channel; dropped. */
  malformedEvents = 0;
  /** Presence and directory writes that failed; the next heartbeat or reconnect rewrites them. */
  writeFailures = 0;
  /** Full re-registrations of this node (start, Redis back, heartbeat found the node forgotten). */
  registrations = 0;
  /** 'error' events of either Redis connection. */
  connectionErrors = 0;
  /** Loads of the presence mirror from Redis, by cause (gap: one node's part, after a missed event). */
  readonly mirrorReloads: Record<ReloadCause, number> = { join: 0, reconnect: 0, gap: 0 };
  /** Presence events whose number went backwards (or repeated); ignored. */
  staleEvents = 0;
  /** Events from a node Redis does not know as alive; ignored. */
  unknownNodeEvents = 0;
  /** Remote guest claims older than this node's own claim of the same name; never routed to. */
  conflictingEvents = 0;
  /** Direct frames passed on to a recipient's new holder (the recipient moved while they were in flight). */
  forwarded = 0;
  /** Direct frames for names not held here that could not be passed on; dropped. */
  undeliverable = 0;
  /** Held frames released by the timeout because the handoff from the old holder never came. */
  handoffTimeouts = 0;
  /** Active names on other nodes in the mirror, and the nodes they are on; gauges. */
  mirrorNames = 0;
  mirrorNodes = 0;
  /** Per bucket, not cumulative (the renderer sums them); slower than the last bound: only in the count. */
  readonly publishLatencyBuckets: number[] = PUBLISH_LATENCY_BUCKETS_MS.map(() => 0);
  publishLatencyCount = 0;
  publishLatencySumMs = 0;

  observePublish(ms: number): void {
    this.publishLatencyCount += 1;
    this.publishLatencySumMs += ms;
    for (let i = 0; i < PUBLISH_LATENCY_BUCKETS_MS.length; i++) {
      if (ms <= PUBLISH_LATENCY_BUCKETS_MS[i]!) {
        this.publishLatencyBuckets[i]! += 1;
        return;
      }
    }
  }
}

import { ProtocolStats } from './protocol-stats.ts';

/** Latency buckets (ms) of cross-node deliveries, as Prometheus `le` bounds. */
export const LATENCY_BUCKETS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500] as const;

/**
 * Plain counters the hot path bumps with `+= 1`; the gateway reads them when `/metrics` is
 * scraped, so counting costs no allocation and no call into a metrics library. What belongs to
 * one protocol lives in its {@link ProtocolStats}, which each session holds from the start.
 */
export class HubStats {
  /** Messages from the system sender (the server API). */
  systemMessages = 0;
  /** Identifications refused because the account store or the cluster could not be reached. */
  unavailableRefusals = 0;
  busEventsIn = 0;
  readonly latencyBuckets: number[] = LATENCY_BUCKETS_MS.map(() => 0);
  latencyCount = 0;
  latencySumMs = 0;
  readonly #protocols = new Map<string, ProtocolStats>();
  /** Counted on the hub by adapters that do not count on their session's stats: no protocol's. */
  readonly #unattributed = { slowReaderDrops: 0, rateLimited: 0 };

  /** The counters of one protocol, made on first use. Look it up once per connection, not per message. */
  forProtocol(protocol: string): ProtocolStats {
    let stats = this.#protocols.get(protocol);
    if (!stats) {
      stats = new ProtocolStats(protocol);
      this.#protocols.set(protocol, stats);
    }
    return stats;
  }

  /** Every protocol counted so far, in the order first seen. */
  get protocols(): IterableIterator<ProtocolStats> {
    return this.#protocols.values();
  }

  /** Chat messages accepted on this node, every protocol and the system sender. */
  get messages(): number {
    return this.systemMessages + this.#sum((stats) => stats.messagesReceived);
  }

  /** Messages handed to local connections, every protocol. */
  get deliveries(): number {
    return this.#sum((stats) => stats.deliveries);
  }

  /**
   * Connections dropped for not reading, every protocol. Adapters count on their session's
   * stats (`session.stats.slowReaderDrops += 1`); one that still does `hub.stats.slowReaderDrops
   * += 1` is counted in the total, under no protocol.
   */
  get slowReaderDrops(): number {
    return this.#unattributed.slowReaderDrops + this.#sum((stats) => stats.slowReaderDrops);
  }

  set slowReaderDrops(total: number) {
    this.#unattributed.slowReaderDrops += total - this.slowReaderDrops;
  }

  /** Rate pauses, every protocol; counted like {@link slowReaderDrops}. */
  get rateLimited(): number {
    return this.#unattributed.rateLimited + this.#sum((stats) => stats.rateLimited);
  }

  set rateLimited(total: number) {
    this.#unattributed.rateLimited += total - this.rateLimited;
  }

  get refusedConnections(): number {
    return this.#sum((stats) => stats.refused);
  }

  /** Open connections per protocol, for protocols that have had one. */
  get connectionsByProtocol(): Map<string, number> {
    return new Map([...this.#protocols.values()].map((stats) => [stats.protocol, stats.open]));
  }

  #sum(read: (stats: ProtocolStats) => number): number {
    let total = 0;
    for (const stats of this.#protocols.values()) total += read(stats);
    return total;
  }

  observeLatency(ms: number): void {
    const value = Math.max(0, ms);
    this.latencyCount += 1;
    this.latencySumMs += value;
    for (let i = 0; i < LATENCY_BUCKETS_MS.length; i++) {
      if (value <= LATENCY_BUCKETS_MS[i]!) this.latencyBuckets[i]! += 1;
    }
  }
}

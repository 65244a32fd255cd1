/** Latency buckets (ms) of cross-node deliveries, as Prometheus `le` bounds. */
export const LATENCY_BUCKETS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500] as const;

/**
 * Plain counters the hot path bumps with `+= 1`; the gateway reads them when `/metrics` is
 * scraped, so counting costs no allocation and no call into a metrics library.
 */
export class HubStats {
  messages = 0;
  deliveries = 0;
  /** Connections dropped for not reading fast enough. */
  slowReaderDrops = 0;
  /** Times a connection was paused for exceeding its message rate. */
  rateLimited = 0;
  refusedConnections = 0;
  /** Identifications refused because the account store or the cluster could not be reached. */
  unavailableRefusals = 0;
  busEventsIn = 0;
  readonly connectionsByProtocol = new Map<string, number>();
  readonly latencyBuckets: number[] = LATENCY_BUCKETS_MS.map(() => 0);
  latencyCount = 0;
  latencySumMs = 0;

  connectionOpened(protocol: string): void {
    this.connectionsByProtocol.set(protocol, (this.connectionsByProtocol.get(protocol) ?? 0) + 1);
  }

  connectionClosed(protocol: string): void {
    this.connectionsByProtocol.set(protocol, (this.connectionsByProtocol.get(protocol) ?? 1) - 1);
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

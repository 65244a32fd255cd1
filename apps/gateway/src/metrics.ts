import { type Hub, LATENCY_BUCKETS_MS } from '@switchboard/core';
import { ProcessMetrics } from './process-metrics.ts';

/**
 * Prometheus exposition. The hub counts with plain `+= 1` on its hot path; this reads those
 * counters at scrape time and adds the process metrics (memory, CPU, event-loop delay).
 */
export class GatewayMetrics {
  readonly #hub: Hub;
  readonly #adapterNames: readonly string[];
  readonly #publishFailures: () => number;
  /** The cluster layer's own lines (bus events per kind, mirror, forwarding, publish latency). */
  readonly #clusterMetrics: () => string[];
  readonly #process = new ProcessMetrics();

  constructor(
    hub: Hub,
    adapterNames: readonly string[],
    publishFailures: () => number,
    clusterMetrics: () => string[] = () => [],
  ) {
    this.#hub = hub;
    this.#adapterNames = adapterNames;
    this.#publishFailures = publishFailures;
    this.#clusterMetrics = clusterMetrics;
  }

  readonly contentType = 'text/plain; version=0.0.4; charset=utf-8';

  stop(): void {
    this.#process.stop();
  }

  render(): string {
    const stats = this.#hub.stats;
    const lines: string[] = [];
    const metric = (
      name: string,
      type: string,
      help: string,
      samples: Array<[labels: string, value: number]>,
    ) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
    };
    metric(
      'switchboard_connections',
      'gauge',
      'Open connections per adapter.',
      this.#adapterNames.map((name) => [`{adapter="${name}"}`, stats.connectionsByProtocol.get(name) ?? 0]),
    );
    metric('switchboard_messages_total', 'counter', 'Chat messages accepted on this node.', [
      ['', stats.messages],
    ]);
    metric('switchboard_deliveries_total', 'counter', 'Messages handed to local connections.', [
      ['', stats.deliveries],
    ]);
    metric('switchboard_slow_reader_drops_total', 'counter', 'Connections dropped for not reading.', [
      ['', stats.slowReaderDrops],
    ]);
    metric(
      'switchboard_rate_limited_total',
      'counter',
      'Times a connection was paused for its message rate.',
      [['', stats.rateLimited]],
    );
    metric('switchboard_refused_connections_total', 'counter', 'Connections refused by connection limits.', [
      ['', stats.refusedConnections],
    ]);
    metric(
      'switchboard_unavailable_refusals_total',
      'counter',
      'Identifications refused because the account store or the cluster was unreachable.',
      [['', stats.unavailableRefusals]],
    );
    metric('switchboard_bus_events_total', 'counter', 'Events received from other nodes.', [
      ['', stats.busEventsIn],
    ]);
    metric(
      'switchboard_bus_publish_failures_total',
      'counter',
      'Events that could not be sent to other nodes.',
      [['', this.#publishFailures()]],
    );
    const buckets: Array<[string, number]> = LATENCY_BUCKETS_MS.map((le, i) => [
      `{le="${le / 1000}"}`,
      stats.latencyBuckets[i]!,
    ]);
    buckets.push(['{le="+Inf"}', stats.latencyCount]);
    lines.push(
      '# HELP switchboard_delivery_latency_seconds Time from acceptance to delivery on another node.',
      '# TYPE switchboard_delivery_latency_seconds histogram',
      ...buckets.map(([labels, value]) => `switchboard_delivery_latency_seconds_bucket${labels} ${value}`),
      `switchboard_delivery_latency_seconds_sum ${stats.latencySumMs / 1000}`,
      `switchboard_delivery_latency_seconds_count ${stats.latencyCount}`,
    );
    lines.push(...this.#clusterMetrics());
    lines.push(...this.#process.render('switchboard_process_'));
    return `${lines.join('\n')}\n`;
  }
}

import {
  type Hub,
  IDENTIFICATION_BUCKETS_MS,
  LATENCY_BUCKETS_MS,
  type ProtocolStats,
} from '@switchboard/core';
import { ProcessMetrics } from './process-metrics.ts';
import { PrometheusText } from './prometheus-text.ts';

/** The reasons of `switchboard_dropped_total`, each read from one counter of a protocol's stats. */
const DROP_REASONS = {
  slow_reader: (stats: ProtocolStats) => stats.slowReaderDrops,
  unknown_recipient: (stats: ProtocolStats) => stats.unknownRecipients,
  oversized: (stats: ProtocolStats) => stats.oversized,
} as const;

/**
 * Prometheus exposition. The hub and the adapters count with plain `+= 1` on their hot paths;
 * this reads those counters at scrape time, per protocol (label `protocol`), and adds the cluster
 * layer's metrics and the process metrics (memory, CPU, event-loop delay).
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

  /** Every enabled adapter (so each has its series from the start), then any other protocol seen. */
  #protocols(): ProtocolStats[] {
    const stats = this.#hub.stats;
    const all = this.#adapterNames.map((name) => stats.forProtocol(name));
    for (const seen of stats.protocols) if (!all.includes(seen)) all.push(seen);
    return all;
  }

  render(): string {
    const stats = this.#hub.stats;
    const protocols = this.#protocols();
    const text = new PrometheusText();
    const perProtocol = (
      name: string,
      type: 'counter' | 'gauge',
      help: string,
      read: (stats: ProtocolStats) => number,
    ) =>
      text.family(
        name,
        type,
        help,
        protocols.map((p): [Record<string, string>, number] => [{ protocol: p.protocol }, read(p)]),
      );

    perProtocol(
      'switchboard_connections_open',
      'gauge',
      'Open connections, identified or not.',
      (p) => p.open,
    );
    perProtocol(
      'switchboard_connections_identified',
      'gauge',
      'Connections acting under a name.',
      (p) => p.identified,
    );
    perProtocol(
      'switchboard_refused_connections_total',
      'counter',
      'Connections refused by a connection limit (per process, per address).',
      (p) => p.refused,
    );
    perProtocol(
      'switchboard_messages_received_total',
      'counter',
      'Chat messages accepted from clients of the protocol (direct or broadcast).',
      (p) => p.messagesReceived,
    );
    perProtocol(
      'switchboard_messages_delivered_total',
      'counter',
      'Messages handed to connections of the protocol.',
      (p) => p.deliveries,
    );
    perProtocol(
      'switchboard_bytes_received_total',
      'counter',
      'Bytes read from clients inside the transport framing (WebSocket: message payloads).',
      (p) => p.bytesIn,
    );
    perProtocol(
      'switchboard_bytes_sent_total',
      'counter',
      'Bytes written to clients inside the transport framing (WebSocket: message payloads).',
      (p) => p.bytesOut,
    );
    text.family(
      'switchboard_dropped_total',
      'counter',
      'Messages not delivered, by reason: slow_reader (the recipient stopped reading and was dropped), unknown_recipient (not active), oversized (over a size limit).',
      protocols.flatMap((p) =>
        Object.entries(DROP_REASONS).map(([reason, read]): [Record<string, string>, number] => [
          { protocol: p.protocol, reason },
          read(p),
        ]),
      ),
    );
    perProtocol(
      'switchboard_rate_limited_total',
      'counter',
      'Times reading paused because a connection was over its message or byte rate (nothing is lost).',
      (p) => p.rateLimited,
    );
    perProtocol(
      'switchboard_login_failures_total',
      'counter',
      'Logins refused for a wrong password or an unknown name.',
      (p) => p.loginFailures,
    );
    perProtocol(
      'switchboard_login_throttled_total',
      'counter',
      'Logins refused unchecked because the name or the address was locked.',
      (p) => p.loginThrottled,
    );
    perProtocol(
      'switchboard_login_locks_total',
      'counter',
      'Locks begun by failed logins (a name or an address reaching its limit).',
      (p) => p.loginLocks,
    );
    text.histogram(
      'switchboard_identification_seconds',
      'Time from a connection’s admission to its first identification (hello, login, sign-up).',
      protocols.map((p) => ({
        labels: { protocol: p.protocol },
        bounds: IDENTIFICATION_BUCKETS_MS.map((ms) => ms / 1000),
        counts: p.identificationBuckets,
        count: p.identificationCount,
        sum: p.identificationSumMs / 1000,
      })),
    );
    text.family('switchboard_system_messages_total', 'counter', 'Messages sent by the server API.', [
      [{}, stats.systemMessages],
    ]);
    text.family(
      'switchboard_unavailable_refusals_total',
      'counter',
      'Identifications refused because the account store or the cluster was unreachable.',
      [[{}, stats.unavailableRefusals]],
    );
    text.family('switchboard_bus_events_total', 'counter', 'Events received from other nodes.', [
      [{}, stats.busEventsIn],
    ]);
    text.family(
      'switchboard_bus_publish_failures_total',
      'counter',
      'Events that could not be sent to other nodes.',
      [[{}, this.#publishFailures()]],
    );
    text.histogram(
      'switchboard_delivery_latency_seconds',
      'Time from acceptance to delivery on another node.',
      [
        {
          labels: {},
          bounds: LATENCY_BUCKETS_MS.map((ms) => ms / 1000),
          // The hub's buckets are cumulative already.
          counts: stats.latencyBuckets,
          cumulative: true,
          count: stats.latencyCount,
          sum: stats.latencySumMs / 1000,
        },
      ],
    );
    text.lines(this.#clusterMetrics());
    text.lines(this.#process.render('switchboard_process_'));
    return text.toString();
  }
}

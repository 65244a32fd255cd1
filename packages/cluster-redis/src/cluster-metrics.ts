import { PUBLISH_LATENCY_BUCKETS_MS, type RedisClusterStats, WIRE_KINDS } from './cluster-stats.ts';

/**
 * The cluster counters in Prometheus text format, every metric named `{prefix}...`, for the
 * gateway's `/metrics` (it calls this at scrape time; the hot path only ever does `+= 1`).
 */
export function renderClusterMetrics(stats: RedisClusterStats, prefix: string): string[] {
  const lines: string[] = [];
  const metric = (name: string, type: string, help: string, samples: Array<[string, number]>) => {
    lines.push(`# HELP ${prefix}${name} ${help}`, `# TYPE ${prefix}${name} ${type}`);
    for (const [labels, value] of samples) lines.push(`${prefix}${name}${labels} ${value}`);
  };
  const counter = (name: string, help: string, value: number) => metric(name, 'counter', help, [['', value]]);
  const byKind = (counts: Record<string, number>) =>
    WIRE_KINDS.map((kind): [string, number] => [`{kind="${kind}"}`, counts[kind] ?? 0]);

  metric(
    'events_published_total',
    'counter',
    'Bus frames this node published, by kind.',
    byKind(stats.publishedByKind),
  );
  metric(
    'events_received_total',
    'counter',
    'Bus frames received from other nodes, by kind.',
    byKind(stats.receivedByKind),
  );
  counter(
    'publish_failures_total',
    'Bus frames that could not be published (Redis unreachable).',
    stats.publishFailures,
  );
  counter(
    'malformed_events_total',
    'Frames dropped: undecodable, truncated or on the wrong channel.',
    stats.malformedEvents,
  );
  counter(
    'presence_write_failures_total',
    'Presence and directory writes that failed (rewritten later).',
    stats.writeFailures,
  );
  counter('registrations_total', 'Full re-registrations of this node in Redis.', stats.registrations);
  counter('connection_errors_total', 'Errors of the Redis connections.', stats.connectionErrors);
  metric('mirror_names', 'gauge', 'Active names on other nodes in the presence mirror.', [
    ['', stats.mirrorNames],
  ]);
  metric('mirror_nodes', 'gauge', 'Other nodes in the presence mirror.', [['', stats.mirrorNodes]]);
  metric(
    'mirror_reloads_total',
    'counter',
    'Loads of the presence mirror from Redis, by cause.',
    Object.entries(stats.mirrorReloads).map(([cause, value]): [string, number] => [
      `{cause="${cause}"}`,
      value,
    ]),
  );
  counter('stale_events_total', 'Presence events whose number went backwards; ignored.', stats.staleEvents);
  counter(
    'unknown_node_events_total',
    'Events from nodes Redis does not know; ignored.',
    stats.unknownNodeEvents,
  );
  counter(
    'conflicting_events_total',
    'Remote claims older than this node’s own claim of the name.',
    stats.conflictingEvents,
  );
  counter('forwarded_total', 'Direct messages passed on to a moved recipient’s new holder.', stats.forwarded);
  counter(
    'undeliverable_total',
    'Direct messages for names not held here that could not be passed on.',
    stats.undeliverable,
  );
  counter(
    'handoff_timeouts_total',
    'Moved recipients’ messages released without the old holder’s handoff.',
    stats.handoffTimeouts,
  );

  const name = `${prefix}publish_latency_seconds`;
  lines.push(`# HELP ${name} Time from a PUBLISH sent to Redis's reply.`, `# TYPE ${name} histogram`);
  let cumulative = 0;
  PUBLISH_LATENCY_BUCKETS_MS.forEach((le, i) => {
    cumulative += stats.publishLatencyBuckets[i]!;
    lines.push(`${name}_bucket{le="${le / 1000}"} ${cumulative}`);
  });
  lines.push(
    `${name}_bucket{le="+Inf"} ${stats.publishLatencyCount}`,
    `${name}_sum ${stats.publishLatencySumMs / 1000}`,
    `${name}_count ${stats.publishLatencyCount}`,
  );
  return lines;
}

import { describe, expect, it } from 'vitest';
import { renderClusterMetrics } from './cluster-metrics.ts';
import { RedisClusterStats } from './cluster-stats.ts';

describe('cluster metrics', () => {
  it('renders every counter of RedisClusterStats, per kind and cause, and a cumulative latency histogram', () => {
    const stats = new RedisClusterStats();
    stats.publishedByKind.direct = 7;
    stats.receivedByKind.beat = 3;
    stats.mirrorReloads.gap = 2;
    stats.forwarded = 4;
    stats.mirrorNames = 11;
    stats.observePublish(0.2);
    stats.observePublish(0.3);
    stats.observePublish(5_000);
    const text = renderClusterMetrics(stats, 'sb_').join('\n');
    expect(text).toContain('sb_events_published_total{kind="direct"} 7');
    expect(text).toContain('sb_events_received_total{kind="beat"} 3');
    expect(text).toContain('sb_mirror_reloads_total{cause="gap"} 2');
    expect(text).toContain('sb_mirror_reloads_total{cause="join"} 0');
    expect(text).toContain('sb_forwarded_total 4');
    expect(text).toContain('sb_mirror_names 11');
    expect(text).toContain('sb_publish_latency_seconds_bucket{le="0.00025"} 1');
    expect(text).toContain('sb_publish_latency_seconds_bucket{le="0.0005"} 2');
    expect(text).toContain('sb_publish_latency_seconds_bucket{le="1"} 2');
    expect(text).toContain('sb_publish_latency_seconds_bucket{le="+Inf"} 3');
    expect(text).toContain('sb_publish_latency_seconds_count 3');
    // Every plain number field of the stats appears under some metric.
    const fields = Object.entries(stats).filter(([, value]) => typeof value === 'number');
    const rendered = {
      eventsPublished: 'events_published_total',
      eventsReceived: 'events_received_total',
      publishFailures: 'publish_failures_total',
      malformedEvents: 'malformed_events_total',
      writeFailures: 'presence_write_failures_total',
      registrations: 'registrations_total',
      connectionErrors: 'connection_errors_total',
      staleEvents: 'stale_events_total',
      unknownNodeEvents: 'unknown_node_events_total',
      conflictingEvents: 'conflicting_events_total',
      forwarded: 'forwarded_total',
      undeliverable: 'undeliverable_total',
      handoffTimeouts: 'handoff_timeouts_total',
      mirrorNames: 'mirror_names',
      mirrorNodes: 'mirror_nodes',
      publishLatencyCount: 'publish_latency_seconds_count',
      publishLatencySumMs: 'publish_latency_seconds_sum',
    } as Record<string, string>;
    for (const [field] of fields) {
      expect(rendered[field], `${field} has a metric`).toBeDefined();
      expect(text).toContain(`sb_${rendered[field]}`);
    }
  });
});

import type { Delivery } from './bystander-worker.ts';

export interface LatencySummary {
  sent: number;
  received: number;
  lost: number;
  p50: number;
  p99: number;
  max: number;
  /** Delivered, but more than a second after it was sent. */
  overOneSecond: number;
}

/** Exact percentiles of the deliveries sent in [from, to) (all of them by default). */
export function summarize(deliveries: readonly Delivery[], from = -Infinity, to = Infinity): LatencySummary {
  const latencies: number[] = [];
  let sent = 0;
  for (const [at, latency] of deliveries) {
    if (at < from || at >= to) continue;
    sent++;
    if (latency >= 0) latencies.push(latency);
  }
  latencies.sort((a, b) => a - b);
  const rank = (p: number) =>
    latencies.length === 0
      ? Number.NaN
      : latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)]!;
  return {
    sent,
    received: latencies.length,
    lost: sent - latencies.length,
    p50: rank(50),
    p99: rank(99),
    max: latencies.length === 0 ? Number.NaN : latencies[latencies.length - 1]!,
    overOneSecond: latencies.filter((latency) => latency > 1000).length,
  };
}

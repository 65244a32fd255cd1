import type { LoadPool } from '../load/pool.ts';
import { sleep } from '../load/pool.ts';
import { cpuSeconds } from '../servers/process-stats.ts';
import type { ServerUnderTest } from '../servers/server.ts';
import type { BenchContext } from './context.ts';

/**
 * CPU-seconds each server process spends at saturation before anything is measured, and the
 * longest that may take. A process reaches its steady state (optimised code, a young generation
 * sized to its allocation rate) after a given amount of its own work, not after a given time: N
 * processes sharing one core each get 1/N of it, so a warm-up of fixed seconds measured 8
 * processes cold (a third of their warm figure) and 2 processes nearly warm. Measured with
 * 1-second windows from a cold start: 2 switchboard processes settle after about 2 s, 8 after
 * about 17 s; both after about 2 CPU-seconds each.
 */
const WARM_UP = {
  full: { cpuSeconds: 2, maxSeconds: 45 },
  smoke: { cpuSeconds: 0.05, maxSeconds: 1 },
} as const;

/** How the warm-up went, for the report. */
export interface WarmUp {
  seconds: number;
  /** CPU-seconds of the least-used server process. */
  leastCpuSeconds: number;
}

/**
 * Drives the pool's flows at saturation until every process of `servers` has used the warm-up's
 * CPU-seconds (or its time runs out), then stops and drains, so the measurement that follows
 * starts from the same per-process state whatever the number of processes or the system.
 */
export async function warmUpServers(
  context: BenchContext,
  pool: LoadPool,
  servers: readonly ServerUnderTest[],
  window: number,
): Promise<WarmUp> {
  const { cpuSeconds: wanted, maxSeconds } = WARM_UP[context.scale.name];
  const pids = servers.flatMap((server) => server.pids);
  const before = pids.map(cpuSeconds);
  const started = performance.now();
  const least = () => Math.min(...pids.map((pid, index) => cpuSeconds(pid) - before[index]!));
  await pool.start({ mode: 'saturate', window, textBytes: context.scale.textBytes });
  while (least() < wanted && performance.now() - started < maxSeconds * 1000) await sleep(100);
  const warmUp = { seconds: (performance.now() - started) / 1000, leastCpuSeconds: least() };
  await pool.stop();
  await pool.drain();
  return warmUp;
}

/** The note every scenario that warms up adds to its table. */
export function warmUpNote(context: BenchContext): string {
  const { cpuSeconds: wanted, maxSeconds } = WARM_UP[context.scale.name];
  return `Before measuring, every server process was driven at saturation until it had used ${wanted} CPU-seconds (at most ${maxSeconds} s): warm-up is counted in each process's own work, since N processes on one core each get 1/N of the time.`;
}

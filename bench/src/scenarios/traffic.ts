import type { LoadPool, Measurement } from '../load/pool.ts';
import type { ServerUnderTest } from '../servers/server.ts';
import { type BenchContext, cpuMeter, foreignCpuMeter } from './context.ts';

/** One measured window and the CPU use during it (% of one core). */
export interface Window {
  measurement: Measurement;
  serverCpu: number;
  generatorCpu: number;
  /** Every other process on the machine. */
  foreignCpu: number;
}

export interface TrafficResult {
  /** Deliveries per second with every flow's window full: the best of the repeated windows. */
  saturated: Window;
  /** Latency at a fixed rate of half the saturated one: the repeated window with the lowest p99. */
  half: Window;
}

/**
 * The measurement every traffic scenario makes: saturation first (throughput), then a fixed rate
 * at half of it (latency, where queues do not dominate). `fanOut` is deliveries per message
 * (receivers of a broadcast, 1 for direct); `senders` is how many flows each worker drives.
 * Each is measured `repeats` times and the best window kept, so a burst of other work on a
 * shared machine does not decide the figure (the report shows that other work too).
 */
export async function saturateThenHalf(
  context: BenchContext,
  pool: LoadPool,
  server: ServerUnderTest,
  options: { window: number; fanOut: number; senders: number[] },
): Promise<TrafficResult> {
  const { textBytes } = context.scale;
  await pool.start({ mode: 'saturate', window: options.window, textBytes });
  const saturated = best(await windows(context, pool, server), (window) => window.measurement.perSecond);
  await pool.stop();
  await pool.drain();
  const ratePerSecond = saturated.measurement.perSecond / options.fanOut / 2;
  await pool.start({ mode: 'rate', ratePerSecond, textBytes, senders: options.senders });
  const half = best(
    await windows(context, pool, server),
    (window) => -window.measurement.latency.percentile(99),
  );
  await pool.stop();
  await pool.drain();
  return { saturated, half };
}

async function windows(context: BenchContext, pool: LoadPool, server: ServerUnderTest): Promise<Window[]> {
  const { warmupSeconds, measureSeconds, repeats } = context.scale;
  const result: Window[] = [];
  for (let i = 0; i < repeats; i++) {
    const serverCpu = cpuMeter(server.pids);
    const generatorCpu = cpuMeter(pool.pids);
    const foreignCpu = foreignCpuMeter([...server.pids, ...pool.pids]);
    const measurement = await pool.measure(i === 0 ? warmupSeconds : 0, measureSeconds);
    result.push({
      measurement,
      serverCpu: serverCpu(),
      generatorCpu: generatorCpu(),
      foreignCpu: foreignCpu(),
    });
  }
  return result;
}

function best(candidates: Window[], score: (window: Window) => number): Window {
  return candidates.reduce((winner, candidate) => (score(candidate) > score(winner) ? candidate : winner));
}

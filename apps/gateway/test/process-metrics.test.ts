import { afterEach, describe, expect, it } from 'vitest';
import { ProcessMetrics } from '../src/process-metrics.ts';
import { parsePrometheusText, sampleValue } from './prometheus-parse.ts';

let metrics: ProcessMetrics | null = null;
afterEach(() => metrics?.stop());

const render = () =>
  parsePrometheusText(
    `${['# HELP x_up Up.', '# TYPE x_up gauge', 'x_up 1', ...metrics!.render('x_')].join('\n')}\n`,
  );
const windowMax = () => sampleValue(render(), 'x_event_loop_delay_window_seconds', { quantile: '1' });
const sinceStartMax = () => sampleValue(render(), 'x_event_loop_delay_seconds', { quantile: '1' });

/** Polls (the loop stays free meanwhile) until `ok`; the last value if it never was. */
async function pollUntil(read: () => number, ok: (value: number) => boolean, ms: number): Promise<number> {
  const deadline = performance.now() + ms;
  let value = read();
  while (!ok(value) && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = read();
  }
  return value;
}

describe('process metrics', () => {
  it('show a stall of the event loop in the window it happened, and forget it a calm window later', async () => {
    metrics = new ProcessMetrics(300);
    // The monitor measures from its first tick on: let it tick.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stallUntil = performance.now() + 600;
    while (performance.now() < stallUntil) {
      // Busy: the loop is blocked for 600 ms.
    }
    expect(await pollUntil(windowMax, (max) => max > 0.5, 3_000)).toBeGreaterThan(0.5);
    // A calm window later (margins for a loaded machine), the window forgets it; since start, not.
    expect(await pollUntil(windowMax, (max) => max < 0.3, 3_000)).toBeLessThan(0.3);
    expect(sinceStartMax()).toBeGreaterThan(0.5);
    expect(sampleValue(render(), 'x_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);
  });
});

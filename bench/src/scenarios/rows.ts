import type { Row } from '../results.ts';
import type { TrafficResult } from './traffic.ts';

/** Collects rows case by case, one system at a time, into the shape the report wants. */
export class RowTable {
  readonly rows: Row[] = [];

  set(
    caseName: string,
    metric: string,
    unit: string,
    better: Row['better'],
    system: string,
    value: number | null,
  ) {
    let row = this.rows.find((candidate) => candidate.case === caseName && candidate.metric === metric);
    if (!row) {
      row = { case: caseName, metric, unit, better, values: {} };
      this.rows.push(row);
    }
    row.values[system] = value === null || Number.isNaN(value) ? null : value;
  }

  /** The rows every traffic run reports: throughput at saturation, latency at half of it, CPU use. */
  traffic(caseName: string, system: string, result: TrafficResult | null, throughputMetric: string) {
    const { saturated, half } = result ?? {};
    const latency = half?.measurement.latency;
    this.set(caseName, throughputMetric, '/s', 'higher', system, saturated?.measurement.perSecond ?? null);
    this.set(
      caseName,
      'p50 at half load',
      'ms',
      'lower',
      system,
      latency ? latency.percentile(50) / 1000 : null,
    );
    this.set(
      caseName,
      'p99 at half load',
      'ms',
      'lower',
      system,
      latency ? latency.percentile(99) / 1000 : null,
    );
    this.set(caseName, 'max at half load', 'ms', 'lower', system, latency ? latency.max / 1000 : null);
    this.set(caseName, 'server CPU at saturation', '%', 'lower', system, saturated?.serverCpu ?? null);
    this.set(caseName, 'generator CPU at saturation', '%', 'lower', system, saturated?.generatorCpu ?? null);
    this.set(caseName, 'generator CPU at half load', '%', 'lower', system, half?.generatorCpu ?? null);
    const foreign = saturated && half ? Math.max(saturated.foreignCpu, half.foreignCpu) : null;
    this.set(caseName, 'other processes CPU (worst window)', '%', 'lower', system, foreign);
  }
}

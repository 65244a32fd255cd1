import type { Row, ScenarioResult } from '../results.ts';
import { SWITCHBOARD } from '../results.ts';

export interface TargetCheck {
  target: string;
  case: string;
  measured: string;
  met: boolean | null;
}

/** The targets (goals to report against, not gates), checked against what was measured. */
export function checkTargets(scenarios: ScenarioResult[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const rows = (id: string, metric: string) =>
    scenarios.find((scenario) => scenario.id === id)?.rows.filter((row) => row.metric === metric) ?? [];
  const ratio = (row: Row, system: string, goal: number, label: string) => {
    const ours = row.values[SWITCHBOARD];
    const theirs = row.values[system];
    const value = ours != null && theirs != null && theirs > 0 ? ours / theirs : null;
    checks.push({
      target: label,
      case: row.case,
      measured: value === null ? 'n/a' : `${value.toFixed(2)}×`,
      met: value === null ? null : value >= goal,
    });
  };
  const ceiling = (row: Row, limit: number, label: string, system = SWITCHBOARD) => {
    const value = row.values[system];
    checks.push({
      target: label,
      case: row.case,
      measured: value == null ? 'n/a' : `${value.toFixed(2)} ${row.unit}`,
      met: value == null ? null : value <= limit,
    });
  };
  for (const row of rows('broadcast', 'deliveries at saturation')) {
    ratio(row, 'raw ws', 0.9, 'broadcast deliveries/s ≥ 0.9× raw ws');
    ratio(row, 'Socket.IO', 3, 'broadcast deliveries/s ≥ 3× Socket.IO');
  }
  for (const row of rows('direct', 'messages at saturation')) {
    if (row.values['raw ws'] != null) ratio(row, 'raw ws', 0.8, 'direct throughput ≥ 0.8× raw relay');
    if (row.values['raw net'] != null) ratio(row, 'raw net', 0.8, 'direct throughput ≥ 0.8× raw relay');
  }
  for (const row of rows('idle', 'RSS per connection')) {
    const protocol = row.case.split(' × ')[0]!;
    if (protocol === 'json-ws') ceiling(row, 10, '≤ 10 KiB RSS per idle json-ws connection');
    if (['soh', 'tcp-rooms', 'rs-us', 'irc'].includes(protocol))
      ceiling(row, 4, '≤ 4 KiB RSS per idle TCP connection');
  }
  for (const id of ['direct', 'broadcast']) {
    for (const row of rows(id, 'p99 at half load'))
      ceiling(row, 5, 'p99 < 5 ms at half of peak, one process');
  }
  for (const row of rows('cluster', 'p99 at half load'))
    ceiling(row, 10, 'p99 < 10 ms at half of peak, across processes');
  return checks;
}

/** What the harness measured, as the report and the smoke test read it. */

/** One measured quantity for one case, per system (null: not measured or not available). */
export interface Row {
  case: string;
  metric: string;
  unit: string;
  /** Which way is better, so the report can say whether a ratio is good. */
  better: 'higher' | 'lower';
  values: Record<string, number | null>;
}

export interface ScenarioResult {
  id: string;
  title: string;
  /** The systems of the table's columns; the first is switchboard, the others are baselines. */
  systems: string[];
  rows: Row[];
  /** The metric the scenario's chart shows. */
  chartMetric: string;
  notes: string[];
}

export const SWITCHBOARD = 'switchboard';

/** One histogram series: bucket counts per upper bound, `+Inf` being `count`. */
export interface HistogramSeries {
  labels: Readonly<Record<string, string>>;
  bounds: readonly number[];
  /** Per bucket: observations in it alone, or up to its bound when `cumulative`. */
  counts: readonly number[];
  cumulative?: boolean;
  count: number;
  sum: number;
}

/** Label values as the text format wants them: backslash, quote and line feed escaped. */
function escapeLabel(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

function labelText(labels: Readonly<Record<string, string>>, extra = ''): string {
  const parts = Object.entries(labels).map(([key, value]) => `${key}="${escapeLabel(value)}"`);
  if (extra) parts.push(extra);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/** Builds the Prometheus text exposition (format 0.0.4): HELP and TYPE once per family, then its samples. */
export class PrometheusText {
  readonly #lines: string[] = [];

  family(
    name: string,
    type: 'counter' | 'gauge',
    help: string,
    samples: ReadonlyArray<readonly [Readonly<Record<string, string>>, number]>,
  ): void {
    this.#lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) this.#lines.push(`${name}${labelText(labels)} ${value}`);
  }

  histogram(name: string, help: string, series: readonly HistogramSeries[]): void {
    this.#lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
    for (const one of series) {
      let cumulative = 0;
      one.bounds.forEach((bound, i) => {
        cumulative = one.cumulative ? one.counts[i]! : cumulative + one.counts[i]!;
        this.#lines.push(`${name}_bucket${labelText(one.labels, `le="${bound}"`)} ${cumulative}`);
      });
      this.#lines.push(
        `${name}_bucket${labelText(one.labels, 'le="+Inf"')} ${one.count}`,
        `${name}_sum${labelText(one.labels)} ${one.sum}`,
        `${name}_count${labelText(one.labels)} ${one.count}`,
      );
    }
  }

  /** Lines rendered elsewhere (the cluster layer, the process). */
  lines(lines: readonly string[]): void {
    this.#lines.push(...lines);
  }

  toString(): string {
    return `${this.#lines.join('\n')}\n`;
  }
}

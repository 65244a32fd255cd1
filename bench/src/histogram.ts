/**
 * A log-bucketed latency histogram in microseconds: 16 buckets per power of two, so a reported
 * percentile is within ~4.4 % of the true value, in a fixed 1 KiB array whatever the count.
 * Histograms from several processes merge by adding counts (they travel as sparse pairs).
 */
const BUCKETS_PER_OCTAVE = 16;
const OCTAVES = 40; // 2^40 µs ≈ 12 days: nothing we measure is longer

export interface HistogramData {
  /** [bucket index, count] for every non-empty bucket. */
  buckets: Array<[number, number]>;
  count: number;
  max: number;
  sum: number;
}

export class Histogram {
  #counts = new Float64Array(BUCKETS_PER_OCTAVE * OCTAVES);
  count = 0;
  max = 0;
  sum = 0;

  record(micros: number): void {
    const value = micros < 1 ? 1 : micros;
    const index = Math.min(this.#counts.length - 1, Math.floor(Math.log2(value) * BUCKETS_PER_OCTAVE));
    this.#counts[index]! += 1;
    this.count += 1;
    this.sum += value;
    if (value > this.max) this.max = value;
  }

  /** The upper edge of the bucket holding the p-th percentile (0 < p ≤ 100), never above max. */
  percentile(p: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.ceil((p / 100) * this.count);
    let seen = 0;
    for (let i = 0; i < this.#counts.length; i++) {
      seen += this.#counts[i]!;
      if (seen >= rank) return Math.min(this.max, 2 ** ((i + 1) / BUCKETS_PER_OCTAVE));
    }
    return this.max;
  }

  get mean(): number {
    return this.count === 0 ? Number.NaN : this.sum / this.count;
  }

  reset(): void {
    this.#counts.fill(0);
    this.count = 0;
    this.max = 0;
    this.sum = 0;
  }

  merge(data: HistogramData): void {
    for (const [index, count] of data.buckets) this.#counts[index]! += count;
    this.count += data.count;
    this.sum += data.sum;
    if (data.max > this.max) this.max = data.max;
  }

  toData(): HistogramData {
    const buckets: Array<[number, number]> = [];
    this.#counts.forEach((count, index) => {
      if (count > 0) buckets.push([index, count]);
    });
    return { buckets, count: this.count, max: this.max, sum: this.sum };
  }

  static from(...parts: HistogramData[]): Histogram {
    const histogram = new Histogram();
    for (const part of parts) histogram.merge(part);
    return histogram;
  }
}

/** What a report shows of a latency distribution, in milliseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export function summarize(histogram: Histogram): LatencySummary {
  return {
    count: histogram.count,
    p50: histogram.percentile(50) / 1000,
    p99: histogram.percentile(99) / 1000,
    max: histogram.max / 1000,
  };
}

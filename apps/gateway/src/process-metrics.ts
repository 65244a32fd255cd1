import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * The process metrics Prometheus users expect (memory, CPU, event-loop delay), read at scrape
 * time. A dozen lines instead of prom-client: that library loads @opentelemetry/api and more,
 * which cost a fifth of the gateway's start-up time for these few numbers.
 */
export class ProcessMetrics {
  readonly #loopDelay = monitorEventLoopDelay({ resolution: 20 });
  /**
   * The same delay over windows of `windowMs`: the since-start figures hide a stall of the last
   * minute behind hours of calm, and a dashboard wants now. Reset per window, not per scrape,
   * so two scrapers see the same numbers.
   */
  readonly #windowDelay = monitorEventLoopDelay({ resolution: 20 });
  #lastWindow = { p99: 0, max: 0 };
  readonly #rotate: NodeJS.Timeout;
  readonly #windowSeconds: number;

  constructor(windowMs = 10_000) {
    this.#windowSeconds = windowMs / 1000;
    this.#loopDelay.enable();
    this.#windowDelay.enable();
    this.#rotate = setInterval(() => {
      this.#lastWindow = { p99: this.#windowDelay.percentile(99) / 1e9, max: this.#windowDelay.max / 1e9 };
      this.#windowDelay.reset();
    }, windowMs);
    // Metrics never keep the process alive.
    this.#rotate.unref();
  }

  render(prefix: string): string[] {
    const memory = process.memoryUsage();
    const cpu = process.cpuUsage();
    const delay = (q: number) => this.#loopDelay.percentile(q) / 1e9;
    return [
      `# HELP ${prefix}resident_memory_bytes Resident memory size in bytes.`,
      `# TYPE ${prefix}resident_memory_bytes gauge`,
      `${prefix}resident_memory_bytes ${memory.rss}`,
      `# HELP ${prefix}heap_used_bytes V8 heap in use, in bytes.`,
      `# TYPE ${prefix}heap_used_bytes gauge`,
      `${prefix}heap_used_bytes ${memory.heapUsed}`,
      `# HELP ${prefix}heap_total_bytes V8 heap size, in bytes.`,
      `# TYPE ${prefix}heap_total_bytes gauge`,
      `${prefix}heap_total_bytes ${memory.heapTotal}`,
      `# HELP ${prefix}external_memory_bytes Memory of buffers and other objects outside the V8 heap.`,
      `# TYPE ${prefix}external_memory_bytes gauge`,
      `${prefix}external_memory_bytes ${memory.external}`,
      `# HELP ${prefix}cpu_seconds_total User and system CPU time spent.`,
      `# TYPE ${prefix}cpu_seconds_total counter`,
      `${prefix}cpu_seconds_total{mode="user"} ${cpu.user / 1e6}`,
      `${prefix}cpu_seconds_total{mode="system"} ${cpu.system / 1e6}`,
      `# HELP ${prefix}event_loop_delay_seconds Event-loop delay since start.`,
      `# TYPE ${prefix}event_loop_delay_seconds summary`,
      `${prefix}event_loop_delay_seconds{quantile="0.5"} ${delay(50)}`,
      `${prefix}event_loop_delay_seconds{quantile="0.99"} ${delay(99)}`,
      `${prefix}event_loop_delay_seconds{quantile="1"} ${this.#loopDelay.max / 1e9}`,
      `# HELP ${prefix}event_loop_delay_window_seconds Event-loop delay over the last whole window of ${this.#windowSeconds} s.`,
      `# TYPE ${prefix}event_loop_delay_window_seconds gauge`,
      `${prefix}event_loop_delay_window_seconds{quantile="0.99"} ${this.#lastWindow.p99}`,
      `${prefix}event_loop_delay_window_seconds{quantile="1"} ${this.#lastWindow.max}`,
      `# HELP ${prefix}start_time_seconds Start time of the process since the Unix epoch.`,
      `# TYPE ${prefix}start_time_seconds gauge`,
      `${prefix}start_time_seconds ${Math.round((Date.now() - performance.now()) / 1000)}`,
    ];
  }

  stop(): void {
    clearInterval(this.#rotate);
    this.#loopDelay.disable();
    this.#windowDelay.disable();
  }
}

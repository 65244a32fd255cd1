import type { HistogramData } from '../histogram.ts';
import type { ClientSpec } from './clients/client.ts';

/** The requests a load worker answers over IPC, and what each returns. */
export type WorkerRequest =
  | { op: 'open'; clients: Array<ClientSpec & { id: number }>; concurrency: number; timeoutMs: number }
  | { op: 'close'; ids?: number[] }
  | { op: 'pairs'; pairs: Array<{ from: number; to: number }> }
  | { op: 'broadcaster'; from: number; canary: number | null }
  | { op: 'prime'; timeoutMs: number }
  | { op: 'start'; mode: 'saturate' | 'rate'; window: number; ratePerSecond: number; textBytes: number }
  | { op: 'stop' }
  | { op: 'mark' };

export interface OpenResult {
  opened: number;
  failed: number;
  firstError: string | null;
  /** Monotonic µs when the first connect began and when the last connection was identified. */
  startMicros: number;
  endMicros: number;
}

export interface PrimeResult {
  primed: number;
  missing: number;
}

export interface MarkResult {
  /** Deliveries seen since the worker started (never reset). */
  received: number;
  sent: number;
  atMicros: number;
  /** Connections that closed after they were ready. */
  lost: number;
  /** Latencies since the previous mark (the histogram is reset by each mark). */
  latency: HistogramData;
}

export type WorkerReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string };

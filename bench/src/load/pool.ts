import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Histogram } from '../histogram.ts';
import type { ClientSpec } from './clients/client.ts';
import type { MarkResult, OpenResult, PrimeResult, WorkerReply, WorkerRequest } from './protocol.ts';

const WORKER_FILE = fileURLToPath(new URL('./worker.ts', import.meta.url));
/** Loopback source addresses 127.0.0.2 … : each has its own ~28k ephemeral ports and its own per-address limit. */
export const SOURCE_ADDRESSES = 60;

export function sourceAddress(index: number): string {
  return `127.0.0.${2 + (index % SOURCE_ADDRESSES)}`;
}

/** One forked load worker, driven by request/reply over IPC. */
class LoadWorker {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  #nextId = 1;

  constructor() {
    this.#child = fork(WORKER_FILE, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#child.on('message', (reply: WorkerReply) => {
      const waiter = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      if (reply.ok) waiter?.resolve(reply.result);
      else waiter?.reject(new Error(reply.error));
    });
    this.#child.on('exit', (code) => {
      for (const waiter of this.#pending.values())
        waiter.reject(new Error(`load worker exited with ${code}`));
      this.#pending.clear();
    });
  }

  call<T>(request: WorkerRequest): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.#child.send({ ...request, id });
    });
  }

  get pid(): number {
    return this.#child.pid!;
  }

  stop(): void {
    this.#child.disconnect();
  }
}

/** Where a client lives: which worker, and its id there. */
export interface ClientHandle {
  worker: number;
  id: number;
  name: string;
}

export interface OpenSummary {
  opened: number;
  failed: number;
  firstError: string | null;
  /** From the first connect to the last identified connection, across workers. */
  seconds: number;
}

/** Traffic measured between two marks, summed over the workers. */
export interface Measurement {
  deliveries: number;
  seconds: number;
  perSecond: number;
  latency: Histogram;
  lost: number;
}

/** The load generator's worker processes and the connections they hold. */
export class LoadPool {
  readonly #workers: LoadWorker[];
  #nextId = 1;

  constructor(workerCount: number) {
    this.#workers = Array.from({ length: workerCount }, () => new LoadWorker());
  }

  get size(): number {
    return this.#workers.length;
  }

  get pids(): number[] {
    return this.#workers.map((worker) => worker.pid);
  }

  /** Opens `specs[i]` on worker `workerOf(i)` (round-robin by default), `concurrency` handshakes at a time per worker. */
  async open(
    specs: ClientSpec[],
    options: { concurrency?: number; timeoutMs?: number; workerOf?: (index: number) => number } = {},
  ): Promise<{ handles: ClientHandle[]; summary: OpenSummary }> {
    const workerOf = options.workerOf ?? ((index: number) => index % this.#workers.length);
    const perWorker = this.#workers.map(() => [] as Array<ClientSpec & { id: number }>);
    const handles = specs.map((spec, index) => {
      const handle = { worker: workerOf(index), id: this.#nextId++, name: spec.name };
      perWorker[handle.worker]!.push({ ...spec, id: handle.id });
      return handle;
    });
    const results = await Promise.all(
      this.#workers.map((worker, index) =>
        worker.call<OpenResult>({
          op: 'open',
          clients: perWorker[index]!,
          concurrency: options.concurrency ?? 200,
          timeoutMs: options.timeoutMs ?? 30_000,
        }),
      ),
    );
    const used = results.filter((_, index) => perWorker[index]!.length > 0);
    const start = Math.min(...used.map((result) => result.startMicros));
    const end = Math.max(...used.map((result) => result.endMicros));
    return {
      handles,
      summary: {
        opened: sum(results.map((result) => result.opened)),
        failed: sum(results.map((result) => result.failed)),
        firstError: results.find((result) => result.firstError)?.firstError ?? null,
        seconds: (end - start) / 1e6,
      },
    };
  }

  async close(handles: ClientHandle[]): Promise<void> {
    await Promise.all(
      this.#workers.map((worker, index) =>
        worker.call({
          op: 'close',
          ids: handles.filter((handle) => handle.worker === index).map((handle) => handle.id),
        }),
      ),
    );
  }

  /** After a stop: waits until nothing more arrives (at most `maxMs`), so the next run starts clean. */
  async drain(maxMs = 5_000): Promise<void> {
    const deadline = Date.now() + maxMs;
    let last = -1;
    while (Date.now() < deadline) {
      const marks = await this.#all<MarkResult>({ op: 'mark' });
      const received = sum(marks.map((mark) => mark.received));
      if (received === last) return;
      last = received;
      await sleep(100);
    }
  }

  /** Direct flows; each pair's two ends must live on the same worker (the window is counted there). */
  async setPairs(pairs: Array<[from: ClientHandle, to: ClientHandle]>): Promise<void> {
    await Promise.all(
      this.#workers.map((worker, index) =>
        worker.call({
          op: 'pairs',
          pairs: pairs
            .filter(([from, to]) => {
              if (from.worker !== to.worker) throw new Error('a pair must live on one worker');
              return from.worker === index;
            })
            .map(([from, to]) => ({ from: from.id, to: to.id })),
        }),
      ),
    );
  }

  /** One broadcaster; `canary` (a receiver on the same worker) paces it at saturation. */
  async setBroadcaster(from: ClientHandle, canary: ClientHandle | null): Promise<void> {
    await Promise.all(
      this.#workers.map((worker, index) =>
        index === from.worker
          ? worker.call({ op: 'broadcaster', from: from.id, canary: canary?.id ?? null })
          : worker.call({ op: 'pairs', pairs: [] }),
      ),
    );
  }

  async prime(timeoutMs = 10_000): Promise<PrimeResult> {
    const results = await this.#all<PrimeResult>({ op: 'prime', timeoutMs });
    return {
      primed: sum(results.map((result) => result.primed)),
      missing: sum(results.map((result) => result.missing)),
    };
  }

  /** Saturation: every flow keeps `window` messages in flight. Rate: `ratePerSecond` in total, split over the workers with flows. */
  async start(
    options:
      | { mode: 'saturate'; window: number; textBytes: number }
      | { mode: 'rate'; ratePerSecond: number; textBytes: number; senders: number[] },
  ): Promise<void> {
    if (options.mode === 'saturate') {
      await this.#all({
        op: 'start',
        mode: 'saturate',
        window: options.window,
        ratePerSecond: 0,
        textBytes: options.textBytes,
      });
      return;
    }
    const total = sum(options.senders);
    await Promise.all(
      this.#workers.map((worker, index) =>
        worker.call({
          op: 'start',
          mode: 'rate',
          window: 0,
          ratePerSecond: total === 0 ? 0 : (options.ratePerSecond * (options.senders[index] ?? 0)) / total,
          textBytes: options.textBytes,
        }),
      ),
    );
  }

  async stop(): Promise<void> {
    await this.#all({ op: 'stop' });
  }

  /** Runs `seconds` of the current traffic after `warmupSeconds`, and returns what was delivered in it. */
  async measure(warmupSeconds: number, seconds: number): Promise<Measurement> {
    await sleep(warmupSeconds * 1000);
    const before = await this.#all<MarkResult>({ op: 'mark' });
    await sleep(seconds * 1000);
    const after = await this.#all<MarkResult>({ op: 'mark' });
    const deliveries = sum(after.map((mark, index) => mark.received - before[index]!.received));
    const elapsed = average(after.map((mark, index) => (mark.atMicros - before[index]!.atMicros) / 1e6));
    return {
      deliveries,
      seconds: elapsed,
      perSecond: deliveries / elapsed,
      latency: Histogram.from(...after.map((mark) => mark.latency)),
      lost: sum(after.map((mark) => mark.lost)),
    };
  }

  stopWorkers(): void {
    for (const worker of this.#workers) worker.stop();
  }

  #all<T>(request: WorkerRequest): Promise<T[]> {
    return Promise.all(this.#workers.map((worker) => worker.call<T>(request)));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function average(values: number[]): number {
  return sum(values) / values.length;
}

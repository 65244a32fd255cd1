import type { Socket } from 'node:net';
import type { Logger } from '../ports/logger.ts';
import { openDescriptorCount } from './descriptor-limit.ts';

/** Out of descriptors is logged at most this often, however many connections it turns away. */
export const EXHAUSTION_LOG_INTERVAL_MS = 10_000;
/** Within this many descriptors of the limit, the process counts as out of them. */
const EXHAUSTED_MARGIN = 4;
/** Counting /proc/self/fd costs a directory read: at most this often, and only near the limit. */
const PROBE_INTERVAL_MS = 1_000;
/** Edge connections this close to the limit make a probe worth its cost. */
const PROBE_BELOW_LIMIT = 512;

/**
 * Notices when the process is out of file descriptors. libuv meets EMFILE by accepting and
 * closing the connections it has no descriptor for (its reserve-descriptor trick) without
 * telling Node, so the edge counts its own connections and, near the limit, counts the
 * process's descriptors: at the limit it warns once per interval. Nothing else is needed to
 * recover: accepting resumes by itself as soon as descriptors are free.
 */
const WATCH = Symbol('switchboard.descriptorWatch');
type WatchedSocket = Socket & { [WATCH]?: DescriptorWatch };

function onWatchedClose(this: WatchedSocket): void {
  const watch = this[WATCH];
  this[WATCH] = undefined;
  watch?.released();
}

export class DescriptorWatch {
  readonly #limit: number | null;
  readonly #logger: Logger;
  #open = 0;
  #lastProbe = Number.NEGATIVE_INFINITY;
  #lastWarning = Number.NEGATIVE_INFINITY;
  /** A probe put off by the interval; it still runs, as the last accept before the limit may be it. */
  #deferred: NodeJS.Timeout | null = null;

  constructor(limit: number | null, logger: Logger) {
    this.#limit = limit;
    this.#logger = logger;
  }

  get open(): number {
    return this.#open;
  }

  /**
   * A connection was accepted: counted until its socket closes. One shared listener serves every
   * socket (a closure per connection would cost more than the count itself).
   */
  track(socket: Socket): void {
    this.#open += 1;
    this.#check();
    (socket as WatchedSocket)[WATCH] = this;
    socket.on('close', onWatchedClose);
  }

  /** @internal */
  released(): void {
    this.#open -= 1;
  }

  /** libuv did report EMFILE/ENFILE (its reserve descriptor was gone too). */
  exhausted(code: string): void {
    this.#warn(code, openDescriptorCount());
  }

  #check(): void {
    if (this.#limit === null || this.#open < this.#limit - PROBE_BELOW_LIMIT) return;
    const wait = this.#lastProbe + PROBE_INTERVAL_MS - performance.now();
    if (wait > 0) {
      if (this.#deferred) return;
      this.#deferred = setTimeout(() => {
        this.#deferred = null;
        this.#check();
      }, wait);
      this.#deferred.unref();
      return;
    }
    this.#lastProbe = performance.now();
    const count = openDescriptorCount();
    if (count !== null && count >= this.#limit - EXHAUSTED_MARGIN) this.#warn('EMFILE', count);
  }

  #warn(code: string, descriptors: number | null): void {
    const now = performance.now();
    if (now - this.#lastWarning < EXHAUSTION_LOG_INTERVAL_MS) return;
    this.#lastWarning = now;
    this.#logger.warn(
      {
        code,
        descriptors: descriptors === Number.POSITIVE_INFINITY ? this.#limit : descriptors,
        limit: this.#limit,
        connections: this.#open,
      },
      'out of file descriptors: new connections are closed until some are free (raise `ulimit -n` or lower limits.maxConnections)',
    );
  }
}

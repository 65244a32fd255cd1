import type { ProtocolStats } from '../hub/protocol-stats.ts';
import type { AdmissionResult, Session, SessionSink } from '../hub/session.ts';
import type { Limits } from '../limits/limits.ts';
import { TokenBucket } from '../limits/token-bucket.ts';
import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import type { TimerWheel } from '../timers/timer-wheel.ts';

/**
 * What the connection runtime needs of the hub: admission, the limits, the clock and the counters.
 * The hub implements it; adapters get a {@link ConnectionRuntime}, never the hub itself.
 */
export interface ConnectionHost {
  readonly clock: Clock;
  readonly timers: TimerWheel;
  readonly limits: Readonly<Limits>;
  readonly stats: { forProtocol(protocol: string): ProtocolStats };
  /** A session for a new connection, or why not (a connection limit is reached). */
  admit(protocol: string, address: string, sink: SessionSink): AdmissionResult;
}

/** How one protocol's connections behave where protocols differ. */
export interface ConnectionSettings<Farewell> {
  /** The protocol's name (the adapter's): its counters and log lines carry it. */
  protocol: string;
  /**
   * How long a graceful close waits for the peer to take the last bytes and close its side, before
   * the connection is destroyed. Also the grace of {@link ConnectionRuntime.shutdown}.
   */
  closeGraceMs?: number;
  /** What a connection refused by a connection limit is told before it is closed (nothing: just closed). */
  refusal?: Farewell;
  /**
   * After the client stops sending (EOF), whether what it sent whole is still handled at its rate
   * (`true`: a half-closed client gets every answer, however long the rate makes it take) or only
   * as far as the rate allows at once, after which the connection is closed (`false`).
   */
  drainAfterEnd?: boolean;
  /**
   * Most inputs a connection may have waiting while it is held (an answer pending, the rate).
   * Pausing stops a TCP socket at once, but `ws` still hands over every frame of what it had read,
   * so for WebSockets this bounds the frames of a flood of tiny ones.
   */
  maxQueuedInputs?: number;
  /**
   * Event-loop time (ms) one connection's input may take in one go before the others are served:
   * frames that run at once cannot hold the loop for a whole burst, however costly each is (a
   * broadcast to a big room). Time, not a count, so cheap frames stay fast. Unset: no limit.
   */
  turnMs?: number;
  /**
   * Bytes written to a connection and not yet taken by its peer beyond which its input waits until
   * they drain, so the answers to a flood of tiny requests cannot pile up to `limits.maxQueuedBytes`
   * (only on transports that tell when they drain). Unset: input never waits for output.
   */
  maxUnreadBytes?: number;
  /**
   * What restarts the idle timeout ({@link Connection.setIdleTimeout}): any input, bytes and control
   * frames (`false`, the default), or only a whole frame handled (`true`: a protocol whose timeout is
   * "without a command", so a frame trickled in a byte at a time does not keep a connection alive).
   */
  idleResetByFrames?: boolean;
}

export const DEFAULT_CLOSE_GRACE_MS = 1_000;
export const DEFAULT_MAX_QUEUED_INPUTS = 4_096;
/**
 * The shortest wait once over the rate: tokens then come back in batches, so a client flooding at
 * its limit costs one timer per batch instead of one per message.
 */
export const MIN_RATE_WAIT_MS = 25;

/** Something the runtime can close at shutdown: a {@link Connection}. */
export interface RuntimeConnection {
  shutdown(): void;
  drop(): void;
}

/**
 * Everything one protocol's connections share: the host, the protocol's counters, its settings and
 * the set of open connections (for a graceful shutdown). Made once per adapter; each connection
 * holds one reference to it, so per-connection state stays small.
 */
export class ConnectionRuntime<Farewell = unknown> {
  readonly protocol: string;
  readonly stats: ProtocolStats;
  readonly clock: Clock;
  readonly timers: TimerWheel;
  readonly limits: Readonly<Limits>;
  readonly logger: Logger;
  readonly closeGraceMs: number;
  readonly refusal: Farewell | undefined;
  readonly drainAfterEnd: boolean;
  readonly maxQueuedInputs: number;
  /** 0: no limit. */
  readonly turnMs: number;
  /** 0: input never waits for output. */
  readonly maxUnreadBytes: number;
  readonly idleResetByFrames: boolean;
  readonly #host: ConnectionHost;
  readonly #open = new Set<RuntimeConnection>();
  #shuttingDown = false;

  constructor(host: ConnectionHost, logger: Logger, settings: ConnectionSettings<Farewell>) {
    this.#host = host;
    this.protocol = settings.protocol;
    this.stats = host.stats.forProtocol(settings.protocol);
    this.clock = host.clock;
    this.timers = host.timers;
    this.limits = host.limits;
    this.logger = logger;
    this.closeGraceMs = settings.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS;
    this.refusal = settings.refusal;
    this.drainAfterEnd = settings.drainAfterEnd ?? false;
    this.maxQueuedInputs = settings.maxQueuedInputs ?? DEFAULT_MAX_QUEUED_INPUTS;
    this.turnMs = settings.turnMs ?? 0;
    this.maxUnreadBytes = settings.maxUnreadBytes ?? 0;
    this.idleResetByFrames = settings.idleResetByFrames ?? false;
  }

  /**
   * When the current turn of input began. One for all connections: one runs at a time, and a
   * microtask continuing a connection (an answer that came at once) stays in the turn it began in.
   */
  #turnStartedAt = 0;

  /** @internal A read, a timer or a drain: a new macrotask, so a whole new turn. */
  beginTurn(): void {
    if (this.turnMs !== 0) this.#turnStartedAt = performance.now();
  }

  /** @internal True once the current turn has taken its share of the event loop. */
  get turnOver(): boolean {
    return this.turnMs !== 0 && performance.now() - this.#turnStartedAt > this.turnMs;
  }

  /** Open connections of this protocol (admitted, not yet closed). */
  get size(): number {
    return this.#open.size;
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** @internal Admission, for {@link Connection}'s constructor: the session, or null when refused. */
  open(address: string, sink: SessionSink): Session | null {
    const admission = this.#host.admit(this.protocol, address, sink);
    return typeof admission === 'string' ? null : admission;
  }

  /** @internal A connection's input-rate budget, with the configured rates and bursts. */
  rateLimiter(): TokenBucket {
    const { messagesPerSecond, messageBurst, bytesPerSecond, byteBurst } = this.limits;
    return new TokenBucket(this.clock, messagesPerSecond, messageBurst, bytesPerSecond, byteBurst);
  }

  /** @internal */
  track(connection: RuntimeConnection): void {
    this.#open.add(connection);
  }

  /** @internal */
  untrack(connection: RuntimeConnection): void {
    this.#open.delete(connection);
    if (this.#open.size === 0) this.#allClosed?.();
  }

  #allClosed: (() => void) | null = null;
  /** The last shutdown's promise. */
  #stopping: Promise<void> | null = null;

  /**
   * Graceful stop of every connection: each is told in its protocol's way ({@link Connection.shutdown})
   * and closed once its last bytes are taken; those still open after the close grace are destroyed.
   * Resolves when all are closed. Connections admitted meanwhile are refused by the listener's close.
   */
  shutdown(): Promise<void> {
    this.#shuttingDown = true;
    if (this.#open.size === 0) return Promise.resolve();
    // A shutdown waiting for its connections is the one a second call waits for.
    if (this.#stopping !== null && this.#allClosed !== null) return this.#stopping;
    this.#stopping = new Promise<void>((resolve) => {
      const stopWaiting = this.clock.setTimeout(() => {
        for (const connection of [...this.#open]) connection.drop();
      }, this.closeGraceMs);
      this.#allClosed = () => {
        stopWaiting();
        this.#allClosed = null;
        resolve();
      };
      for (const connection of [...this.#open]) connection.shutdown();
    });
    return this.#stopping;
  }
}

import type { Session, SessionSink } from '../hub/session.ts';
import type { TokenBucket } from '../limits/token-bucket.ts';
import type { ChatMessage } from '../messages/chat-message.ts';
import type { CancelTimer } from '../ports/clock.ts';
import type { WheelEntry } from '../timers/timer-wheel.ts';
import { type ConnectionRuntime, MIN_RATE_WAIT_MS, type RuntimeConnection } from './connection-runtime.ts';
import type { FrameReader } from './frame-reader.ts';
import type { Transport, TransportReceiver } from './transport.ts';

// State bits of a connection (one small integer instead of a field each).
/** A frame's answer is pending: later input waits. */
const BUSY = 1;
/** Over the rate: input waits for the budget. */
const WAITING = 2;
/** The transport is paused (reading stopped). */
const PAUSED = 4;
/** The peer sends nothing more. */
const INPUT_ENDED = 8;
/** No more input is handled and the session is released. */
const FINISHED = 16;
/** A graceful close is under way (or done): nothing more is written. */
const CLOSING = 32;
/** The transport is closed. */
const CLOSED = 64;
/** The connection had its share of the event loop: input waits for the next turn. */
const YIELDING = 128;
/** The peer leaves too many bytes unread: input waits until they drain. */
const DRAINING = 256;
/** Input came since the last {@link Connection.awaitInput} (a keepalive's answer). */
const HEARD = 512;
/** Any of the reasons input waits. */
const HELD = BUSY | WAITING | YIELDING | DRAINING;

/**
 * One client connection of any protocol: everything that protects and paces a connection, written
 * once. A protocol's connection extends it with its codec ({@link FrameReader}), its commands
 * ({@link onFrame}) and its replies; this class owns the rest:
 *
 * - **admission**: the constructor asks the hub for a session; a connection over a connection limit
 *   is told the protocol's refusal and closed, and never reaches the subclass's hooks;
 * - **ordered input with back-pressure**: frames are decoded one at a time and handled strictly in
 *   order; while one waits for its answer (its handler returned a promise) or the connection is over
 *   its rate, reading stops and the rest of the input stays as it came, undecoded;
 * - **the rate**: one message token and its bytes per frame, partial frames' bytes too, checked
 *   before each frame is decoded;
 * - **the outbound queue**: {@link send} counts the bytes and drops a reader whose unread backlog
 *   passes `limits.maxQueuedBytes`;
 * - **timers on the core's clock**, one timer-wheel entry per connection at most: a deadline
 *   ({@link setDeadline}: a hello or login timeout), an idle timeout ({@link setIdleTimeout}, reset
 *   by input without touching the wheel), and the close grace;
 * - **graceful close** ({@link close}) with the runtime's grace, and the counters.
 */
export abstract class Connection<Frame, Farewell = unknown>
  implements SessionSink, TransportReceiver, RuntimeConnection, WheelEntry
{
  protected readonly runtime: ConnectionRuntime<Farewell>;
  protected readonly transport: Transport<Farewell>;
  readonly #session: Session | null;
  readonly #reader: FrameReader<Frame>;
  #state = 0;
  #bucket: TokenBucket | null = null;
  /** The input being decoded, from `#inputAt`; later inputs wait in `#queued`. */
  #input: Buffer | null = null;
  #inputAt = 0;
  #queued: Buffer[] | null = null;
  /** Bytes read and not yet paid to the byte budget. */
  #unpaid = 0;
  #rateWait: CancelTimer | null = null;
  /** When the deadline falls (ms on the clock), 0 for none. */
  #deadlineAt = 0;
  #deadlineTag = '';
  #idleMs = 0;
  #idleTag = '';
  #lastInputAt = 0;
  /** @internal When the connection's one timer is due: the connection is its own wheel entry. */
  wheelDeadline = 0;

  /**
   * Admits the connection (or refuses it) and starts reading. `address` is the client's, from the
   * edge (a trusted proxy's word, else the peer's).
   */
  constructor(
    runtime: ConnectionRuntime<Farewell>,
    transport: Transport<Farewell>,
    address: string,
    reader: FrameReader<Frame>,
  ) {
    this.runtime = runtime;
    this.transport = transport;
    this.#reader = reader;
    this.#session = runtime.open(address, this);
    transport.attach(this);
    if (this.#session === null) {
      this.close(runtime.refusal);
      return;
    }
    runtime.track(this);
  }

  /** The connection's session. Only used once admitted: hooks never run for a refused connection. */
  protected get session(): Session {
    return this.#session as Session;
  }

  /** False for a connection a connection limit refused. */
  get admitted(): boolean {
    return this.#session !== null;
  }

  /** True once the connection handles no more input (closing, closed, or dropped). */
  get finished(): boolean {
    return (this.#state & FINISHED) !== 0;
  }

  // ——— what a protocol implements ———

  /**
   * Handles one frame. Return a promise to hold later input until it settles (a claim, a store
   * answer); a rejection is {@link onFailure}.
   */
  protected abstract onFrame(frame: Frame): Promise<unknown> | undefined;

  /** A message for this connection (SessionSink). Encode it once per message where possible. */
  abstract deliver(message: ChatMessage): void;

  /** Whether a frame costs a message token (every frame's bytes always count). */
  protected isMessage(_frame: Frame): boolean {
    return true;
  }

  /** The input broke the codec's rules (a frame over the limit): counted as oversized and dropped. */
  protected onInvalidInput(): void {
    this.runtime.stats.oversized += 1;
    this.drop();
  }

  /** More inputs waited than `maxQueuedInputs` (a flood of tiny WebSocket frames): dropped. */
  protected onInputOverflow(): void {
    this.drop();
  }

  /**
   * The client stopped sending and everything it sent is handled. The default closes gracefully
   * (answers already written still reach a half-closed client).
   */
  protected onInputDrained(): void {
    this.close();
  }

  /** A timer set with {@link setDeadline} or {@link setIdleTimeout} fired. The default drops. */
  protected onTimeout(_tag: string): void {
    this.drop();
  }

  /** A frame's handler threw or its promise rejected: logged and dropped. */
  protected onFailure(error: unknown): void {
    this.runtime.logger.error({ err: error }, 'a connection failed');
    this.drop();
  }

  /** The transport is closed and the session released: for a protocol's own cleanup. */
  protected onClosed(): void {}

  /** SessionSink: a newer claim took the guest name. The default drops. */
  replaced(): void {
    this.drop();
  }

  /** SessionSink: an administrator disconnected the name. The default shuts down gracefully. */
  disconnected(): void {
    this.shutdown();
  }

  /** The gateway is stopping: tell the client in the protocol's way and close. The default just closes. */
  shutdown(): void {
    this.close();
  }

  // ——— what a protocol uses ———

  /**
   * Writes one whole frame (bytes, a line, a message). `bytes` is its size when the caller knows it.
   * A reader whose backlog passes the limit is dropped. False when nothing could be written.
   */
  protected send(data: Buffer | string, bytes?: number): boolean {
    if ((this.#state & CLOSING) !== 0 || !this.transport.writable) return false;
    this.transport.write(data);
    const stats = this.runtime.stats;
    stats.bytesOut += bytes ?? (typeof data === 'string' ? Buffer.byteLength(data) : data.length);
    if (this.transport.bufferedBytes > this.runtime.limits.maxQueuedBytes) {
      stats.slowReaderDrops += 1;
      this.drop();
      return false;
    }
    return true;
  }

  /** Holds later input until `work` settles, as a frame returning a promise does. */
  protected hold(work: Promise<unknown>): void {
    if ((this.#state & FINISHED) !== 0) {
      // Nothing waits for it any more, but its failure must not go unhandled (and end the process).
      work.then(undefined, (error: unknown) =>
        this.runtime.logger.debug({ err: error }, 'a frame of a closed connection failed'),
      );
      return;
    }
    this.#state |= BUSY;
    this.#updateFlow();
    work.then(
      () => this.#release(),
      (error: unknown) => {
        // The failure first: input after a failed frame is not handled before the connection hears of it.
        if ((this.#state & FINISHED) === 0) this.onFailure(error);
        this.#release();
      },
    );
  }

  /** Fires {@link onTimeout}(`tag`) once, `ms` from now, unless cleared or replaced. */
  protected setDeadline(ms: number, tag: string): void {
    if ((this.#state & FINISHED) !== 0) return;
    this.#deadlineAt = this.runtime.clock.now() + ms;
    this.#deadlineTag = tag;
    this.#arm();
  }

  protected clearDeadline(): void {
    this.#deadlineAt = 0;
    this.#arm();
  }

  /**
   * Starts listening for the peer: {@link heard} is false until input comes (a frame or part of
   * one, or a WebSocket ping or pong). For a keepalive that pings, then checks for an answer when
   * it is due (a time would not do: the answer may come within the same millisecond).
   */
  protected awaitInput(): void {
    this.#state &= ~HEARD;
  }

  /** Whether input came since the last {@link awaitInput}. */
  protected get heard(): boolean {
    return (this.#state & HEARD) !== 0;
  }

  /**
   * Fires {@link onTimeout}(`tag`) after `ms` without input (then again after another `ms`); 0 turns
   * it off. Input resets it with a field write, so the hot path never touches the timer wheel.
   */
  protected setIdleTimeout(ms: number, tag: string): void {
    if ((this.#state & FINISHED) !== 0) return;
    this.#idleMs = ms;
    this.#idleTag = tag;
    this.#lastInputAt = this.runtime.clock.now();
    this.#arm();
  }

  /**
   * Graceful close: no more input is handled and the session is released; `farewell` (the
   * protocol's goodbye) goes out after what is already written, and a peer that does not close
   * its side within the runtime's grace is destroyed.
   */
  close(farewell?: Farewell): void {
    if ((this.#state & CLOSING) !== 0) return;
    this.#finish();
    this.#state |= CLOSING;
    if ((this.#state & CLOSED) !== 0) return;
    this.transport.end(farewell);
    // What still comes is read and discarded, so unread input does not turn the close into a reset.
    if ((this.#state & PAUSED) !== 0) {
      this.#state &= ~PAUSED;
      this.transport.resume();
    }
    this.#schedule(this.runtime.closeGraceMs);
  }

  /** Closes at once, dropping what is unwritten. */
  drop(): void {
    this.#finish();
    this.#state |= CLOSING;
    if ((this.#state & CLOSED) === 0) this.transport.destroy();
  }

  // ——— TransportReceiver: the transport's events ———

  /** @internal */
  received(data: Buffer): void {
    this.runtime.stats.bytesIn += data.length;
    if ((this.#state & FINISHED) !== 0) return;
    this.#state |= HEARD;
    if (this.#idleMs !== 0 && !this.runtime.idleResetByFrames) this.#lastInputAt = this.runtime.clock.now();
    if (this.#input === null && this.#queued === null) {
      this.#input = data;
      this.#inputAt = 0;
    } else {
      if (this.#queued === null) this.#queued = [];
      const queued = this.#queued;
      if (queued.length >= this.runtime.maxQueuedInputs) {
        this.#discardInput();
        this.onInputOverflow();
        return;
      }
      queued.push(data);
    }
    if ((this.#state & HELD) === 0) {
      this.runtime.beginTurn();
      this.#pump();
    } else if ((this.#state & PAUSED) === 0) {
      this.#updateFlow();
    }
  }

  /** @internal */
  receivedControl(bytes: number): void {
    if ((this.#state & FINISHED) !== 0) return;
    this.#state |= HEARD;
    if (this.#idleMs !== 0 && !this.runtime.idleResetByFrames) this.#lastInputAt = this.runtime.clock.now();
    const bucket = this.#budget();
    if (!bucket.take(bytes) && (this.#state & WAITING) === 0) this.#waitForRate();
  }

  /** @internal */
  inputEnded(): void {
    this.#state |= INPUT_ENDED;
    if ((this.#state & FINISHED) !== 0) return;
    if ((this.#state & WAITING) !== 0 && !this.runtime.drainAfterEnd) this.drop();
    else if ((this.#state & HELD) === 0) this.#pump();
  }

  /** @internal */
  drained(): void {
    if ((this.#state & DRAINING) === 0) return;
    this.#state &= ~DRAINING;
    if ((this.#state & FINISHED) !== 0) return;
    this.runtime.beginTurn();
    this.#pump();
  }

  /** @internal */
  closed(): void {
    if ((this.#state & CLOSED) !== 0) return;
    this.#state |= CLOSED | CLOSING;
    this.#finish();
    this.runtime.timers.disarm(this);
    this.runtime.untrack(this);
    this.onClosed();
  }

  /** @internal */
  failed(error: Error): void {
    this.runtime.logger.debug({ err: error }, 'connection error');
  }

  // ——— the input pump ———

  /** Decodes and handles frames until the input runs out or a wait begins. */
  #pump(): void {
    const reader = this.#reader;
    // Made on the first input: a client that never sends (a sessions client, once named) needs none.
    let bucket: TokenBucket | null = null;
    const runtime = this.runtime;
    while ((this.#state & (HELD | FINISHED)) === 0) {
      let input = this.#input;
      if (input === null) {
        input = this.#nextQueued();
        if (input === null) break;
      }
      bucket ??= this.#budget();
      if (bucket.exhausted) {
        this.#waitForRate();
        break;
      }
      if (runtime.turnOver) {
        this.#yieldTurn();
        break;
      }
      if (runtime.maxUnreadBytes !== 0 && this.transport.bufferedBytes > runtime.maxUnreadBytes) {
        if (this.#waitForDrain()) break;
      }
      const from = this.#inputAt;
      const frame = reader.next(input, from);
      const at = reader.offset;
      this.#unpaid += at - from;
      if (at < input.length) this.#inputAt = at;
      else this.#input = null;
      if (frame !== null) {
        this.#handle(frame, bucket);
      } else if (reader.failed) {
        this.#discardInput();
        this.onInvalidInput();
        return;
      } else if (this.#unpaid !== 0) {
        // Bytes of a frame still arriving count too, so a slow giant frame is held to the byte rate.
        bucket.charge(this.#unpaid);
        this.#unpaid = 0;
      }
    }
    this.#updateFlow();
  }

  #handle(frame: Frame, bucket: TokenBucket): void {
    if (this.isMessage(frame)) bucket.take(this.#unpaid);
    else bucket.charge(this.#unpaid);
    this.#unpaid = 0;
    if (this.#idleMs !== 0 && this.runtime.idleResetByFrames) this.#lastInputAt = this.runtime.clock.now();
    let pending: Promise<unknown> | undefined;
    try {
      pending = this.onFrame(frame);
    } catch (error) {
      this.onFailure(error);
      return;
    }
    if (pending instanceof Promise) this.hold(pending);
  }

  /** The rate budget, made on first use (a connection refused or closed early never needs one). */
  #budget(): TokenBucket {
    if (this.#bucket === null) this.#bucket = this.runtime.rateLimiter();
    return this.#bucket;
  }

  #nextQueued(): Buffer | null {
    const queued = this.#queued;
    if (queued === null || queued.length === 0) return null;
    // Queues stay short (reading pauses at once), so shifting is cheaper than a ring buffer's state.
    const next = queued.shift() as Buffer;
    if (queued.length === 0) this.#queued = null;
    this.#input = next;
    this.#inputAt = 0;
    return next;
  }

  #release(): void {
    this.#state &= ~BUSY;
    if ((this.#state & FINISHED) === 0) this.#pump();
  }

  /** Stops reading until the budget is back; a client that has gone is not waited for unless draining. */
  #waitForRate(): void {
    this.runtime.stats.rateLimited += 1;
    if (!this.runtime.drainAfterEnd && ((this.#state & INPUT_ENDED) !== 0 || this.transport.peerEnded)) {
      this.drop();
      return;
    }
    this.#state |= WAITING;
    const bucket = this.#bucket as TokenBucket;
    this.#rateWait = this.runtime.clock.setTimeout(
      () => this.#rateWaitOver(),
      Math.max(MIN_RATE_WAIT_MS, bucket.msUntilNext()),
    );
    this.#updateFlow();
  }

  #rateWaitOver(): void {
    this.#rateWait = null;
    this.#state &= ~WAITING;
    if (!this.runtime.drainAfterEnd && this.transport.peerEnded) {
      this.drop();
      return;
    }
    this.runtime.beginTurn();
    this.#pump();
  }

  /** The others are served before this connection goes on (see `turnMs`). */
  #yieldTurn(): void {
    this.#state |= YIELDING;
    setImmediate(() => {
      this.#state &= ~YIELDING;
      if ((this.#state & FINISHED) !== 0) return;
      this.runtime.beginTurn();
      this.#pump();
    });
  }

  /** The peer does not take its answers: input waits until it does (see `maxUnreadBytes`). */
  #waitForDrain(): boolean {
    const transport = this.transport;
    if (transport.notifyDrained === undefined) return false;
    this.#state |= DRAINING;
    transport.notifyDrained();
    return true;
  }

  /** Pauses reading while held, resumes when not; calls {@link onInputDrained} once input is done. */
  #updateFlow(): void {
    const state = this.#state;
    if ((state & FINISHED) !== 0) return;
    if ((state & HELD) !== 0) {
      // An answer pending with nothing read behind it does not stop reading yet: most settle
      // within the turn (a local delivery), and pausing and resuming a socket for each such frame
      // costs more than the frame. Reading stops as soon as input arrives while it waits.
      const stop = (state & HELD) !== BUSY || this.#input !== null || this.#queued !== null;
      if (stop && (state & PAUSED) === 0) {
        this.#state |= PAUSED;
        this.transport.pause();
      }
      return;
    }
    if ((state & PAUSED) !== 0) {
      this.#state &= ~PAUSED;
      this.transport.resume();
    }
    if ((state & INPUT_ENDED) !== 0 && this.#input === null && this.#queued === null) this.onInputDrained();
  }

  #discardInput(): void {
    this.#input = null;
    this.#queued = null;
    this.#unpaid = 0;
  }

  /** No more input; timers and waits cancelled; the session released. Idempotent. */
  #finish(): void {
    if ((this.#state & FINISHED) !== 0) return;
    this.#state |= FINISHED;
    this.#discardInput();
    this.#rateWait?.();
    this.#rateWait = null;
    this.#deadlineAt = 0;
    this.#idleMs = 0;
    this.runtime.timers.disarm(this);
    this.#session?.close();
  }

  // ——— the one timer ———

  /** Points the connection's timer at the nearest of its deadline and idle expiry. */
  #arm(): void {
    if ((this.#state & CLOSING) !== 0) return;
    let due = Number.POSITIVE_INFINITY;
    if (this.#deadlineAt !== 0) due = this.#deadlineAt;
    if (this.#idleMs !== 0) due = Math.min(due, this.#lastInputAt + this.#idleMs);
    if (due === Number.POSITIVE_INFINITY) {
      this.runtime.timers.disarm(this);
      return;
    }
    this.#schedule(Math.max(0, due - this.runtime.clock.now()));
  }

  #schedule(ms: number): void {
    this.runtime.timers.arm(this, ms);
  }

  /** @internal The timer wheel's call: a deadline, the idle timeout or the close grace is due. */
  wheelFired(): void {
    if ((this.#state & CLOSING) !== 0) {
      // The close grace is over: the peer did not close its side.
      if ((this.#state & CLOSED) === 0) this.transport.destroy();
      return;
    }
    const now = this.runtime.clock.now();
    if (this.#deadlineAt !== 0 && now >= this.#deadlineAt) {
      this.#deadlineAt = 0;
      this.onTimeout(this.#deadlineTag);
    } else if (this.#idleMs !== 0 && now >= this.#lastInputAt + this.#idleMs) {
      // The next idle period starts now (a keepalive pings once per period, not every tick).
      this.#lastInputAt = now;
      this.onTimeout(this.#idleTag);
    }
    this.#arm();
  }
}

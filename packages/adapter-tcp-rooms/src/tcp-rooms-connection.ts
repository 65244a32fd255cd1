import type { Socket } from 'node:net';
import {
  type CancelTimer,
  type ChatMessage,
  type CoarseTimer,
  isServiceUnavailable,
  type Session,
  type SessionSink,
  type TokenBucket,
} from '@switchboard/core';
import { type LineHandler, LineSplitter } from './tcp-rooms-codec.ts';
import { ChatCommands } from './tcp-rooms-commands.ts';
import type { LineMode, TcpRoomsContext, TcpRoomsLink } from './tcp-rooms-link.ts';
import { LoginDialogue } from './tcp-rooms-login.ts';
import { refusals, replies } from './tcp-rooms-replies.ts';

/** Marks an over-long line (it is answered, never executed). */
const TOO_LONG = Symbol('too long');
type FoundLine = string | typeof TOO_LONG;

/**
 * Event-loop time one connection may take in one go before it yields to the others: lines that
 * run at once (or on a store that answers in a microtask) cannot hold the loop for a whole burst,
 * however costly each is (a broadcast to a big room). Time, not a count, so cheap lines stay fast.
 */
const TURN_MS = 4;
/**
 * Answers queued for a client that does not read them, beyond which its input waits: replies
 * cannot pile up for it (an empty line in the dialogue costs 1 byte and answers 44).
 */
const REPLY_BACKLOG_BYTES = 64 * 1024;
/** How long a closed-by-us connection may linger before it is destroyed. */
const END_GRACE_MS = 2_000;

/** A mode for a connection that is closing: everything it still sends is ignored. */
const closedMode: LineMode = { line() {}, tooLong() {} };

/**
 * One tcp-rooms client: bytes → lines, run strictly in order by the current mode (login
 * dialogue, then chat), and chat messages from the hub → one write per line.
 *
 * Input is decoded one line at a time, only when that line can run: while a command waits (a
 * store, a password check), while over the rate, while the client leaves its answers unread, or
 * after its share of the event loop, the rest stays raw (one socket read at most) and the socket is
 * paused. So nothing decoded piles up, and once the connection closes nothing of it runs.
 */
export class TcpRoomsConnection implements SessionSink, TcpRoomsLink, LineHandler {
  readonly context: TcpRoomsContext;
  readonly #socket: Socket;
  readonly #session: Session;
  readonly #splitter: LineSplitter;
  readonly #bucket: TokenBucket;
  readonly #closed: Promise<void>;
  #mode: LineMode = closedMode;
  /** The socket read being worked through, from `#offset`; null once all of it is split. */
  #unread: Buffer | null = null;
  #offset = 0;
  /** What the splitter just found: it is asked for one line at a time. */
  #found: FoundLine | null = null;
  /** A line found and not yet run (its turn or its rate has not come), with its bytes. */
  #held: FoundLine | null = null;
  #heldBytes = 0;
  /** A command is waiting for its answer: the next line waits for it. */
  #busy = false;
  /** When this connection's current go on the event loop began. */
  #turnStarted = 0;
  #inputEnded = false;
  #ending = false;
  /** Set while the connection is over its rate: nothing is read or run until it fires. */
  #rateTimer: CancelTimer | null = null;
  #waitingForDrain = false;
  #yielded: NodeJS.Immediate | null = null;
  #loginTimer: CoarseTimer | null;
  #graceTimer: CoarseTimer | null = null;

  constructor(socket: Socket, session: Session, context: TcpRoomsContext) {
    this.context = context;
    this.#socket = socket;
    this.#session = session;
    this.#splitter = new LineSplitter(context.options.maxLineBytes);
    this.#bucket = context.hub.rateLimiter();
    this.#closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('end', () => this.#onInputEnd());
    socket.on('error', (error) => context.logger.debug({ err: error }, 'tcp-rooms socket error'));
    socket.on('close', () => this.#onClose());
    // From the connection on, not per prompt: answering prompts wrongly cannot hold a slot forever.
    this.#loginTimer = context.hub.timers.schedule(context.options.loginTimeoutMs, () =>
      this.hangUp(replies.loginTimedOut),
    );
    const dialogue = new LoginDialogue(this);
    this.#mode = dialogue;
    dialogue.start();
  }

  get session(): Session {
    return this.#session;
  }

  /** Resolves once the socket is fully closed. */
  get closed(): Promise<void> {
    return this.#closed;
  }

  // ---- TcpRoomsLink ----------------------------------------------------------------------------

  say(line: string): void {
    if (!this.#ending) this.#write(`${line}\n`);
  }

  hangUp(lastLine: string): void {
    if (this.#ending) return;
    this.#write(`${lastLine}\n`);
    this.#end();
  }

  enterChat(): void {
    if (this.#ending) return;
    this.#loginTimer?.cancel();
    this.#loginTimer = null;
    this.#mode = new ChatCommands(this);
  }

  // ---- SessionSink -------------------------------------------------------------------------------

  deliver(message: ChatMessage): void {
    if (!this.#ending) this.#write(message.encoded(this.context.encodeMessage));
  }

  /** Only guest names are taken over, and tcp-rooms users are registered; kept for the contract. */
  replaced(): void {
    this.#end();
  }

  /** An administrator disconnected this user: say so, then close. */
  disconnected(): void {
    this.hangUp(replies.disconnected);
  }

  // ---- LineHandler (from the splitter, one line per feed) ---------------------------------------

  line(text: string): void {
    this.#found = text;
  }

  tooLong(): void {
    this.#session.stats.oversized += 1;
    this.#found = TOO_LONG;
  }

  /** Graceful stop of the server: tell the client, then close. */
  shutdown(): Promise<void> {
    this.hangUp(replies.shuttingDown);
    return this.#closed;
  }

  destroy(): void {
    this.#stop();
    this.#socket.destroy();
  }

  // ---- input -------------------------------------------------------------------------------------

  #onData(chunk: Buffer): void {
    this.#session.stats.bytesIn += chunk.length;
    // A closing connection keeps reading (and ignoring) input so the client's EOF is seen.
    if (this.#ending) return;
    if (this.#unread === null) {
      this.#unread = chunk;
    } else {
      // Not expected (the socket is paused while bytes are left), but never lose a byte.
      this.#unread = Buffer.concat([this.#unread.subarray(this.#offset), chunk]);
    }
    this.#offset = 0;
    this.#turnStarted = performance.now();
    this.#pump();
  }

  /** Splits and runs lines until one waits, a limit says stop, or the read is used up. */
  #pump(): void {
    while (!this.#ending && !this.#busy && !this.#waiting) {
      if (this.#held === null && !this.#split()) return;
      // One message and its bytes; the byte budget may go into debt so one largest line passes.
      if (!this.#bucket.take(this.#heldBytes)) {
        this.#waitForRate();
        return;
      }
      const line = this.#held!;
      this.#held = null;
      this.#run(line);
    }
  }

  /** Finds the next line into `#held`; false when it cannot (and reading waits, or goes on). */
  #split(): boolean {
    for (;;) {
      const unread = this.#unread;
      if (unread === null) {
        this.#readMore();
        return false;
      }
      if (performance.now() - this.#turnStarted > TURN_MS) {
        this.#yieldTurn();
        return false;
      }
      // (Past the backlog a write has said "wait", so `drain` will come.)
      if (this.#socket.writableLength > REPLY_BACKLOG_BYTES && this.#socket.writableNeedDrain) {
        this.#waitForDrain();
        return false;
      }
      const start = this.#offset;
      const end = this.#splitter.feed(unread, start, this, 1);
      if (end >= unread.length) this.#unread = null;
      else this.#offset = end;
      const found = this.#found;
      if (found !== null) {
        this.#found = null;
        this.#held = found;
        this.#heldBytes = end - start;
        return true;
      }
      // Part of a line (or of one too long): its bytes count against the rate all the same.
      this.#bucket.charge(end - start);
      if (this.#bucket.exhausted) {
        this.#waitForRate();
        return false;
      }
    }
  }

  get #waiting(): boolean {
    return this.#rateTimer !== null || this.#waitingForDrain || this.#yielded !== null;
  }

  #run(found: FoundLine): void {
    let pending: void | Promise<void>;
    try {
      pending = found === TOO_LONG ? this.#mode.tooLong() : this.#mode.line(found);
    } catch (error) {
      this.#fail(error);
      return;
    }
    if (!pending) return;
    this.#busy = true;
    this.#socket.pause();
    pending.then(
      () => {
        this.#busy = false;
        this.#pump();
      },
      (error: unknown) => {
        this.#busy = false;
        this.#fail(error);
      },
    );
  }

  /** Everything read has run: read on, or close once the client has said all it will. */
  #readMore(): void {
    if (this.#inputEnded) this.#end();
    else if (this.#socket.isPaused()) this.#socket.resume();
  }

  #onInputEnd(): void {
    // The client sent everything it will send: answer what is left, then close our side.
    this.#inputEnded = true;
    this.#pump();
  }

  /** Over the rate (messages or bytes): stop reading until it is back under. Nothing is lost. */
  #waitForRate(): void {
    this.#session.stats.rateLimited += 1;
    this.#socket.pause();
    this.#rateTimer = this.context.hub.clock.setTimeout(
      () => {
        this.#rateTimer = null;
        this.#turnStarted = performance.now();
        this.#pump();
      },
      Math.max(1, this.#bucket.msUntilNext()),
    );
  }

  /** The client does not read its answers: its next lines wait until it does. */
  #waitForDrain(): void {
    this.#waitingForDrain = true;
    this.#socket.pause();
    this.#socket.once('drain', () => {
      this.#waitingForDrain = false;
      this.#turnStarted = performance.now();
      this.#pump();
    });
  }

  /** This connection had its share of the turn: the others are served before it goes on. */
  #yieldTurn(): void {
    this.#socket.pause();
    this.#yielded = setImmediate(() => {
      this.#yielded = null;
      this.#turnStarted = performance.now();
      this.#pump();
    });
  }

  // ---- output and closing -----------------------------------------------------------------------

  /** One write per line; a client that lets too much pile up is dropped, nobody else waits. */
  #write(data: string | Buffer): void {
    const socket = this.#socket;
    socket.write(data);
    this.#session.stats.bytesOut += typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    if (socket.writableLength > this.context.hub.limits.maxQueuedBytes) {
      this.#session.stats.slowReaderDrops += 1;
      this.destroy();
    }
  }

  #fail(error: unknown): void {
    // A store or cluster outage: the hub warns once per interval; the client is told plainly.
    if (isServiceUnavailable(error)) {
      this.hangUp(refusals.SERVICE_UNAVAILABLE());
      return;
    }
    this.context.logger.error({ err: error }, 'tcp-rooms command failed');
    this.hangUp(replies.serverError);
  }

  #end(): void {
    if (this.#ending) return;
    this.#stop();
    this.#socket.end();
    this.#socket.resume();
    this.#graceTimer = this.context.hub.timers.schedule(END_GRACE_MS, () => this.#socket.destroy());
  }

  /**
   * From here on nothing the client sent runs or counts: what was read and not yet run is
   * dropped, and a command still waiting for its answer finds the connection closing.
   */
  #stop(): void {
    this.#ending = true;
    this.#mode = closedMode;
    this.#unread = null;
    this.#found = null;
    this.#held = null;
    this.#rateTimer?.();
    this.#rateTimer = null;
    if (this.#yielded) clearImmediate(this.#yielded);
    this.#yielded = null;
    this.#loginTimer?.cancel();
    this.#loginTimer = null;
    this.#session.close();
  }

  #onClose(): void {
    this.#stop();
    this.#graceTimer?.cancel();
  }
}

import type { Socket } from 'node:net';
import type {
  CancelTimer,
  ChatMessage,
  CoarseTimer,
  Session,
  SessionSink,
  TokenBucket,
} from '@switchboard/core';
import { type LineHandler, LineSplitter } from './tcp-rooms-codec.ts';
import { ChatCommands } from './tcp-rooms-commands.ts';
import type { LineMode, TcpRoomsContext, TcpRoomsLink } from './tcp-rooms-link.ts';
import { LoginDialogue } from './tcp-rooms-login.ts';
import { replies } from './tcp-rooms-replies.ts';

/** Marks an over-long line in the queue (it is answered, never executed). */
const TOO_LONG = Symbol('too long');
type QueuedLine = string | typeof TOO_LONG;

/** Lines waiting behind an async command before reading stops; a flood can't grow memory. */
const MAX_QUEUED_LINES = 64;
/** How long a closed-by-us connection may linger before it is destroyed. */
const END_GRACE_MS = 2_000;

/** A mode for a connection that is closing: everything it still sends is ignored. */
const closedMode: LineMode = { line() {}, tooLong() {} };

/**
 * One tcp-rooms client: bytes → lines → a queue processed strictly in order by the current
 * mode (login dialogue, then chat), and chat messages from the hub → one write per line.
 */
export class TcpRoomsConnection implements SessionSink, TcpRoomsLink, LineHandler {
  readonly context: TcpRoomsContext;
  readonly #socket: Socket;
  readonly #session: Session;
  readonly #splitter: LineSplitter;
  readonly #bucket: TokenBucket;
  readonly #closed: Promise<void>;
  #mode: LineMode = closedMode;
  readonly #queue: QueuedLine[] = [];
  #head = 0;
  #busy = false;
  #inputEnded = false;
  #ending = false;
  /** Set while the connection is over its message rate: nothing is read or run until it fires. */
  #rateTimer: CancelTimer | null = null;
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
    if (!this.#ending) this.#mode = new ChatCommands(this);
  }

  // ---- SessionSink -------------------------------------------------------------------------------

  deliver(message: ChatMessage): void {
    if (!this.#ending) this.#write(message.encoded(this.context.encodeMessage));
  }

  /** Only guest names are taken over, and tcp-rooms users are registered; kept for the contract. */
  replaced(): void {
    this.#end();
  }

  // ---- LineHandler (from the splitter) ------------------------------------------------------------

  line(text: string): void {
    this.#enqueue(text);
  }

  tooLong(): void {
    this.#enqueue(TOO_LONG);
  }

  /** Graceful stop of the server: tell the client, then close. */
  shutdown(): Promise<void> {
    this.hangUp(replies.shuttingDown);
    return this.#closed;
  }

  destroy(): void {
    this.#ending = true;
    this.#session.close();
    this.#socket.destroy();
  }

  // ---- input -------------------------------------------------------------------------------------

  #onData(chunk: Buffer): void {
    if (this.#ending) return;
    this.#splitter.push(chunk, this);
    this.#updateReading();
  }

  #enqueue(item: QueuedLine): void {
    if (this.#ending) return;
    this.#queue.push(item);
    if (!this.#busy && this.#rateTimer === null) this.#drain();
  }

  /**
   * Runs queued lines in order, one token of the rate limit each; an async line holds the rest
   * back until it settles.
   */
  #drain(): void {
    while (!this.#busy && this.#rateTimer === null && this.#head < this.#queue.length) {
      if (!this.#bucket.take()) {
        this.#waitForRate();
        return;
      }
      const item = this.#queue[this.#head]!;
      this.#head += 1;
      let pending: void | Promise<void>;
      try {
        pending = item === TOO_LONG ? this.#mode.tooLong() : this.#mode.line(item);
      } catch (error) {
        this.#fail(error);
        return;
      }
      if (pending) {
        this.#busy = true;
        pending.then(
          () => {
            this.#busy = false;
            this.#drain();
          },
          (error: unknown) => this.#fail(error),
        );
        return;
      }
    }
    if (this.#head > 0 && this.#head >= this.#queue.length) {
      this.#queue.length = 0;
      this.#head = 0;
    }
    if (this.#inputEnded && this.#queue.length === 0) this.#end();
    else this.#updateReading();
  }

  #onInputEnd(): void {
    // The client sent everything it will send: answer what is queued, then close our side.
    this.#inputEnded = true;
    if (!this.#busy && this.#head >= this.#queue.length) this.#end();
  }

  /**
   * Over the rate limit: stop reading until a token is due. The lines already read wait in the
   * queue (at most one socket read's worth), so nothing is lost and the rate holds exactly.
   */
  #waitForRate(): void {
    this.context.hub.stats.rateLimited += 1;
    this.#socket.pause();
    this.#rateTimer = this.context.hub.clock.setTimeout(
      () => {
        this.#rateTimer = null;
        this.#drain();
      },
      Math.max(1, this.#bucket.msUntilNext()),
    );
  }

  #updateReading(): void {
    // A closing connection keeps reading (and ignoring) input so the client's EOF is seen.
    if (this.#ending) return;
    const stop = this.#rateTimer !== null || this.#queue.length - this.#head >= MAX_QUEUED_LINES;
    if (stop) this.#socket.pause();
    else if (this.#socket.isPaused()) this.#socket.resume();
  }

  // ---- output and closing -----------------------------------------------------------------------

  /** One write per line; a client that lets too much pile up is dropped, nobody else waits. */
  #write(data: string | Buffer): void {
    const socket = this.#socket;
    socket.write(data);
    if (socket.writableLength > this.context.hub.limits.maxQueuedBytes) {
      this.context.hub.stats.slowReaderDrops += 1;
      this.destroy();
    }
  }

  #fail(error: unknown): void {
    this.context.logger.error({ err: error }, 'tcp-rooms command failed');
    this.hangUp(replies.serverError);
  }

  #end(): void {
    if (this.#ending) return;
    this.#ending = true;
    this.#mode = closedMode;
    this.#queue.length = 0;
    this.#head = 0;
    this.#session.close();
    this.#socket.end();
    this.#socket.resume();
    this.#graceTimer = this.context.hub.timers.schedule(END_GRACE_MS, () => this.#socket.destroy());
  }

  #onClose(): void {
    this.#ending = true;
    this.#rateTimer?.();
    this.#rateTimer = null;
    this.#graceTimer?.cancel();
    this.#session.close();
  }
}

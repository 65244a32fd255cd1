import type { Socket } from 'node:net';
import {
  type ChatMessage,
  type CoarseTimer,
  checkTextName,
  type Hub,
  type Logger,
  Name,
  type Session,
  type SessionSink,
  type TokenBucket,
} from '@switchboard/core';
import { formatDelivery, parseLine } from './line-chat-codec.ts';

/** Encoded once per message for all line-chat recipients (`message.encoded` caches per encoder). */
const encodeDirect = (message: ChatMessage) =>
  Buffer.from(formatDelivery(true, message.sender.text, message.text));
const encodeMain = (message: ChatMessage) =>
  Buffer.from(formatDelivery(false, message.sender.text, message.text));

/**
 * One client. Lines are handled strictly one at a time: while the name claim or the rate limit
 * holds a line, reading pauses, so a client can never make the server buffer more than one
 * chunk of its input.
 */
export class LineChatConnection implements SessionSink {
  readonly #socket: Socket;
  readonly #hub: Hub;
  readonly #logger: Logger;
  readonly #maxLineBytes: number;
  readonly #bucket: TokenBucket;
  readonly #session: Session | null;
  readonly #nameDeadline: CoarseTimer | null = null;
  /** Bytes read and not yet split into lines. */
  #pending: Buffer = Buffer.alloc(0);
  #named = false;
  #waiting = false;
  #finished = false;

  constructor(
    socket: Socket,
    hub: Hub,
    logger: Logger,
    options: { maxLineBytes: number; nameTimeoutMs: number },
    address: string,
  ) {
    this.#socket = socket;
    this.#hub = hub;
    this.#logger = logger;
    this.#maxLineBytes = options.maxLineBytes;
    this.#bucket = hub.rateLimiter();
    socket.on('error', (error) => logger.debug({ err: error }, 'line-chat connection error'));
    // The hub counts the connection and applies the per-address limits: null means refused.
    this.#session = hub.open('line-chat', address, this);
    if (!this.#session) {
      socket.destroy();
      return;
    }
    // Timers on the hub's wheel run on the core's clock, so tests can drive them.
    this.#nameDeadline = hub.timers.schedule(options.nameTimeoutMs, () => this.#fail('no name in time'));
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('close', () => this.#finish());
  }

  // ---- what the hub calls ----------------------------------------------------------------

  deliver(message: ChatMessage): void {
    if (!this.#socket.writable) return;
    this.#socket.write(message.encoded(message.direct ? encodeDirect : encodeMain));
    // A client that stops reading must not make the server hold its deliveries without bound.
    if (this.#socket.writableLength > this.#hub.limits.maxQueuedBytes) {
      this.#hub.stats.slowReaderDrops += 1;
      this.#drop();
    }
  }

  replaced(): void {
    this.#fail('your name was taken by a newer connection');
  }

  /** Graceful stop: say so, flush what is queued, close. */
  shutdown(): void {
    this.#fail('server shutting down');
  }

  // ---- what the client sends -------------------------------------------------------------

  #onData(chunk: Buffer): void {
    if (this.#finished) return;
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    this.#pump();
  }

  /** Handles whole lines until none is left or one must wait (claim, rate limit). */
  #pump(): void {
    while (!this.#finished && !this.#waiting) {
      const newline = this.#pending.indexOf(0x0a);
      if (newline < 0) {
        if (this.#pending.length >= this.#maxLineBytes) this.#fail('line too long');
        break;
      }
      if (newline + 1 > this.#maxLineBytes) {
        this.#fail('line too long');
        return;
      }
      // Invalid UTF-8 reads as U+FFFD, as every protocol shows it.
      const line = this.#pending.toString('utf8', 0, newline).replace(/\r$/, '');
      this.#pending = this.#pending.subarray(newline + 1);
      this.#onLine(line, newline + 1);
    }
    if (this.#waiting) this.#socket.pause();
    else if (!this.#finished) this.#socket.resume();
  }

  #onLine(line: string, bytes: number): void {
    if (!this.#named) {
      this.#claim(line);
      return;
    }
    const command = parseLine(line);
    const session = this.#session!;
    if (command.kind === 'direct') {
      if (checkTextName(command.to) === null) {
        session.sendDirect([Name.fromText(command.to)], command.text).catch((error: unknown) => {
          this.#logger.warn({ err: error }, 'line-chat send failed');
        });
      }
    } else {
      session.broadcast(command.text);
    }
    // Over the rate the line is still sent; reading waits until the budget is back.
    if (!this.#bucket.take(bytes)) this.#wait(() => this.#bucket.take());
  }

  #claim(name: string): void {
    this.#named = true;
    this.#nameDeadline?.cancel();
    if (checkTextName(name) !== null) {
      this.#fail('not a name');
      return;
    }
    this.#waiting = true;
    this.#session!.claimGuest(Name.fromText(name)).then(
      (result) => {
        this.#waiting = false;
        if (this.#finished) return;
        if (result !== 'ok') {
          this.#fail(`name refused (${result})`);
          return;
        }
        this.#socket.write(`welcome\t${name}\n`);
        this.#pump();
      },
      (error: unknown) => {
        // The store cannot be reached: the hub already logs that once per interval.
        this.#logger.debug({ err: error }, 'line-chat claim refused');
        this.#fail('service temporarily unavailable');
      },
    );
  }

  /** Stops reading until `ready()` says the rate budget is back. */
  #wait(ready: () => boolean): void {
    this.#waiting = true;
    this.#hub.clock.setTimeout(
      () => {
        if (this.#finished) return;
        if (!ready()) {
          this.#wait(ready);
          return;
        }
        this.#waiting = false;
        this.#pump();
      },
      Math.max(25, this.#bucket.msUntilNext()),
    );
  }

  // ---- the end ---------------------------------------------------------------------------

  /** Tells the client why, then closes once the queued deliveries are written. */
  #fail(reason: string): void {
    if (this.#finished) return;
    this.#finish();
    this.#socket.end(`error\t${reason}\n`);
  }

  #drop(): void {
    this.#finish();
    this.#socket.destroy();
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#nameDeadline?.cancel();
    this.#pending = Buffer.alloc(0);
    this.#session?.close();
  }
}

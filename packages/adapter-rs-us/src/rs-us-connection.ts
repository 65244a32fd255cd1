import type { Socket } from 'node:net';
import {
  type CancelTimer,
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
import { Fifo } from './fifo.ts';
import { encodeRsUs, RsUsDecoder, type RsUsFrame, stripDelimiters } from './rs-us-codec.ts';
import type { RsUsOptions } from './rs-us-options.ts';
import {
  commandArity,
  encodePlainEvent,
  encodeTrailingEvent,
  type RsUsWord,
  wordFrame,
} from './rs-us-replies.ts';

/** Commands waiting behind a slow one (login) before the socket stops being read. */
const QUEUE_PAUSE_AT = 64;
const QUEUE_RESUME_AT = 16;
/** How long a closing connection may take to say goodbye before it is destroyed. */
const CLOSE_GRACE_MS = 1_000;

/**
 * One rs-us client: bytes → commands → core calls, and core events → bytes. Commands run strictly
 * in arrival order even though some (login, send, who) wait on the core; the rest queue behind.
 */
export class RsUsConnection implements SessionSink {
  readonly #hub: Hub;
  readonly #socket: Socket;
  readonly #logger: Logger;
  readonly #decoder: RsUsDecoder;
  readonly #bucket: TokenBucket;
  readonly #queue = new Fifo<RsUsFrame>();
  readonly #closed: Promise<void>;
  #session!: Session;
  #inactivity!: CoarseTimer;
  /** The form of the command processed last; every outgoing message uses it. */
  #trailing = false;
  #running = false;
  #closing = false;
  #inputEnded = false;
  #pausedForRate = false;
  #pausedForQueue = false;
  #resumeTimer: CancelTimer | null = null;
  #graceTimer: CancelTimer | null = null;

  /** Admits a socket as a connection, or destroys it when a connection limit is reached. */
  /** `address`: the client's, from the edge (a trusted proxy's PROXY header, else the peer). */
  static accept(
    hub: Hub,
    socket: Socket,
    options: RsUsOptions,
    logger: Logger,
    address: string,
  ): RsUsConnection | null {
    const connection = new RsUsConnection(hub, socket, options, logger);
    const session = hub.open('rs-us', address, connection);
    if (!session) {
      socket.destroy();
      return null;
    }
    connection.#session = session;
    connection.#listen(options.inactivityTimeoutMs);
    return connection;
  }

  private constructor(hub: Hub, socket: Socket, options: RsUsOptions, logger: Logger) {
    this.#hub = hub;
    this.#socket = socket;
    this.#logger = logger;
    this.#decoder = new RsUsDecoder(options.maxMessageBytes);
    this.#bucket = hub.rateLimiter();
    this.#closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  /** Resolves once the socket is fully closed. */
  get closed(): Promise<void> {
    return this.#closed;
  }

  /** Server stop: `shutdown`, then close. */
  shutdown(): Promise<void> {
    this.#finish('shutdown');
    return this.#closed;
  }

  // ---- SessionSink ---------------------------------------------------------------------------

  deliver(message: ChatMessage): void {
    if (this.#closing) return;
    this.#write(message.encoded(this.#trailing ? encodeTrailingEvent : encodePlainEvent));
  }

  invalidated(): void {
    // The hub has already unbound the session.
    if (!this.#closing) this.#write(wordFrame('invalidated', this.#trailing));
  }

  replaced(): void {
    // Only guest names are replaced and rs-us binds registered names only; close if it happens.
    this.#finish(null);
  }

  // ---- input ---------------------------------------------------------------------------------

  #listen(inactivityTimeoutMs: number): void {
    const socket = this.#socket;
    this.#inactivity = this.#hub.timers.schedule(inactivityTimeoutMs, () => this.#finish('timeout'));
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('end', () => this.#onEnd());
    socket.on('error', (error) => {
      this.#logger.debug({ err: error }, 'rs-us socket error');
      this.#finish('io_error');
    });
    socket.on('close', () => this.#onClose());
  }

  #onData(chunk: Buffer): void {
    // A closing connection still drains its input, so the close is a FIN and not a reset.
    if (this.#closing) return;
    for (const frame of this.#decoder.push(chunk)) {
      // The error waits its turn in the queue: the commands before it are still answered.
      this.#queue.push(frame);
      if (frame.kind === 'error') break;
      this.#inactivity.reset();
      this.#takeToken();
    }
    if (this.#queue.length >= QUEUE_PAUSE_AT && !this.#pausedForQueue) {
      this.#pausedForQueue = true;
      this.#socket.pause();
    }
    this.#run();
  }

  #onEnd(): void {
    this.#inputEnded = true;
    // Answer what was asked, then close our side too.
    if (!this.#running && this.#queue.length === 0) this.#finish(null);
  }

  #takeToken(): void {
    if (this.#bucket.take() || this.#resumeTimer) return;
    this.#hub.stats.rateLimited += 1;
    this.#pausedForRate = true;
    this.#socket.pause();
    this.#resumeTimer = this.#hub.clock.setTimeout(() => {
      this.#resumeTimer = null;
      this.#pausedForRate = false;
      this.#resumeReading();
    }, this.#bucket.msUntilNext());
  }

  #resumeReading(): void {
    if (!this.#pausedForRate && !this.#pausedForQueue && !this.#closing) this.#socket.resume();
  }

  // ---- commands ------------------------------------------------------------------------------

  /** Runs queued commands in order; synchronous ones complete before this returns. */
  #run(): void {
    if (this.#running) return;
    this.#running = true;
    this.#drain().then(
      () => {
        this.#running = false;
        if (this.#inputEnded && this.#queue.length === 0) this.#finish(null);
      },
      (error: unknown) => {
        this.#running = false;
        this.#logger.error({ err: error }, 'rs-us command failed');
        this.#finish('io_error');
      },
    );
  }

  async #drain(): Promise<void> {
    let frame = this.#queue.take();
    while (frame !== undefined && !this.#closing) {
      if (this.#pausedForQueue && this.#queue.length <= QUEUE_RESUME_AT) {
        this.#pausedForQueue = false;
        this.#resumeReading();
      }
      const pending = this.#execute(frame);
      if (pending) await pending;
      frame = this.#queue.take();
    }
  }

  #execute(frame: RsUsFrame): Promise<void> | null {
    if (frame.kind === 'error') {
      this.#finish('io_error');
      return null;
    }
    this.#trailing = frame.trailing;
    const parts = frame.parts;
    const command = parts[0]!;
    const arity = commandArity.get(command);
    if (arity === undefined) {
      this.#reply('unknown_command');
      return null;
    }
    if (parts.length - 1 !== arity) {
      this.#reply('invalid_args_count');
      return null;
    }
    const session = this.#session;
    switch (command) {
      case 'login':
        return this.#login(parts[1]!, parts[2]!);
      case 'logout':
        session.logout();
        this.#reply('logout_ack');
        return null;
      case 'disconnect':
        this.#finish('disconnect_ack');
        return null;
      case 'prolongate':
        // The inactivity timer was reset when the command arrived, as for every command.
        this.#reply('prolongate_ack');
        return null;
      case 'invalidate':
        session.invalidateOthers();
        this.#reply('invalidate_ack');
        return null;
    }
    if (!session.name) {
      this.#reply('not_logged_in');
      return null;
    }
    switch (command) {
      case 'send':
        return this.#send(parts[1]!, parts[2]!);
      case 'broadcast':
        session.broadcast(parts[1]!);
        this.#reply('broadcast_ack');
        return null;
      default:
        return this.#who();
    }
  }

  async #login(name: string, password: string): Promise<void> {
    // A name no text protocol could hold cannot have an account: refuse without asking the core.
    if (checkTextName(name) !== null) {
      this.#reply('login_invalid');
      return;
    }
    const result = await this.#session.login(Name.fromText(name), password);
    this.#reply(result === 'ok' ? 'login_valid' : 'login_invalid');
  }

  async #send(name: string, text: string): Promise<void> {
    if (checkTextName(name) !== null) {
      this.#reply('unknown_recipient');
      return;
    }
    const missing = await this.#session.sendDirect([Name.fromText(name)], text);
    this.#reply(missing.length === 0 ? 'send_ack' : 'unknown_recipient');
  }

  async #who(): Promise<void> {
    const names = await this.#session.activeNames();
    const parts = ['who_ack'];
    // Names from soh may hold any byte, the delimiters included.
    for (const name of names) parts.push(stripDelimiters(name.text));
    if (!this.#closing) this.#write(encodeRsUs(parts, this.#trailing));
  }

  // ---- output and closing --------------------------------------------------------------------

  #reply(word: RsUsWord): void {
    if (!this.#closing) this.#write(wordFrame(word, this.#trailing));
  }

  #write(bytes: Buffer): void {
    const socket = this.#socket;
    if (!socket.writable) return;
    socket.write(bytes);
    if (socket.writableLength > this.#hub.limits.maxQueuedBytes) {
      // A client that stopped reading: drop it rather than let its queue grow without bound.
      this.#hub.stats.slowReaderDrops += 1;
      this.#closing = true;
      this.#dispose();
      socket.destroy();
    }
  }

  /** Sends the last word (if any), then closes; the client has a short grace to read it. */
  #finish(lastWord: RsUsWord | null): void {
    if (this.#closing) return;
    if (lastWord !== null) this.#write(wordFrame(lastWord, this.#trailing));
    if (this.#closing) return; // dropped as a slow reader by that very write
    this.#closing = true;
    this.#dispose();
    const socket = this.#socket;
    if (socket.destroyed) return;
    socket.end();
    socket.resume();
    this.#graceTimer = this.#hub.clock.setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
  }

  /** Releases the core session and every timer; safe to call more than once. */
  #dispose(): void {
    this.#inactivity.cancel();
    this.#resumeTimer?.();
    this.#resumeTimer = null;
    this.#queue.clear();
    this.#session.close();
  }

  #onClose(): void {
    this.#closing = true;
    this.#graceTimer?.();
    this.#graceTimer = null;
    this.#dispose();
  }
}

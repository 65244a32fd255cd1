import type { Socket } from 'node:net';
import {
  type CancelTimer,
  type ChatMessage,
  type CoarseTimer,
  checkTextName,
  type ErrorCode,
  type Hub,
  isServiceUnavailable,
  type Logger,
  Name,
  type Session,
  type SessionSink,
  type TokenBucket,
} from '@switchboard/core';
import { encodeRsUs, RsUsDecoder, type RsUsFrame, stripDelimiters } from './rs-us-codec.ts';
import type { RsUsOptions } from './rs-us-options.ts';
import {
  commandArity,
  encodePlainEvent,
  encodeTrailingEvent,
  type RsUsWord,
  rsUsRefusals,
  wordFrame,
} from './rs-us-replies.ts';

/**
 * The shortest wait once over the rate: tokens then come back in batches, so a client flooding at
 * its limit costs one timer per batch instead of one per command.
 */
const MIN_THROTTLE_MS = 25;
/** How long a closing connection may take to say goodbye before it is destroyed. */
const CLOSE_GRACE_MS = 1_000;

/**
 * One rs-us client: bytes → commands → core calls, and core events → bytes. Commands run strictly
 * in arrival order even though some (login, send, who) wait on the core. They are decoded one at a
 * time, only when the one before is done: while a command waits on the core or the rate limit,
 * reading pauses and the rest of the latest read is kept as it came, undecoded. So a connection
 * holds at most one read, one command and one unfinished message, whatever it sends, and runs at
 * most its rate's burst of commands in one turn of the event loop.
 */
export class RsUsConnection implements SessionSink {
  readonly #hub: Hub;
  readonly #socket: Socket;
  readonly #logger: Logger;
  readonly #decoder: RsUsDecoder;
  readonly #bucket: TokenBucket;
  readonly #closed: Promise<void>;
  #session!: Session;
  #inactivity!: CoarseTimer;
  /** Runs until the first successful login: a connection may not sit unbound for long. */
  #loginDeadline: CoarseTimer | null = null;
  /** The undecoded rest of the latest read, from `#restAt`; null when all of it is decoded. */
  #rest: Buffer | null = null;
  #restAt = 0;
  /** Bytes read and not yet paid to the byte budget. */
  #unpaid = 0;
  /** The form of the command processed last; every outgoing message uses it. */
  #trailing = false;
  /** A command is waiting on the core; the ones after it wait undecoded. */
  #running = false;
  #closing = false;
  #inputEnded = false;
  #throttled: CancelTimer | null = null;
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
    const session = hub.admit('rs-us', address, connection);
    if (session === 'TOO_MANY_CONNECTIONS') {
      socket.destroy();
      return null;
    }
    connection.#session = session;
    connection.#listen(options);
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

  /**
   * An administrator disconnected this name: `invalidated` (the seed's word for a binding
   * revoked from outside; the hub has unbound it already), then close as after `timeout`.
   */
  disconnected(): void {
    this.#finish('invalidated');
  }

  replaced(): void {
    // Only guest names are replaced and rs-us binds registered names only; close if it happens.
    this.#finish(null);
  }

  // ---- input ---------------------------------------------------------------------------------

  #listen(options: RsUsOptions): void {
    const socket = this.#socket;
    this.#inactivity = this.#hub.timers.schedule(options.inactivityTimeoutMs, () => this.#finish('timeout'));
    this.#loginDeadline = this.#hub.timers.schedule(options.loginTimeoutMs, () => this.#finish('timeout'));
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('end', () => this.#onEnd());
    socket.on('error', (error) => {
      this.#logger.debug({ err: error }, 'rs-us socket error');
      this.#finish('io_error');
    });
    socket.on('close', () => this.#onClose());
  }

  #onData(chunk: Buffer): void {
    this.#session.stats.bytesIn += chunk.length;
    // A closing connection still drains its input, so the close is a FIN and not a reset.
    if (this.#closing) return;
    // Reading pauses while a command waits, so a read rarely lands on a held rest; if one does,
    // the two are kept as one buffer, still undecoded.
    this.#rest = this.#rest === null ? chunk : Buffer.concat([this.#rest.subarray(this.#restAt), chunk]);
    this.#restAt = 0;
    this.#run();
  }

  #onEnd(): void {
    this.#inputEnded = true;
    // Answer what was asked, then close our side too.
    this.#run();
  }

  // ---- commands ------------------------------------------------------------------------------

  /**
   * Decodes and runs commands until the input runs out or one has to wait. Synchronous commands
   * complete before this returns; one that waits on the core calls it again when it is done.
   */
  #run(): void {
    // The replies of one run go out in one write, not one system call each.
    this.#socket.cork();
    try {
      this.#runCommands();
    } finally {
      this.#socket.uncork();
    }
  }

  #runCommands(): void {
    while (!this.#closing && !this.#running && !this.#throttled) {
      const frame = this.#nextFrame();
      if (frame === null) break;
      if (frame.kind === 'message') this.#inactivity.reset();
      const pending = this.#execute(frame);
      this.#pay();
      if (pending) {
        this.#running = true;
        pending.then(
          () => {
            this.#running = false;
            this.#run();
          },
          (error: unknown) => {
            this.#running = false;
            this.#logger.error({ err: error }, 'rs-us command failed');
            this.#finish('io_error');
          },
        );
      }
    }
    if (this.#closing) return;
    if (this.#running || this.#throttled) this.#socket.pause();
    else if (this.#inputEnded && this.#rest === null) this.#finish(null);
    else this.#socket.resume();
  }

  /** The next whole message of the input read so far, or null when it has none yet. */
  #nextFrame(): RsUsFrame | null {
    while (this.#rest !== null) {
      const rest = this.#rest;
      const frame = this.#decoder.next(rest, this.#restAt);
      const at = this.#decoder.offset;
      this.#unpaid += at - this.#restAt;
      if (at < rest.length) {
        this.#restAt = at;
      } else {
        this.#rest = null;
        this.#restAt = 0;
      }
      if (frame !== null) return frame;
    }
    // The read ended inside a message: its bytes count too, so a slow giant message is held to
    // the byte rate as well.
    if (this.#unpaid > 0) {
      this.#bucket.charge(this.#unpaid);
      this.#unpaid = 0;
      if (this.#bucket.exhausted) this.#throttle(false);
    }
    return null;
  }

  /** Takes the token and the bytes of the command just run; over the rate, reading stops. */
  #pay(): void {
    const paid = this.#bucket.take(this.#unpaid);
    this.#unpaid = 0;
    // The command over the rate has run anyway (it was read); it is paid for after the wait.
    if (!paid && !this.#closing) this.#throttle(true);
  }

  #throttle(owesCommand: boolean): void {
    this.#session.stats.rateLimited += 1;
    this.#wait(owesCommand);
  }

  #wait(owesCommand: boolean): void {
    this.#throttled = this.#hub.clock.setTimeout(
      () => {
        this.#throttled = null;
        const ready = owesCommand ? this.#bucket.take() : !this.#bucket.exhausted;
        if (ready) this.#run();
        else this.#wait(owesCommand);
      },
      Math.max(MIN_THROTTLE_MS, this.#bucket.msUntilNext()),
    );
  }

  #execute(frame: RsUsFrame): Promise<void> | null {
    if (frame.kind === 'error') {
      if (frame.error === 'too-large') this.#session.stats.oversized += 1;
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
    const problem = checkTextName(name);
    if (problem !== null) {
      this.#refuse(problem);
      return;
    }
    let result: Awaited<ReturnType<Session['login']>>;
    try {
      result = await this.#session.login(Name.fromText(name), password);
    } catch (error) {
      if (!isServiceUnavailable(error)) throw error;
      // The hub warns about the outage once per interval. The seed's clients know login_invalid;
      // the extra part says it is not the password, so trying again later is the right thing.
      this.#refuse('SERVICE_UNAVAILABLE');
      return;
    }
    if (result !== 'ok') {
      this.#refuse(result);
      return;
    }
    this.#loginDeadline?.cancel();
    this.#loginDeadline = null;
    this.#reply('login_valid');
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

  /** Says a refusal of the core as rs-us does; one-word ones use the shared frames. */
  #refuse(code: ErrorCode): void {
    const parts: readonly [RsUsWord, ...string[]] | null = rsUsRefusals[code];
    if (parts === null) this.#finish(null);
    else if (parts.length === 1) this.#reply(parts[0]);
    else if (!this.#closing) this.#write(encodeRsUs(parts, this.#trailing));
  }

  #write(bytes: Buffer): void {
    const socket = this.#socket;
    if (!socket.writable) return;
    socket.write(bytes);
    this.#session.stats.bytesOut += bytes.length;
    if (socket.writableLength > this.#hub.limits.maxQueuedBytes) {
      // A client that stopped reading: drop it rather than let its queue grow without bound.
      this.#session.stats.slowReaderDrops += 1;
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
    this.#loginDeadline?.cancel();
    this.#throttled?.();
    this.#throttled = null;
    this.#rest = null;
    this.#session.close();
  }

  #onClose(): void {
    this.#closing = true;
    this.#graceTimer?.();
    this.#graceTimer = null;
    this.#dispose();
  }
}

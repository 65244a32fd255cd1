import type { Socket } from 'node:net';
import type {
  CancelTimer,
  ChatMessage,
  CoarseTimer,
  Session,
  SessionSink,
  TokenBucket,
} from '@switchboard/core';
import { IrcLineDecoder, LINE_TOO_LONG, parseIrcMessage } from './irc-codec.ts';
import { runCommand } from './irc-commands.ts';
import type { IrcDirectory } from './irc-directory.ts';
import { Registration } from './irc-registration.ts';
import { addressed } from './irc-render.ts';
import { ERR, ircRefusals } from './irc-replies.ts';

/**
 * The shortest wait once over the rate: tokens then come back in batches, so a client flooding at
 * its limit costs one timer per batch instead of one per line.
 */
const MIN_THROTTLE_MS = 25;
/** How long a closing connection may take to read its last lines before it is destroyed. */
const CLOSE_GRACE_MS = 1_000;
/** Lines run in one turn of the event loop before the connection yields to the others. */
const LINES_PER_TURN = 64;
/** Unread replies after which reading pauses until the client catches up (not a slow-reader drop). */
const REPLY_BACKLOG_BYTES = 64 * 1024;
/** Direct messages whose "no such nick" answer may be outstanding before reading pauses. */
const MAX_SENDS_IN_FLIGHT = 32;
/** Deliveries kept for a client whose name is active before its welcome ends (SASL, the names). */
const MAX_HELD_DELIVERIES = 64;

/**
 * One IRC client: bytes → lines → commands → core calls, and core events → lines. Lines are
 * decoded one at a time, only when the one before is done: while a command waits on the core,
 * the rate limit, a backlog of unread replies or its share of the event loop, reading pauses and
 * the rest of the latest read is kept as it came, undecoded. So a connection holds at most one
 * read, one command and one unfinished line (510 bytes), whatever it sends. What a closed
 * connection had sent is discarded, never run.
 */
export class IrcConnection implements SessionSink {
  readonly directory: IrcDirectory;
  readonly session: Session;
  readonly #socket: Socket;
  readonly #decoder = new IrcLineDecoder();
  readonly #bucket: TokenBucket;
  readonly closed: Promise<void>;
  /** The nick the client is known by: `*` until it has one. */
  nick = '*';
  /** The channel whose broadcasts it sees: `#main`, a room's channel, or null after PART. */
  channel: string | null = null;
  /** What the client said before 001; null once it is registered. */
  registration: Registration | null = new Registration();
  /** The welcome (up to the #main names) is out; deliveries before it are held. */
  welcomed = false;
  #held: ChatMessage[] = [];
  #rest: Buffer | null = null;
  #restAt = 0;
  #unpaid = 0;
  #running = false;
  #sendsInFlight = 0;
  #throttled: CancelTimer | null = null;
  #yielding = false;
  #awaitingDrain = false;
  #inputEnded = false;
  #closing = false;
  #registrationDeadline: CoarseTimer | null;
  #idle: CoarseTimer | null = null;
  #awaitingPong = false;
  #grace: CancelTimer | null = null;
  #corked = false;
  #linesThisTurn = 0;
  readonly #uncork = () => {
    this.#corked = false;
    this.#socket.uncork();
  };

  /** Admits a socket, or tells it ERROR and closes it when a connection limit is reached. */
  static accept(directory: IrcDirectory, socket: Socket, clientAddress: string): IrcConnection | null {
    let connection: IrcConnection | null = null;
    const session = directory.hub.admit('irc', clientAddress, {
      deliver: (message) => connection?.deliver(message),
      replaced: () => connection?.replaced(),
      invalidated: () => connection?.invalidated(),
      disconnected: () => connection?.disconnected(),
    });
    if (session === 'TOO_MANY_CONNECTIONS') {
      // Told in IRC's way, so a client says why instead of reconnecting blindly at once.
      socket.on('error', () => {});
      socket.end(directory.replies.error(ircRefusals[session]));
      socket.resume();
      directory.hub.clock.setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
      return null;
    }
    connection = new IrcConnection(directory, socket, session);
    return connection;
  }

  private constructor(directory: IrcDirectory, socket: Socket, session: Session) {
    this.directory = directory;
    this.session = session;
    this.#socket = socket;
    this.#bucket = directory.hub.rateLimiter();
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.setNoDelay(true);
    this.#registrationDeadline = directory.hub.timers.schedule(directory.options.registrationTimeoutMs, () =>
      this.close('Registration timed out'),
    );
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('end', () => {
      this.#inputEnded = true;
      this.#pump();
    });
    socket.on('drain', () => {
      if (!this.#awaitingDrain) return;
      this.#awaitingDrain = false;
      this.#pump();
    });
    socket.on('error', (error) => directory.logger.debug({ err: error }, 'irc socket error'));
    socket.on('close', () => this.#dispose());
  }

  // ---- SessionSink ---------------------------------------------------------------------------

  deliver(message: ChatMessage): void {
    if (this.#closing) return;
    if (!this.welcomed) {
      if (this.#held.length < MAX_HELD_DELIVERIES) this.#held.push(message);
      return;
    }
    if (message.direct) {
      this.#write(addressed(message.encoded(this.directory.direct), this.nick));
    } else if (this.channel !== null) {
      this.#write(addressed(message.encoded(this.directory.broadcast), this.channel));
    }
  }

  replaced(): void {
    this.close('Nickname taken over by a newer connection');
  }

  invalidated(): void {
    this.close('Your login was invalidated; log in again');
  }

  /** An administrator disconnected this nick (the server API): told as IRC's ERROR, then closed. */
  disconnected(): void {
    this.close('Disconnected by an administrator');
  }

  // ---- for the commands ----------------------------------------------------------------------

  get isClosing(): boolean {
    return this.#closing;
  }

  /** Writes lines from the server; nothing once the connection is closing. */
  send(lines: string): void {
    if (!this.#closing) this.#write(lines);
  }

  /** A numeric to this client, addressed to its nick. */
  numeric(code: string, ...params: string[]): void {
    this.send(this.directory.replies.numeric(code, this.nick, ...params));
  }

  /** Registration is complete: the deadline stops and the idle timer runs. */
  welcome(): void {
    this.directory.forgetListing();
    this.#registrationDeadline?.cancel();
    this.#registrationDeadline = null;
    const { pingIntervalMs } = this.directory.options;
    this.#idle = this.directory.hub.timers.schedule(pingIntervalMs, () => this.#onIdle());
  }

  /** From now on deliveries go out: first those held during registration and the welcome. */
  releaseHeld(): void {
    this.welcomed = true;
    const held = this.#held;
    this.#held = [];
    for (const message of held) this.deliver(message);
  }

  /**
   * A direct message was sent; its answer (401 for missing nicks) may come later. Reading pauses
   * while too many are outstanding, so a flood in a cluster cannot pile up promises.
   */
  trackSend(sent: Promise<unknown>): void {
    this.#sendsInFlight += 1;
    const settle = () => {
      this.#sendsInFlight -= 1;
      if (this.#sendsInFlight === MAX_SENDS_IN_FLIGHT - 1) this.#pump();
    };
    sent.then(settle, (error: unknown) => {
      this.directory.logger.error({ err: error }, 'irc send failed');
      settle();
    });
  }

  /** `ERROR :Closing Link: NICK (reason)`, then the stream ends after the last queued lines. */
  close(reason: string): void {
    if (this.#closing) return;
    this.send(this.directory.replies.error(`Closing Link: ${this.nick} (${reason})`));
    this.#finish();
  }

  /** Server stop: told as IRC servers tell it, then closed. */
  shutdown(): Promise<void> {
    this.close('Server shutting down');
    return this.closed;
  }

  // ---- input ---------------------------------------------------------------------------------

  #onData(chunk: Buffer): void {
    this.session.stats.bytesIn += chunk.length;
    if (this.#closing) return;
    // A read is a new turn of the event loop.
    this.#linesThisTurn = 0;
    this.#rest = this.#rest === null ? chunk : Buffer.concat([this.#rest.subarray(this.#restAt), chunk]);
    this.#restAt = 0;
    this.#pump();
  }

  #pump(): void {
    while (!this.#closing && !this.#mustWait() && this.#rest !== null) {
      // Counted across the pumps of one turn (a settled send pumps again from a microtask).
      if (this.#linesThisTurn >= LINES_PER_TURN) {
        this.#yielding = true;
        setImmediate(() => {
          this.#yielding = false;
          this.#linesThisTurn = 0;
          this.#pump();
        });
        break;
      }
      const rest = this.#rest;
      const line = this.#decoder.next(rest, this.#restAt);
      const at = this.#decoder.offset;
      this.#unpaid += at - this.#restAt;
      if (at < rest.length) this.#restAt = at;
      else {
        this.#rest = null;
        this.#restAt = 0;
      }
      if (line === null) {
        this.#chargeUnfinished();
        continue;
      }
      this.#linesThisTurn += 1;
      const pending = line === LINE_TOO_LONG ? this.#tooLong() : this.#onLine(line);
      this.#pay();
      if (pending) this.#await(pending);
    }
    if (this.#closing) return;
    if (this.#mustWait()) this.#socket.pause();
    else if (this.#inputEnded && this.#rest === null) this.close('Connection closed by client');
    else this.#socket.resume();
  }

  #mustWait(): boolean {
    if (this.#running || this.#throttled || this.#yielding || this.#awaitingDrain) return true;
    if (this.#sendsInFlight >= MAX_SENDS_IN_FLIGHT) return true;
    if (this.#socket.writableLength > REPLY_BACKLOG_BYTES) {
      this.#awaitingDrain = true;
      return true;
    }
    return false;
  }

  #await(pending: Promise<void>): void {
    this.#running = true;
    pending.then(
      () => {
        this.#running = false;
        this.#pump();
      },
      (error: unknown) => {
        this.#running = false;
        this.directory.logger.error({ err: error }, 'irc command failed');
        this.close('Internal error');
      },
    );
  }

  #tooLong(): null {
    this.session.stats.oversized += 1;
    this.numeric(ERR.INPUTTOOLONG, 'Input line was too long (at most 512 bytes with CR LF)');
    return null;
  }

  #onLine(line: Buffer): Promise<void> | null {
    this.#noteActivity();
    // Bytes that are not UTF-8 become U+FFFD here, so every other protocol shows them so.
    const message = parseIrcMessage(line.toString('utf8'));
    if (message === null) return null;
    return runCommand(this, message);
  }

  #noteActivity(): void {
    if (this.#idle === null) return;
    this.#awaitingPong = false;
    this.#idle.reset(this.directory.options.pingIntervalMs);
  }

  #onIdle(): void {
    if (this.#awaitingPong) {
      this.close(`Ping timeout: ${Math.round(this.directory.options.pingTimeoutMs / 1000)} seconds`);
      return;
    }
    this.#awaitingPong = true;
    this.send(this.directory.replies.command('PING', this.directory.options.serverName));
    this.#idle?.reset(this.directory.options.pingTimeoutMs);
  }

  /** Bytes of a line still arriving count too, so slow giant input is held to the byte rate. */
  #chargeUnfinished(): void {
    if (this.#unpaid === 0) return;
    this.#bucket.charge(this.#unpaid);
    this.#unpaid = 0;
    if (this.#bucket.exhausted) this.#throttle(false);
  }

  /** Takes the token and bytes of the line just run; over the rate, reading stops. */
  #pay(): void {
    const paid = this.#bucket.take(this.#unpaid);
    this.#unpaid = 0;
    // The line over the rate has run anyway (it was read); it is paid for after the wait.
    if (!paid && !this.#closing) this.#throttle(true);
  }

  #throttle(owesLine: boolean): void {
    if (this.#throttled) return;
    this.session.stats.rateLimited += 1;
    this.#wait(owesLine);
  }

  #wait(owesLine: boolean): void {
    this.#throttled = this.directory.hub.clock.setTimeout(
      () => {
        this.#throttled = null;
        const ready = owesLine ? this.#bucket.take() : !this.#bucket.exhausted;
        if (ready) this.#pump();
        else this.#wait(owesLine);
      },
      Math.max(MIN_THROTTLE_MS, this.#bucket.msUntilNext()),
    );
  }

  // ---- output and closing --------------------------------------------------------------------

  #write(bytes: string): void {
    const socket = this.#socket;
    if (!socket.writable) return;
    // Everything written in one turn (a welcome, a burst of deliveries) leaves in one syscall.
    if (!this.#corked) {
      this.#corked = true;
      socket.cork();
      process.nextTick(this.#uncork);
    }
    socket.write(bytes);
    this.session.stats.bytesOut += Buffer.byteLength(bytes);
    if (socket.writableLength > this.directory.hub.limits.maxQueuedBytes) {
      // A client that stopped reading: drop it rather than let its queue grow without bound.
      this.session.stats.slowReaderDrops += 1;
      this.#dispose();
      socket.destroy();
    }
  }

  /** Ends our side after the queued lines; the client has a short grace to read them. */
  #finish(): void {
    if (this.#closing) return;
    this.#dispose();
    const socket = this.#socket;
    if (socket.destroyed) return;
    socket.end();
    // Keep draining what the client sends, so the close is a FIN and not a reset.
    socket.resume();
    this.#grace = this.directory.hub.clock.setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
  }

  /** Releases the session, timers and queued input; nothing of this connection runs afterwards. */
  #dispose(): void {
    if (this.#closing) {
      if (this.#socket.destroyed) {
        this.#grace?.();
        this.#grace = null;
      }
      return;
    }
    this.#closing = true;
    this.#registrationDeadline?.cancel();
    this.#idle?.cancel();
    this.#throttled?.();
    this.#throttled = null;
    this.#rest = null;
    this.#held = [];
    if (this.session.room !== null) this.directory.leaveRoom(this.session.room, this);
    this.session.close();
  }
}

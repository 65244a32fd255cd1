import type { Socket } from 'node:net';
import {
  type ChatMessage,
  Connection,
  type ConnectionRuntime,
  type Session,
  SocketTransport,
} from '@switchboard/core';
import { leaveChannel } from './irc-channels.ts';
import { type DecodedLine, IrcLineDecoder, LINE_TOO_LONG, parseIrcMessage } from './irc-codec.ts';
import { runCommand } from './irc-commands.ts';
import type { IrcDirectory } from './irc-directory.ts';
import { Registration } from './irc-registration.ts';
import { deliveryBytes } from './irc-render.ts';
import { ERR } from './irc-replies.ts';

/** Farewell: the last bytes written before the stream ends (the refusal's `ERROR` line). */
export type IrcRuntime = ConnectionRuntime<Buffer | string>;

/** Direct messages whose "no such nick" answer may be outstanding before reading pauses. */
const MAX_SENDS_IN_FLIGHT = 32;
/** Deliveries kept for a client whose name is active before its welcome ends (SASL, the names). */
const MAX_HELD_DELIVERIES = 64;

// Timer tags.
const REGISTRATION = 'registration';
const IDLE = 'idle';
const PONG = 'pong';

// Bits of #flags.
/** The welcome (up to the #main names) is out: deliveries go out instead of being held. */
const WELCOMED = 1;
/** A keepalive PING is out and unanswered. */
const AWAITING_PONG = 2;

/** Writes longer than this are not held for the end of the turn (see {@link IrcConnection.send}). */
const MAX_CORKED_CHARS = 2 * 1024;

/** Everything written in one turn (a welcome, a burst of deliveries) leaves in one syscall. */
function uncork(socket: Socket): void {
  socket.uncork();
}

/**
 * One IRC client: lines → commands → core calls, and core events → lines. The runtime decodes the
 * lines one at a time, in order, within the rate; while a command waits on the core, too many
 * direct messages await their answer, or the client leaves 64 KiB of replies unread, reading stops
 * and the rest of the input stays undecoded. What a closed connection had sent is never run.
 */
export class IrcConnection extends Connection<DecodedLine, Buffer | string> {
  readonly directory: IrcDirectory;
  /** The nick the client is known by: `*` until it has one. */
  nick = '*';
  /** The channel whose broadcasts it sees: `#main`, a room's channel, or null after PART. */
  channel: string | null = null;
  /** What the client said before 001; null once it is registered. */
  registration: Registration | null = new Registration();
  #flags = 0;
  #sendsInFlight = 0;
  /** Deliveries before the welcome ends (made on the first). */
  #held: ChatMessage[] | null = null;
  /** Resumes input once a direct message's answer is in (while MAX_SENDS_IN_FLIGHT are out). */
  #sendSlot: (() => void) | null = null;

  /** `address`: the client's, from the edge (a trusted proxy's PROXY header, else the peer). */
  constructor(runtime: IrcRuntime, directory: IrcDirectory, socket: Socket, address: string) {
    super(runtime, new SocketTransport(socket), address, new IrcLineDecoder());
    this.directory = directory;
    if (!this.admitted) return;
    this.setDeadline(directory.options.registrationTimeoutMs, REGISTRATION);
  }

  /** The connection's session (the commands use it). */
  override get session(): Session {
    return super.session;
  }

  get isClosing(): boolean {
    return this.finished;
  }

  // ---- SessionSink ---------------------------------------------------------------------------

  deliver(message: ChatMessage): void {
    if (this.finished) return;
    if ((this.#flags & WELCOMED) === 0) {
      if (this.#held === null) this.#held = [];
      if (this.#held.length < MAX_HELD_DELIVERIES) this.#held.push(message);
      return;
    }
    if (message.direct) {
      this.send(deliveryBytes(message.encoded(this.directory.direct), this.nick));
    } else if (this.channel !== null) {
      this.send(deliveryBytes(message.encoded(this.directory.broadcast), this.channel));
    }
  }

  override replaced(): void {
    this.closeLink('Nickname taken over by a newer connection');
  }

  invalidated(): void {
    this.closeLink('Your login was invalidated; log in again');
  }

  /** An administrator disconnected this nick (the server API): told as IRC's ERROR, then closed. */
  override disconnected(): void {
    this.closeLink('Disconnected by an administrator');
  }

  /** Server stop: told as IRC servers tell it, then closed. */
  override shutdown(): void {
    this.closeLink('Server shutting down');
  }

  // ---- for the commands ----------------------------------------------------------------------

  /**
   * Writes lines; nothing once the connection is closing. A turn's short writes (a welcome's
   * numerics, a burst of deliveries) leave together in one syscall; a long one (a piece of a big
   * NAMES) goes at once after them, straight from the stack, never held and copied for the turn.
   */
  override send(lines: Buffer | string, bytes?: number): boolean {
    const socket = (this.transport as SocketTransport).socket;
    if (lines.length > MAX_CORKED_CHARS) {
      if (socket.writableCorked !== 0) socket.uncork();
    } else if (socket.writableCorked === 0 && !this.finished) {
      socket.cork();
      process.nextTick(uncork, socket);
    }
    return super.send(lines, bytes);
  }

  /** A numeric to this client, addressed to its nick. */
  numeric(code: string, ...params: string[]): void {
    this.send(this.directory.replies.numeric(code, this.nick, ...params));
  }

  /** Registration is complete: the deadline stops and the keepalive runs. */
  welcome(): void {
    const name = this.session.name;
    if (name === null) this.directory.forgetListing();
    else this.directory.noteActive(name);
    this.clearDeadline();
    this.setIdleTimeout(this.directory.options.pingIntervalMs, IDLE);
  }

  /** From now on deliveries go out: first those held during registration and the welcome. */
  releaseHeld(): void {
    this.#flags |= WELCOMED;
    const held = this.#held;
    this.#held = null;
    if (held !== null) for (const message of held) this.deliver(message);
  }

  /**
   * A direct message was sent; its answer (401 for missing nicks) may come later. While too many
   * are outstanding the returned promise holds input, so a flood in a cluster cannot pile them up.
   */
  trackSend(sent: Promise<unknown>): Promise<void> | undefined {
    this.#sendsInFlight += 1;
    sent.then(
      () => this.#sendSettled(),
      (error: unknown) => {
        this.directory.logger.error({ err: error }, 'irc send failed');
        this.#sendSettled();
      },
    );
    if (this.#sendsInFlight < MAX_SENDS_IN_FLIGHT) return undefined;
    return new Promise((resolve) => {
      this.#sendSlot = resolve;
    });
  }

  /** `ERROR :Closing Link: NICK (reason)`, then the stream ends after the last queued lines. */
  closeLink(reason: string): void {
    if (this.finished) return;
    this.send(this.directory.replies.error(`Closing Link: ${this.nick} (${reason})`));
    this.close();
  }

  // ---- the runtime's hooks -------------------------------------------------------------------

  protected override onFrame(line: DecodedLine): Promise<unknown> | undefined {
    if (line === LINE_TOO_LONG) {
      this.runtime.stats.oversized += 1;
      this.numeric(ERR.INPUTTOOLONG, 'Input line was too long (at most 512 bytes with CR LF)');
      return undefined;
    }
    // Any line is a sign of life, the PONG included.
    if ((this.#flags & AWAITING_PONG) !== 0) {
      this.#flags &= ~AWAITING_PONG;
      this.clearDeadline();
    }
    // Bytes that are not UTF-8 become U+FFFD here, so every other protocol shows them so.
    const message = parseIrcMessage(line.toString('utf8'));
    if (message === null) return undefined;
    return runCommand(this, message) ?? undefined;
  }

  protected override onTimeout(tag: string): void {
    if (tag === REGISTRATION) this.closeLink('Registration timed out');
    else if (tag === PONG) this.closeLink(this.directory.pingTimeout);
    else if ((this.#flags & AWAITING_PONG) === 0) {
      // Silent for a ping interval: ask, and close if nothing comes back within the timeout.
      this.#flags |= AWAITING_PONG;
      this.send(this.directory.ping);
      this.setDeadline(this.directory.options.pingTimeoutMs, PONG);
    }
  }

  /** The client half-closed and everything it sent is answered. */
  protected override onInputDrained(): void {
    this.closeLink('Connection closed by client');
  }

  protected override onFailure(error: unknown): void {
    this.directory.logger.error({ err: error }, 'irc command failed');
    this.closeLink('Internal error');
  }

  protected override onClosed(): void {
    if (this.admitted) leaveChannel(this);
  }

  #sendSettled(): void {
    this.#sendsInFlight -= 1;
    const slot = this.#sendSlot;
    if (slot !== null && this.#sendsInFlight < MAX_SENDS_IN_FLIGHT) {
      this.#sendSlot = null;
      slot();
    }
  }
}

import type { Socket } from 'node:net';
import {
  type ChatMessage,
  Connection,
  type ConnectionRuntime,
  checkTextName,
  type ErrorCode,
  Name,
  orUnavailable,
  SocketTransport,
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

/** The runtime of rs-us connections: a graceful close's farewell is the last bytes before FIN. */
export type RsUsRuntime = ConnectionRuntime<Buffer | string>;

const LOGIN_DEADLINE = 'login';
const INACTIVITY = 'inactivity';

/** Module-level, so corking a socket for one turn costs no closure. */
function uncork(socket: Socket): void {
  socket.uncork();
}

/**
 * One rs-us client: its commands and replies. The runtime decodes the messages one at a time, in
 * order and within the rate; while a command waits on the core (login, send, who), reading stops
 * and the rest of the input stays undecoded. A half-closed client still gets every answer, at the
 * rate, then the connection closes. `timeout` comes after `loginTimeoutMs` without a successful
 * login and after `inactivityTimeoutMs` without a command (a message trickled in byte by byte
 * does not count until it is whole).
 */
export class RsUsConnection extends Connection<RsUsFrame, Buffer | string> {
  protected declare readonly transport: SocketTransport;
  /** The form of the command handled last; every outgoing message uses it. */
  #trailing = false;

  /** `address`: the client's, from the edge (a trusted proxy's PROXY header, else the peer). */
  constructor(runtime: RsUsRuntime, socket: Socket, address: string, options: RsUsOptions) {
    super(runtime, new SocketTransport(socket), address, new RsUsDecoder(options.maxMessageBytes));
    if (!this.admitted) return;
    this.setIdleTimeout(options.inactivityTimeoutMs, INACTIVITY);
    this.setDeadline(options.loginTimeoutMs, LOGIN_DEADLINE);
  }

  deliver(message: ChatMessage): void {
    this.send(message.encoded(this.#trailing ? encodeTrailingEvent : encodePlainEvent));
  }

  /** The hub has already unbound the session; the connection stays. */
  invalidated(): void {
    this.#reply('invalidated');
  }

  /**
   * An administrator disconnected this name: `invalidated` (the seed's word for a binding revoked
   * from outside; the hub has unbound it already), then close as after `timeout`.
   */
  override disconnected(): void {
    this.#closeWith('invalidated');
  }

  /** Only guest names are replaced and rs-us binds registered names only; close if it happens. */
  override replaced(): void {
    this.close();
  }

  override shutdown(): void {
    this.#closeWith('shutdown');
  }

  /** No login in time, or no command for the inactivity timeout. */
  protected override onTimeout(): void {
    this.#closeWith('timeout');
  }

  protected override onFailure(error: unknown): void {
    this.runtime.logger.error({ err: error }, 'rs-us command failed');
    this.#closeWith('io_error');
  }

  protected override onFrame(frame: RsUsFrame): Promise<void> | undefined {
    if (frame.kind === 'error') {
      if (frame.error === 'too-large') this.runtime.stats.oversized += 1;
      this.#closeWith('io_error');
      return;
    }
    // The replies of one read go out in one write, not one system call each.
    const socket = this.transport.socket;
    if (socket.writableCorked === 0) {
      socket.cork();
      process.nextTick(uncork, socket);
    }
    this.#trailing = frame.trailing;
    const parts = frame.parts;
    const command = parts[0]!;
    const arity = commandArity.get(command);
    if (arity === undefined) return this.#reply('unknown_command');
    if (parts.length - 1 !== arity) return this.#reply('invalid_args_count');
    const session = this.session;
    switch (command) {
      case 'login':
        return this.#login(parts[1]!, parts[2]!);
      case 'logout':
        session.logout();
        return this.#reply('logout_ack');
      case 'disconnect':
        return this.#closeWith('disconnect_ack');
      case 'prolongate':
        // The inactivity timeout restarted when the command arrived, as for every command.
        return this.#reply('prolongate_ack');
      case 'invalidate':
        session.invalidateOthers();
        return this.#reply('invalidate_ack');
    }
    if (!session.name) return this.#reply('not_logged_in');
    switch (command) {
      case 'send':
        return this.#send(parts[1]!, parts[2]!);
      case 'broadcast':
        session.broadcast(parts[1]!);
        return this.#reply('broadcast_ack');
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
    // An outage (the hub warns about it once per interval) is refused from the same table: the
    // seed's clients know login_invalid, and its extra part says it is not the password.
    const result = await orUnavailable(this.session.login(Name.fromText(name), password));
    if (result !== 'ok') {
      this.#refuse(result);
      return;
    }
    this.clearDeadline();
    this.#reply('login_valid');
  }

  async #send(name: string, text: string): Promise<void> {
    if (checkTextName(name) !== null) {
      this.#reply('unknown_recipient');
      return;
    }
    const missing = await this.session.sendDirect([Name.fromText(name)], text);
    this.#reply(missing.length === 0 ? 'send_ack' : 'unknown_recipient');
  }

  async #who(): Promise<void> {
    const names = await this.session.activeNames();
    const parts = ['who_ack'];
    // Names from soh may hold any byte, the delimiters included.
    for (const name of names) parts.push(stripDelimiters(name.text));
    this.send(encodeRsUs(parts, this.#trailing));
  }

  #reply(word: RsUsWord): undefined {
    this.send(wordFrame(word, this.#trailing));
    return undefined;
  }

  /** Says a refusal of the core as rs-us does; one-word ones use the shared frames. */
  #refuse(code: ErrorCode): void {
    const parts: readonly [RsUsWord, ...string[]] | null = rsUsRefusals[code];
    if (parts === null) this.close();
    else if (parts.length === 1) this.#reply(parts[0]);
    else this.send(encodeRsUs([...parts], this.#trailing));
  }

  /** Sends the last word, then closes; the client has the runtime's grace to read it. */
  #closeWith(word: RsUsWord): undefined {
    // A slow reader is dropped by that very write, and the close is then a no-op.
    this.send(wordFrame(word, this.#trailing));
    this.close();
    return undefined;
  }
}

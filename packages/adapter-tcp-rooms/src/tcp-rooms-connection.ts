import type { Socket } from 'node:net';
import {
  type ChatMessage,
  Connection,
  type ConnectionRuntime,
  isServiceUnavailable,
  type Session,
  SocketTransport,
} from '@switchboard/core';
import { LINE_TOO_LONG, type Line, LineReader } from './tcp-rooms-codec.ts';
import { chatCommands } from './tcp-rooms-commands.ts';
import type { LineMode, TcpRoomsContext, TcpRoomsLink } from './tcp-rooms-link.ts';
import { LoginDialogue } from './tcp-rooms-login.ts';
import { refusals, replies } from './tcp-rooms-replies.ts';

/** The farewell of a tcp-rooms close is its last line (with its `\n`). */
export type TcpRoomsRuntime = ConnectionRuntime<Buffer | string>;

const LOGIN_DEADLINE = 'login';

/**
 * One tcp-rooms client: lines run strictly in order by the current mode (the login dialogue,
 * then chat), and chat messages from the hub become one write per line. The runtime reads the
 * lines one at a time, within the rate and the connection's share of the event loop, and only
 * while the client takes its answers; once the connection closes, nothing it sent runs.
 */
export class TcpRoomsConnection extends Connection<Line, Buffer | string> implements TcpRoomsLink {
  readonly context: TcpRoomsContext;
  #mode: LineMode;

  /** `address`: the client's, from the edge (a trusted proxy's PROXY header, else the peer). */
  constructor(runtime: TcpRoomsRuntime, socket: Socket, address: string, context: TcpRoomsContext) {
    super(runtime, new SocketTransport(socket), address, new LineReader(context.options.maxLineBytes));
    this.context = context;
    const dialogue = new LoginDialogue();
    this.#mode = dialogue;
    if (!this.admitted) return;
    socket.setNoDelay(true);
    // From the connection on, not per prompt: answering prompts wrongly cannot hold a slot forever.
    this.setDeadline(context.options.loginTimeoutMs, LOGIN_DEADLINE);
    dialogue.start(this);
  }

  /** The dialogue and the commands act through it (only ever read once admitted). */
  override get session(): Session {
    return super.session;
  }

  // ---- TcpRoomsLink ----------------------------------------------------------------------------

  say(line: string): void {
    this.send(`${line}\n`);
  }

  hangUp(lastLine: string): void {
    this.say(lastLine);
    this.close();
  }

  enterChat(): void {
    if (this.finished) return;
    this.clearDeadline();
    this.#mode = chatCommands;
  }

  // ---- the runtime's hooks ---------------------------------------------------------------------

  protected override onFrame(line: Line): Promise<unknown> | undefined {
    if (line !== LINE_TOO_LONG) return this.#mode.line(this, line);
    this.runtime.stats.oversized += 1;
    this.#mode.tooLong(this);
    return;
  }

  deliver(message: ChatMessage): void {
    this.send(message.encoded(this.context.encodeMessage));
  }

  protected override onTimeout(): void {
    this.hangUp(replies.loginTimedOut);
  }

  /** A store or cluster outage: the hub warns once per interval; the client is told plainly. */
  protected override onFailure(error: unknown): void {
    if (isServiceUnavailable(error)) {
      this.hangUp(refusals.SERVICE_UNAVAILABLE());
      return;
    }
    this.runtime.logger.error({ err: error }, 'tcp-rooms command failed');
    this.hangUp(replies.serverError);
  }

  /** Only guest names are taken over, and tcp-rooms users are registered; kept for the contract. */
  override replaced(): void {
    this.close();
  }

  /** An administrator disconnected this user: say so, then close. */
  override disconnected(): void {
    this.hangUp(replies.disconnected);
  }

  /** The gateway is stopping: say so, then close. */
  override shutdown(): void {
    this.hangUp(replies.shuttingDown);
  }
}

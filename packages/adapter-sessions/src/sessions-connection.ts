import { randomUUID } from 'node:crypto';
import {
  answerChatFrame,
  type CloseFrame,
  closeCodes,
  decodeClientFrame,
  encodeErrorFrame,
  encodeTextFrame,
  framePayloadBytes,
  isBinaryMessage,
  isMessageTooBig,
  jsonWsErrors,
  MAX_QUEUED_FRAMES,
  receiveMessageText,
  type TransportWebSocket,
} from '@switchboard/adapter-json-ws';
import {
  type ChatMessage,
  Connection,
  type ConnectionHost,
  ConnectionRuntime,
  type ErrorCode,
  isServiceUnavailable,
  type Logger,
  Name,
  orUnavailable,
  type SessionDirectory,
  wholeMessages,
} from '@switchboard/core';
import type { SessionsOptions } from './sessions-options.ts';
import { sessionsRefusals } from './sessions-refusals.ts';

export const PROTOCOL = 'sessions';

/** What every sessions connection shares: the runtime, the options and the session directory. */
export class SessionsRuntime extends ConnectionRuntime<CloseFrame> {
  readonly options: SessionsOptions;
  /** `client_id` → session id of every live session (the whole service's, in a cluster). */
  readonly directory: SessionDirectory;

  constructor(
    host: ConnectionHost & { readonly sessions: SessionDirectory },
    logger: Logger,
    options: SessionsOptions,
  ) {
    const { close: code, reason } = sessionsRefusals.TOO_MANY_CONNECTIONS;
    super(host, logger, {
      protocol: PROTOCOL,
      closeGraceMs: options.closeGraceMs,
      refusal: { code, reason },
      // It speaks json-ws, with json-ws's bound on frames waiting behind an answer (then 1008).
      maxQueuedInputs: MAX_QUEUED_FRAMES,
    });
    this.options = options;
    this.directory = host.sessions;
  }
}

// Timer tags.
const CLAIM_DEADLINE = 'claim';
const SILENCE = 'silence';
const PONG_DEADLINE = 'pong';

const REPLACED: CloseFrame = { code: closeCodes.replaced, reason: 'replaced' };
const DISCONNECTED: CloseFrame = { code: closeCodes.disconnected, reason: jsonWsErrors.disconnected };
const GOING_AWAY: CloseFrame = { code: closeCodes.goingAway, reason: 'server shutting down' };
const TOO_MUCH_INPUT: CloseFrame = { code: closeCodes.policyViolation, reason: 'too much input at once' };

/** Module-level so every sessions recipient of a message shares one frame, framed once. */
const encodeDelivery = (message: ChatMessage): Buffer => encodeTextFrame(receiveMessageText(message));

/**
 * One sessions client: a guest named by its `client_id`, with a session id of its own, kept alive
 * by pings only while it is silent. Its frames wait (reading paused) until the name is claimed and
 * the session id sent; after that it speaks json-ws, in order and within the rate (the runtime).
 */
export class SessionsConnection extends Connection<Buffer, CloseFrame> {
  protected declare readonly runtime: SessionsRuntime;
  readonly #clientId: string;
  /** Set once the name is claimed and the id sent; null before, or if the claim failed. */
  #sessionId: string | null = null;
  /** A keepalive ping is out and its pong deadline not yet passed. */
  #pingOut = false;

  /** `address`: the client's, from the edge (a trusted proxy's word, else the peer). */
  constructor(runtime: SessionsRuntime, ws: TransportWebSocket, clientId: string, address: string) {
    super(runtime, ws, address, wholeMessages);
    this.#clientId = clientId;
    if (!this.admitted) return;
    // A claim waiting on a store or a cluster that hangs must not hold the connection unnamed.
    this.setDeadline(runtime.options.upgradeTimeoutMs, CLAIM_DEADLINE);
    this.hold(this.#claim());
  }

  deliver(message: ChatMessage): void {
    const frame = message.encoded(encodeDelivery);
    this.send(frame, framePayloadBytes(frame));
  }

  /** A newer connection took this client id, here or on another node. */
  override replaced(): void {
    this.close(REPLACED);
  }

  /** An administrator disconnected this client id: close with 4003 and the reason. */
  override disconnected(): void {
    this.close(DISCONNECTED);
  }

  override shutdown(): void {
    this.close(GOING_AWAY);
  }

  protected override onFrame(message: Buffer): Promise<unknown> | undefined {
    const session = this.session;
    // Not named (the claim failed and the connection is closing): nothing to answer for.
    if (session.name === null) return undefined;
    if (isBinaryMessage(message)) {
      this.send(encodeErrorFrame(jsonWsErrors.binaryFrame));
      return undefined;
    }
    // `ws` has already checked that a text frame is UTF-8.
    const decoded = decodeClientFrame(message.toString('utf8'), this.runtime.options);
    if (!decoded.ok) {
      if (decoded.oversized) this.runtime.stats.oversized += 1;
      this.send(encodeErrorFrame(decoded.error));
      return undefined;
    }
    return answerChatFrame(session, decoded.frame, (frame) => this.send(frame));
  }

  protected override onTimeout(tag: string): void {
    if (tag === CLAIM_DEADLINE) {
      this.#refuse('SERVICE_UNAVAILABLE');
    } else if (tag === PONG_DEADLINE) {
      this.#pingOut = false;
      // No answer to the ping, nor anything else: cut off (onClosed deletes the session).
      if (!this.heard) this.drop();
    } else if (!this.#pingOut) {
      // Silent for a whole ping interval (its pings and pongs count as talking): ask.
      this.#pingOut = true;
      this.awaitInput();
      (this.transport as TransportWebSocket).ping();
      this.setDeadline(this.runtime.options.pongTimeoutMs, PONG_DEADLINE);
    }
  }

  /** Frames of a few bytes each, more than a chat client could send at once: a flood. */
  protected override onInputOverflow(): void {
    this.close(TOO_MUCH_INPUT);
  }

  /** A frame's answer failed: the client hears so and may go on. */
  protected override onFailure(error: unknown): void {
    // A store or the cluster out of reach is an outage the hub already warns about, not a bug.
    if (isServiceUnavailable(error)) {
      this.send(encodeErrorFrame(jsonWsErrors.unavailable));
      return;
    }
    this.runtime.logger.error({ err: error }, 'sessions frame failed');
    this.send(encodeErrorFrame(jsonWsErrors.internal));
  }

  /** @internal A frame over the hard limit: `ws` closes with 1009 and says so here. */
  override failed(error: Error): void {
    if (isMessageTooBig(error)) this.runtime.stats.oversized += 1;
    super.failed(error);
  }

  protected override onClosed(): void {
    // Only if still ours: a newer connection of this client id may own the entry already.
    if (this.#sessionId !== null) this.runtime.directory.delete(this.#clientId, this.#sessionId);
  }

  async #claim(): Promise<void> {
    const session = this.session;
    // An outage (which the hub already warns about) is refused like the rest: 1013, try again later.
    const result = await orUnavailable(session.claimGuest(Name.fromText(this.#clientId)));
    if (result !== 'ok') {
      this.#refuse(result);
      return;
    }
    // Replaced or gone while claiming: the connection is already closing.
    if (session.name === null || this.finished) return;
    this.clearDeadline();
    const sessionId = randomUUID();
    this.#sessionId = sessionId;
    this.runtime.directory.set(this.#clientId, sessionId);
    this.send(sessionId);
    // Any input restarts the silence; only a client silent for a whole interval is pinged.
    this.setIdleTimeout(this.runtime.options.pingIntervalMs, SILENCE);
  }

  /** Says a refusal of the core as sessions does: a close with its code, or an error frame. */
  #refuse(code: ErrorCode): void {
    const refusal = sessionsRefusals[code];
    if (refusal === null) return;
    if ('close' in refusal) this.close({ code: refusal.close, reason: refusal.reason });
    else this.send(encodeErrorFrame(refusal.error));
  }
}

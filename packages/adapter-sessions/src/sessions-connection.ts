import { randomUUID } from 'node:crypto';
import {
  answerChatFrame,
  closeCodes,
  closeWithGrace,
  decodeClientFrame,
  encodeErrorFrame,
  encodeReceiveMessageFrame,
  frameLength,
  frameText,
  InboundFlow,
  type JsonWsRefusal,
  jsonWsErrors,
  sendFrame,
} from '@switchboard/adapter-json-ws';
import {
  type ChatMessage,
  type ClaimResult,
  type CoarseTimer,
  type ErrorCode,
  type Hub,
  isServiceUnavailable,
  type Logger,
  Name,
  type ProtocolStats,
  type Session,
  type SessionSink,
} from '@switchboard/core';
import { type RawData, WebSocket } from 'ws';
import type { SessionsOptions } from './sessions-options.ts';
import { sessionsRefusals } from './sessions-refusals.ts';

export const PROTOCOL = 'sessions';

/** Frames as the flow queues them: the text of a text frame, or null for a binary frame. */
type InboundFrame = string | null;

/**
 * One sessions client: a guest named by its `client_id`, with a session id of its own, kept
 * alive by pings only while it is silent. After the session id it speaks json-ws.
 */
export class SessionsConnection implements SessionSink {
  readonly clientId: string;
  /** Set once the name is claimed and the id sent; null before, or if the claim failed. */
  sessionId: string | null = null;
  /** Settles when the socket is closed, whatever closed it. */
  readonly closed: Promise<void>;
  readonly #ws: WebSocket;
  readonly #hub: Hub;
  readonly #options: SessionsOptions;
  readonly #logger: Logger;
  readonly #session: Session | null;
  /** This protocol's counters, also before (or without) a session. */
  readonly #stats: ProtocolStats;
  readonly #flow: InboundFlow<InboundFrame>;
  readonly #keepalive: CoarseTimer | null;
  #awaitingPong = false;
  readonly #reply = (frame: string): void => this.#send(frame);

  constructor(
    ws: WebSocket,
    clientId: string,
    address: string,
    hub: Hub,
    options: SessionsOptions,
    logger: Logger,
  ) {
    this.clientId = clientId;
    this.#ws = ws;
    this.#hub = hub;
    this.#options = options;
    this.#logger = logger;
    this.#stats = hub.stats.forProtocol(PROTOCOL);
    this.#flow = new InboundFlow<InboundFrame>(
      ws,
      hub,
      this.#stats,
      (frame) => this.#handle(frame),
      (error) => this.#failed(error),
      () => this.#close(closeCodes.policyViolation, 'too much input at once'),
    );
    ws.on('error', (error) => {
      // A frame over the hard limit: ws closes with 1009 and says so here.
      if ((error as { code?: string }).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH')
        this.#stats.oversized += 1;
      logger.debug({ err: error }, 'sessions connection error');
    });
    this.closed = new Promise((resolve) => {
      ws.once('close', () => {
        this.#keepalive?.cancel();
        this.#flow.stop();
        this.#session?.close();
        // Only if still ours: a newer connection of this client id may own the entry already.
        if (this.sessionId !== null) hub.sessions.delete(clientId, this.sessionId);
        resolve();
      });
    });
    const admission = hub.admit(PROTOCOL, address, this);
    this.#session = typeof admission === 'string' ? null : admission;
    if (this.#session === null) {
      this.#keepalive = null;
      const { close, reason } = sessionsRefusals.TOO_MANY_CONNECTIONS;
      closeWithGrace(ws, hub.timers, options.closeGraceMs, close, reason);
      return;
    }
    this.#keepalive = hub.timers.schedule(options.pingIntervalMs, () => this.#onSilence());
    ws.on('message', (data, isBinary) => this.#onMessage(data, isBinary));
    ws.on('ping', (data) => this.#onControlFrame(data));
    ws.on('pong', (data) => this.#onControlFrame(data));
    // A claim waiting on a store or a cluster that hangs must not hold the connection unnamed.
    const claimDeadline = hub.timers.schedule(options.upgradeTimeoutMs, () =>
      this.#refuse('SERVICE_UNAVAILABLE'),
    );
    this.#flow.waitFor(this.#claim(this.#session).finally(() => claimDeadline.cancel()));
    ws.once('close', () => claimDeadline.cancel());
  }

  deliver(message: ChatMessage): void {
    this.#send(message.encoded(encodeReceiveMessageFrame));
  }

  /** A newer connection took this client id, here or on another node. */
  replaced(): void {
    this.#close(closeCodes.replaced, 'replaced');
  }

  /** An administrator disconnected this client id: close with 4003 and the reason. */
  disconnected(): void {
    this.#close(closeCodes.disconnected, jsonWsErrors.disconnected);
  }

  shutdown(): void {
    this.#close(closeCodes.goingAway, 'server shutting down');
  }

  async #claim(session: Session): Promise<void> {
    let result: ClaimResult;
    try {
      result = await session.claimGuest(Name.fromText(this.clientId));
    } catch (error) {
      if (!isServiceUnavailable(error)) throw error;
      // An outage, which the hub already warns about: 1013 tells the client to try again later.
      this.#refuse('SERVICE_UNAVAILABLE');
      return;
    }
    if (result !== 'ok') this.#refuse(result);
    // Refused, or gone while claiming: the connection is already closing.
    if (result !== 'ok' || session.name === null || this.#ws.readyState !== WebSocket.OPEN) return;
    const sessionId = randomUUID();
    this.sessionId = sessionId;
    this.#hub.sessions.set(this.clientId, sessionId);
    this.#send(sessionId);
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    this.#heard();
    this.#flow.push(isBinary ? null : frameText(data), frameLength(data));
  }

  #onControlFrame(data: Buffer): void {
    this.#heard();
    this.#flow.countControlFrame(data.length);
  }

  /** Anything from the client proves it is there: no ping is due for another interval. */
  #heard(): void {
    this.#awaitingPong = false;
    this.#keepalive!.reset(this.#options.pingIntervalMs);
  }

  #onSilence(): void {
    if (this.#awaitingPong) {
      // The close handler deletes the session.
      this.#ws.terminate();
      return;
    }
    this.#awaitingPong = true;
    this.#ws.ping();
    this.#keepalive!.reset(this.#options.pongTimeoutMs);
  }

  #handle(frame: InboundFrame): Promise<void> | undefined {
    const session = this.#session!;
    // Not named (the claim failed and the connection is closing): nothing to answer for.
    if (session.name === null) return undefined;
    if (frame === null) {
      this.#send(encodeErrorFrame(jsonWsErrors.binaryFrame));
      return undefined;
    }
    const decoded = decodeClientFrame(frame, this.#options);
    if (!decoded.ok) {
      if (decoded.oversized) this.#stats.oversized += 1;
      this.#send(encodeErrorFrame(decoded.error));
      return undefined;
    }
    return answerChatFrame(session, decoded.frame, this.#reply);
  }

  #send(frame: string | Buffer): void {
    sendFrame(this.#ws, this.#hub, frame, this.#stats);
  }

  /** Says a refusal of the core as sessions does: an error frame, or the close it decides. */
  #refuse(code: ErrorCode): void {
    const refusal: JsonWsRefusal = sessionsRefusals[code];
    if (refusal === null) return;
    if ('close' in refusal) this.#close(refusal.close, refusal.reason);
    else this.#send(encodeErrorFrame(refusal.error));
  }

  #close(code: number, reason: string): void {
    // Closing: nothing more of this connection's input runs.
    this.#flow.stop();
    closeWithGrace(this.#ws, this.#hub.timers, this.#options.closeGraceMs, code, reason);
  }

  #failed(error: unknown): void {
    // A store or the cluster out of reach is an outage the hub already warns about, not a bug.
    if (isServiceUnavailable(error)) {
      this.#send(encodeErrorFrame(jsonWsErrors.unavailable));
      return;
    }
    this.#logger.error({ err: error }, 'sessions frame failed');
    this.#send(encodeErrorFrame(jsonWsErrors.internal));
  }
}

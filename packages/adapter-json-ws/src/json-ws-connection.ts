import {
  type ChatMessage,
  type ClaimResult,
  type CoarseTimer,
  checkTextName,
  type Hub,
  isServiceUnavailable,
  type Logger,
  Name,
  type ProtocolStats,
  type Session,
  type SessionSink,
} from '@switchboard/core';
import type { RawData, WebSocket } from 'ws';
import { closeWithGrace } from './close-with-grace.ts';
import { InboundFlow } from './inbound-flow.ts';
import { answerChatFrame, jsonWsErrors } from './json-ws-chat.ts';
import {
  decodeClientFrame,
  encodeChatStatusFrame,
  encodeErrorFrame,
  encodeReceiveMessageFrame,
  frameLength,
  frameText,
} from './json-ws-codec.ts';
import type { JsonWsOptions } from './json-ws-options.ts';
import { jsonWsRefusals, refusalErrorFrame } from './json-ws-refusals.ts';
import { sendFrame } from './send-frame.ts';

export const PROTOCOL = 'json-ws';

/** Close codes of SPEC §2 (4000–4999 is the range RFC 6455 leaves to applications). */
export const closeCodes = {
  replaced: 4001,
  /** An administrator disconnected the name (the server API). */
  disconnected: 4003,
  helloTimeout: 4408,
  idle: 4410,
  goingAway: 1001,
  policyViolation: 1008,
  tryAgainLater: 1013,
} as const;

/** Frames as the flow queues them: the text of a text frame, or null for a binary frame. */
type InboundFrame = string | null;

/** One json-ws client: WebSocket frames in, core calls out, and the core's deliveries back. */
export class JsonWsConnection implements SessionSink {
  readonly #ws: WebSocket;
  readonly #hub: Hub;
  readonly #options: JsonWsOptions;
  readonly #logger: Logger;
  readonly #session: Session | null;
  /** This protocol's counters, also before (or without) a session. */
  readonly #stats: ProtocolStats;
  readonly #flow: InboundFlow<InboundFrame>;
  readonly #helloTimer: CoarseTimer | null;
  readonly #idleTimer: CoarseTimer | null;
  readonly #reply = (frame: string | Buffer): void => this.#send(frame);
  /** Settles when the socket is closed, whatever closed it. */
  readonly closed: Promise<void>;

  constructor(ws: WebSocket, address: string, hub: Hub, options: JsonWsOptions, logger: Logger) {
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
      logger.debug({ err: error }, 'json-ws connection error');
    });
    this.closed = new Promise((resolve) => {
      ws.once('close', () => {
        this.#helloTimer?.cancel();
        this.#idleTimer?.cancel();
        this.#flow.stop();
        this.#session?.close();
        resolve();
      });
    });
    const admission = hub.admit(PROTOCOL, address, this);
    this.#session = typeof admission === 'string' ? null : admission;
    if (this.#session === null) {
      this.#helloTimer = null;
      this.#idleTimer = null;
      const { close, reason } = jsonWsRefusals.TOO_MANY_CONNECTIONS;
      closeWithGrace(ws, hub.timers, options.closeGraceMs, close, reason);
      return;
    }
    this.#helloTimer = hub.timers.schedule(options.helloTimeoutMs, () =>
      this.#close(closeCodes.helloTimeout, 'hello timeout'),
    );
    this.#idleTimer = hub.timers.schedule(options.idleTimeoutMs, () => this.#close(closeCodes.idle, 'idle'));
    ws.on('message', (data, isBinary) => this.#onMessage(data, isBinary));
    ws.on('ping', (data) => this.#onControlFrame(data));
    ws.on('pong', (data) => this.#onControlFrame(data));
  }

  deliver(message: ChatMessage): void {
    this.#send(message.encoded(encodeReceiveMessageFrame));
  }

  replaced(): void {
    this.#send(encodeErrorFrame(jsonWsRefusals.REPLACED.error));
    this.#close(closeCodes.replaced, 'replaced');
  }

  /** An administrator disconnected this name (the hub has unbound it): say so, then close. */
  disconnected(): void {
    this.#send(encodeErrorFrame(jsonWsErrors.disconnected));
    this.#close(closeCodes.disconnected, jsonWsErrors.disconnected);
  }

  /** Graceful shutdown: say so, then close with 1001. */
  shutdown(): void {
    this.#send(encodeErrorFrame(jsonWsErrors.shuttingDown));
    this.#close(closeCodes.goingAway, 'server shutting down');
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    this.#idleTimer!.reset();
    this.#flow.push(isBinary ? null : frameText(data), frameLength(data));
  }

  #onControlFrame(data: Buffer): void {
    this.#idleTimer!.reset();
    this.#flow.countControlFrame(data.length);
  }

  #handle(frame: InboundFrame): Promise<void> | undefined {
    const session = this.#session!;
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
    if (session.name !== null) return answerChatFrame(session, decoded.frame, this.#reply);
    if (decoded.frame.type !== 'hello') {
      this.#send(encodeErrorFrame(jsonWsErrors.helloFirst));
      return undefined;
    }
    return this.#hello(session, decoded.frame.user);
  }

  async #hello(session: Session, user: string): Promise<void> {
    const problem = checkTextName(user);
    if (problem !== null) {
      this.#send(encodeErrorFrame(jsonWsRefusals[problem].error));
      return;
    }
    let result: ClaimResult;
    try {
      // From the bytes, so a lone surrogate reads as U+FFFD everywhere, as it does on the wire.
      result = await session.claimGuest(Name.fromBytes(Buffer.from(user, 'utf8')));
    } catch (error) {
      if (!isServiceUnavailable(error)) throw error;
      // An outage, not a bug: the hub has warned about it; the client may say hello again.
      this.#send(encodeErrorFrame(jsonWsErrors.unavailable));
      return;
    }
    if (result !== 'ok') {
      const frame = refusalErrorFrame(result);
      if (frame !== null) this.#send(frame);
      return;
    }
    this.#helloTimer!.cancel();
    const names = await session.activeNames();
    // Replaced or closed while listing: the client already heard why.
    if (session.name === null) return;
    this.#send(encodeChatStatusFrame(names.map((name) => name.text)));
  }

  #send(frame: string | Buffer): void {
    sendFrame(this.#ws, this.#hub, frame, this.#stats);
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
    this.#logger.error({ err: error }, 'json-ws frame failed');
    this.#send(encodeErrorFrame(jsonWsErrors.internal));
  }
}

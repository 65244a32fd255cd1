import {
  type ChatMessage,
  type ClaimResult,
  Connection,
  type ConnectionRuntime,
  checkTextName,
  isServiceUnavailable,
  Name,
  wholeMessages,
} from '@switchboard/core';
import { answerChatFrame, jsonWsErrors } from './json-ws-chat.ts';
import {
  decodeClientFrame,
  encodeChatStatusFrame,
  encodeErrorFrame,
  receiveMessageText,
} from './json-ws-codec.ts';
import type { JsonWsOptions } from './json-ws-options.ts';
import { jsonWsRefusals, refusalErrorFrame } from './json-ws-refusals.ts';
import {
  type CloseFrame,
  encodeTextFrame,
  framePayloadBytes,
  isBinaryMessage,
  isMessageTooBig,
  type TransportWebSocket,
} from './websocket-transport.ts';

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

export type JsonWsRuntime = ConnectionRuntime<CloseFrame>;

const HELLO_DEADLINE = 'hello';
const IDLE = 'idle';

const HELLO_TIMEOUT: CloseFrame = { code: closeCodes.helloTimeout, reason: 'hello timeout' };
const IDLE_CLOSE: CloseFrame = { code: closeCodes.idle, reason: 'idle' };
const TOO_MUCH_INPUT: CloseFrame = { code: closeCodes.policyViolation, reason: 'too much input at once' };
const REPLACED: CloseFrame = { code: closeCodes.replaced, reason: 'replaced' };
const DISCONNECTED: CloseFrame = { code: closeCodes.disconnected, reason: jsonWsErrors.disconnected };
const GOING_AWAY: CloseFrame = { code: closeCodes.goingAway, reason: 'server shutting down' };

/** Module-level so every json-ws recipient of a message shares one frame, framed once. */
const encodeDelivery = (message: ChatMessage): Buffer => encodeTextFrame(receiveMessageText(message));

/**
 * One json-ws client: WebSocket text frames in, one JSON command each, handled in order within the
 * rate by the runtime (a `hello` holds later frames until its claim is settled); the core's
 * deliveries back. Until `hello` succeeds the hello deadline runs; any frame restarts the idle one.
 */
export class JsonWsConnection extends Connection<Buffer, CloseFrame> {
  readonly #options: JsonWsOptions;

  /** `address`: the client's, from the edge (a trusted proxy's word, else the peer). */
  constructor(runtime: JsonWsRuntime, ws: TransportWebSocket, address: string, options: JsonWsOptions) {
    super(runtime, ws, address, wholeMessages);
    this.#options = options;
    if (!this.admitted) return;
    this.setDeadline(options.helloTimeoutMs, HELLO_DEADLINE);
    this.setIdleTimeout(options.idleTimeoutMs, IDLE);
  }

  deliver(message: ChatMessage): void {
    const frame = message.encoded(encodeDelivery);
    this.send(frame, framePayloadBytes(frame));
  }

  override replaced(): void {
    this.send(encodeErrorFrame(jsonWsRefusals.REPLACED.error));
    this.close(REPLACED);
  }

  /** An administrator disconnected this name (the hub has unbound it): say so, then close. */
  override disconnected(): void {
    this.send(encodeErrorFrame(jsonWsErrors.disconnected));
    this.close(DISCONNECTED);
  }

  /** Graceful shutdown: say so, then close with 1001. */
  override shutdown(): void {
    this.send(encodeErrorFrame(jsonWsErrors.shuttingDown));
    this.close(GOING_AWAY);
  }

  protected override onFrame(message: Buffer): Promise<unknown> | undefined {
    if (isBinaryMessage(message)) {
      this.send(encodeErrorFrame(jsonWsErrors.binaryFrame));
      return;
    }
    // `ws` has already checked that a text frame is UTF-8.
    const decoded = decodeClientFrame(message.toString('utf8'), this.#options);
    if (!decoded.ok) {
      if (decoded.oversized) this.runtime.stats.oversized += 1;
      this.send(encodeErrorFrame(decoded.error));
      return;
    }
    const session = this.session;
    if (session.name !== null) return answerChatFrame(session, decoded.frame, (frame) => this.send(frame));
    if (decoded.frame.type !== 'hello') {
      this.send(encodeErrorFrame(jsonWsErrors.helloFirst));
      return;
    }
    return this.#hello(decoded.frame.user);
  }

  protected override onTimeout(tag: string): void {
    this.close(tag === HELLO_DEADLINE ? HELLO_TIMEOUT : IDLE_CLOSE);
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
    this.runtime.logger.error({ err: error }, 'json-ws frame failed');
    this.send(encodeErrorFrame(jsonWsErrors.internal));
  }

  /** @internal A frame over the hard limit: `ws` closes with 1009 and says so here. */
  override failed(error: Error): void {
    if (isMessageTooBig(error)) this.runtime.stats.oversized += 1;
    super.failed(error);
  }

  async #hello(user: string): Promise<void> {
    const problem = checkTextName(user);
    if (problem !== null) {
      this.send(encodeErrorFrame(jsonWsRefusals[problem].error));
      return;
    }
    const session = this.session;
    let result: ClaimResult;
    try {
      // From the bytes, so a lone surrogate reads as U+FFFD everywhere, as it does on the wire.
      result = await session.claimGuest(Name.fromBytes(Buffer.from(user, 'utf8')));
    } catch (error) {
      if (!isServiceUnavailable(error)) throw error;
      // An outage, not a bug: the hub has warned about it; the client may say hello again.
      this.send(encodeErrorFrame(jsonWsErrors.unavailable));
      return;
    }
    if (result !== 'ok') {
      const frame = refusalErrorFrame(result);
      if (frame !== null) this.send(frame);
      return;
    }
    this.clearDeadline();
    const names = await session.activeNames();
    // Replaced or closed while listing: the client already heard why.
    if (session.name === null) return;
    this.send(encodeChatStatusFrame(names.map((name) => name.text)));
  }
}

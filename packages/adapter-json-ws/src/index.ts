import { defineAdapter } from '@switchboard/core';
import { startJsonWs } from './json-ws-adapter.ts';
import { type JsonWsOptions, jsonWsOptionsSchema } from './json-ws-options.ts';

export { closeWithGrace } from './close-with-grace.ts';
export { HttpDeadline } from './http-deadline.ts';
export { InboundFlow, MAX_QUEUED_FRAMES, type PausableSocket } from './inbound-flow.ts';
export { answerChatFrame, jsonWsErrors, MAX_NAMED_IN_ERROR, notActiveError } from './json-ws-chat.ts';
export {
  type ClientFrame,
  DEFAULT_MAX_RECIPIENTS,
  type DecodeLimits,
  type DecodeResult,
  decodeClientFrame,
  encodeChatStatusFrame,
  encodeErrorFrame,
  encodeReceiveMessageFrame,
  frameLength,
  frameText,
  type HelloFrame,
  isLongerThan,
  largestFrameBytes,
  MAX_NESTING,
  nestsDeeperThan,
  type ReceivedMessage,
  type ReceiveStatusFrame,
  type SendMessageFrame,
} from './json-ws-codec.ts';
export { closeCodes } from './json-ws-connection.ts';
export { frameLimit, type JsonWsOptions, jsonWsOptionsSchema } from './json-ws-options.ts';
export { type JsonWsRefusal, jsonWsRefusals, refusalErrorFrame } from './json-ws-refusals.ts';
export { sendFrame } from './send-frame.ts';
export { type CloseFrame, isBinaryMessage, WebSocketTransport } from './websocket-transport.ts';

/** JSON chat over WebSocket (SPEC §2, seed 000). */
export const jsonWsAdapter = defineAdapter<JsonWsOptions>({
  name: 'json-ws',
  defaultPort: 8080,
  optionsSchema: jsonWsOptionsSchema,
  start: startJsonWs,
});

export { HttpDeadline } from './http-deadline.ts';
export { jsonWsAdapter, MAX_QUEUED_FRAMES } from './json-ws-adapter.ts';
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
  type HelloFrame,
  isLongerThan,
  largestFrameBytes,
  MAX_NESTING,
  nestsDeeperThan,
  type ReceivedMessage,
  type ReceiveStatusFrame,
  receiveMessageText,
  type SendMessageFrame,
} from './json-ws-codec.ts';
export { closeCodes, JsonWsConnection, type JsonWsRuntime } from './json-ws-connection.ts';
export { frameLimit, type JsonWsOptions, jsonWsOptionsSchema } from './json-ws-options.ts';
export { type JsonWsRefusal, jsonWsRefusals, refusalErrorFrame } from './json-ws-refusals.ts';
export {
  type CloseFrame,
  encodeTextFrame,
  framePayloadBytes,
  isBinaryMessage,
  isMessageTooBig,
  TransportWebSocket,
  WebSocketTransport,
} from './websocket-transport.ts';

export { tcpRoomsAdapter } from './tcp-rooms-adapter.ts';
export {
  ClockFormat,
  escapeLineText,
  isTimeZone,
  type LineHandler,
  LineSplitter,
  renderChatLine,
} from './tcp-rooms-codec.ts';
export { isRoomName } from './tcp-rooms-commands.ts';
export { type TcpRoomsOptions, tcpRoomsOptionsSchema } from './tcp-rooms-options.ts';
export { replies as tcpRoomsReplies } from './tcp-rooms-replies.ts';

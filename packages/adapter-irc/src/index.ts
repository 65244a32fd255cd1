export { ircAdapter, startIrcServer } from './irc-adapter.ts';
export {
  formatIrcLine,
  IrcLineDecoder,
  type IrcMessage,
  LINE_TOO_LONG,
  MAX_LINE_BYTES,
  MAX_LINE_CONTENT_BYTES,
  parseIrcMessage,
} from './irc-codec.ts';
export {
  CHANNELLEN,
  channelOfRoom,
  isShortenedNick,
  MAIN_CHANNEL,
  NICKLEN,
  nameOfNick,
  nickOf,
  roomOfChannel,
} from './irc-names.ts';
export { type IrcOptions, ircOptionsSchema } from './irc-options.ts';
export { sanitizeText } from './irc-render.ts';

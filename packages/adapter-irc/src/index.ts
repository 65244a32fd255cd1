import { defineAdapter } from '@switchboard/core';
import { type IrcOptions, ircOptionsSchema } from './irc-options.ts';
import { startIrcServer } from './irc-server.ts';

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

/** IRC (RFC 1459/2812 with IRCv3 CAP and SASL PLAIN): the sixth protocol, `#main` is the main chat. */
export const ircAdapter = defineAdapter<IrcOptions>({
  name: 'irc',
  defaultPort: 6667,
  optionsSchema: ircOptionsSchema,
  start: startIrcServer,
});

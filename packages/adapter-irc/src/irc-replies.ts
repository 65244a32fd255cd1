import type { ErrorCode } from '@switchboard/core';
import { formatIrcLine, MAX_LINE_BYTES } from './irc-codec.ts';

/** The numerics this server sends, by their RFC 1459 / RFC 2812 / IRCv3 names. */
export const RPL = {
  WELCOME: '001',
  YOURHOST: '002',
  CREATED: '003',
  MYINFO: '004',
  ISUPPORT: '005',
  UMODEIS: '221',
  WHOISUSER: '311',
  WHOISSERVER: '312',
  ENDOFWHO: '315',
  ENDOFWHOIS: '318',
  CHANNELMODEIS: '324',
  NOTOPIC: '331',
  ISON: '303',
  WHOREPLY: '352',
  NAMREPLY: '353',
  ENDOFNAMES: '366',
  MOTD: '372',
  MOTDSTART: '375',
  ENDOFMOTD: '376',
  LOGGEDIN: '900',
  SASLSUCCESS: '903',
  SASLMECHS: '908',
} as const;

export const ERR = {
  NOSUCHNICK: '401',
  NOSUCHCHANNEL: '403',
  CANNOTSENDTOCHAN: '404',
  TOOMANYTARGETS: '407',
  NOORIGIN: '409',
  INVALIDCAPCMD: '410',
  NORECIPIENT: '411',
  NOTEXTTOSEND: '412',
  INPUTTOOLONG: '417',
  UNKNOWNCOMMAND: '421',
  NOMOTD: '422',
  NONICKNAMEGIVEN: '431',
  ERRONEUSNICKNAME: '432',
  NICKNAMEINUSE: '433',
  NOTONCHANNEL: '442',
  NONICKCHANGE: '447',
  NOTREGISTERED: '451',
  NEEDMOREPARAMS: '461',
  ALREADYREGISTERED: '462',
  PASSWDMISMATCH: '464',
  BADCHANNELKEY: '475',
  CHANOPRIVSNEEDED: '482',
  USERSDONTMATCH: '502',
  SASLFAIL: '904',
  SASLTOOLONG: '905',
  SASLABORTED: '906',
  SASLALREADY: '907',
} as const;

/**
 * Every code of the core's catalog as the text IRC says for it: the last parameter of the
 * command's numeric (which numeric depends on the command: 433 for NICK, 475 for JOIN, ...), or
 * of an ERROR or NOTICE. Null: nothing beyond the numeric's own words, as for a wrong password,
 * which IRC servers do not tell apart from an unknown account; or nothing at all, the connection
 * being closed. A code without a rendering here is a compile error.
 */
export const ircRefusals = {
  NAME_EMPTY: 'Erroneous nickname',
  NAME_TOO_LONG: 'Erroneous nickname',
  NAME_CONTROL_CHARACTER: 'Erroneous nickname',
  NAME_REGISTERED: 'Nickname is registered: log in with PASS or SASL PLAIN',
  ALREADY_IDENTIFIED: 'You may not reregister',
  NOT_IDENTIFIED: 'You have not registered',
  CONNECTION_CLOSED: null,
  REPLACED: 'Nickname is already in use',
  WRONG_PASSWORD: null,
  UNKNOWN_USER: null,
  THROTTLED: 'too many failed logins, try again later',
  ROOM_EXISTS: 'Channel already exists',
  NO_SUCH_ROOM: 'No such channel (rooms are made with /create on tcp-rooms)',
  WRONG_ROOM_PASSWORD: 'Cannot join channel (+k) - wrong room password',
  TOO_MANY_CONNECTIONS: 'Closing Link: * (Too many connections)',
  SERVICE_UNAVAILABLE: 'Service temporarily unavailable, try again later',
} as const satisfies Record<ErrorCode, string | null>;

const NOT_IN_A_WORD = /[\s\u0000]/g;

/**
 * Bytes of one piece of a NAMES answer: under the 16 KiB a socket writes straight from the stack,
 * so a big listing is never copied into one large native buffer.
 */
const NAMES_PIECE_BYTES = 15 * 1024;

function oneWord(param: string): string {
  const word = param.replace(NOT_IN_A_WORD, '?');
  return word.length === 0 ? '*' : word.charCodeAt(0) === 0x3a ? `?${word.slice(1)}` : word;
}

/** Lines that come from the server itself, addressed to one client (`*` before it has a nick). */
export class ServerReplies {
  readonly serverName: string;

  constructor(serverName: string) {
    this.serverName = serverName;
  }

  /** `:server CODE target params...` */
  numeric(code: string, target: string, ...params: string[]): string {
    // Middle parameters may echo what a client typed: keep each one word, so none can pose as two.
    for (let i = 0; i < params.length - 1; i++) params[i] = oneWord(params[i]!);
    return formatIrcLine(this.serverName, code, [target, ...params]);
  }

  /**
   * NAMES' answer: `353` lines listing the nicks of `items`, each packed as full as 512 bytes
   * allow, then `366` — the lines {@link numeric} makes, joined into pieces of about
   * {@link NAMES_PIECE_BYTES}: a main chat of thousands costs a few strings made in one go each, no
   * string per line or per nick, and each piece is small enough for the socket to write at once.
   */
  names<T>(target: string, channel: string, items: readonly T[], nickOf: (item: T) => string): string[] {
    // What a line holds besides its nicks (with ` :` and CR LF), against the 512-byte limit.
    const overhead = Buffer.byteLength(`:${this.serverName} ${RPL.NAMREPLY} ${target} = ${channel} :\r\n`);
    const pieces: string[] = [];
    let piece = '';
    let pieceBytes = 0;
    const line: string[] = [];
    let i = 0;
    while (i < items.length) {
      const first = nickOf(items[i]!);
      line.push(first);
      let size = overhead + Buffer.byteLength(first) + 1;
      for (i += 1; i < items.length; i++) {
        const nick = nickOf(items[i]!);
        const bytes = Buffer.byteLength(nick) + 1;
        if (size + bytes > MAX_LINE_BYTES) break;
        line.push(nick);
        size += bytes;
      }
      piece += this.numeric(RPL.NAMREPLY, target, '=', channel, line.join(' '));
      line.length = 0;
      pieceBytes += size;
      if (pieceBytes >= NAMES_PIECE_BYTES) {
        pieces.push(piece);
        piece = '';
        pieceBytes = 0;
      }
    }
    pieces.push(piece + this.numeric(RPL.ENDOFNAMES, target, channel, 'End of /NAMES list'));
    return pieces;
  }

  /** Any other server message (`PONG`, `CAP`, `NOTICE`, `AUTHENTICATE`). */
  command(command: string, ...params: string[]): string {
    return formatIrcLine(this.serverName, command, params);
  }

  /** `ERROR :text`, the last line before the server closes a link (RFC 2812 §3.7.4). */
  error(text: string): string {
    return `ERROR :${text}\r\n`;
  }
}

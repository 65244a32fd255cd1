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
   * NAMES' answer: `353` lines listing the nicks of `items`, each line packed as full as 512 bytes
   * allow, then `366` — the lines {@link numeric} makes, as one buffer: a main chat of thousands is
   * one write, with no string per line (a welcome lists it, and a join storm is thousands of them).
   */
  names<T>(target: string, channel: string, items: readonly T[], nickOf: (item: T) => string): Buffer {
    const head = `:${this.serverName} ${RPL.NAMREPLY} ${target} = ${oneWord(channel)} `;
    const headBytes = Buffer.byteLength(head);
    // What a line holds besides its nicks (with ` :` and CR LF), against the 512-byte limit.
    const overhead = Buffer.byteLength(`:${this.serverName} ${RPL.NAMREPLY} ${target} = ${channel} :\r\n`);
    const end = this.numeric(RPL.ENDOFNAMES, target, channel, 'End of /NAMES list');
    // First where each line starts and the size; then the bytes.
    const starts: number[] = [];
    let total = Buffer.byteLength(end);
    let size = overhead;
    for (let i = 0; i < items.length; i++) {
      const bytes = Buffer.byteLength(nickOf(items[i]!)) + 1;
      const from = starts.length === 0 ? -1 : starts[starts.length - 1]!;
      if (from === -1 || (size + bytes > MAX_LINE_BYTES && i > from)) {
        if (from !== -1) total += lineBytes(headBytes, size - overhead, i - from, nickOf(items[from]!));
        starts.push(i);
        size = overhead;
      }
      size += bytes;
    }
    if (starts.length > 0) {
      const from = starts[starts.length - 1]!;
      total += lineBytes(headBytes, size - overhead, items.length - from, nickOf(items[from]!));
    }
    const out = Buffer.allocUnsafe(total);
    let at = 0;
    for (let line = 0; line < starts.length; line++) {
      const from = starts[line]!;
      const to = line + 1 < starts.length ? starts[line + 1]! : items.length;
      const first = nickOf(items[from]!);
      at += out.write(head, at);
      if (isTrailing(to - from, first)) out[at++] = 0x3a;
      at += out.write(first, at);
      for (let i = from + 1; i < to; i++) {
        out[at++] = 0x20;
        at += out.write(nickOf(items[i]!), at);
      }
      out[at++] = 0x0d;
      out[at++] = 0x0a;
    }
    out.write(end, at);
    return out;
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

/** Whether a 353 line's nicks go as a trailing parameter, as {@link formatIrcLine} decides it. */
function isTrailing(count: number, first: string): boolean {
  return count > 1 || first.length === 0 || first.includes(' ') || first.charCodeAt(0) === 0x3a;
}

/** One 353 line's bytes: `nickBytes` counts each nick and a space after it (one too many). */
function lineBytes(headBytes: number, nickBytes: number, count: number, first: string): number {
  return headBytes + (isTrailing(count, first) ? 1 : 0) + nickBytes - 1 + 2;
}

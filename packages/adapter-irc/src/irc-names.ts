import { createHash } from 'node:crypto';

/**
 * How chat names, which may hold any byte, become IRC nicks and channels and back, pure.
 *
 * A name keeps every character an IRC nick may hold: ASCII letters and digits, `- [ ] ` ^ { } | _`,
 * and non-ASCII letters, marks and digits (`Ёжик` stays `Ёжик`). Every other byte, and a digit or
 * `-` in first place, becomes `\` and two upper-case hex digits: `john doe` → `john\20doe`,
 * `1st` → `\31st`, `a.b` → `a\2Eb`, a byte 0xFF → `\FF`; a backslash itself is `\5C`. So the
 * mapping is one-to-one and an IRC user messages a name back by its nick. A mapping longer than
 * {@link NICKLEN} bytes is cut and ended with `\_` and eight hex digits of the name's SHA-256:
 * still the same for everyone, and recognised by looking the name up (it is never a nick that an
 * IRC user can choose, since `\` is otherwise always followed by two hex digits).
 */

/** Bytes, as ISUPPORT's NICKLEN says. */
export const NICKLEN = 64;
/** `#` and at most 64 room-name bytes (tcp-rooms' limit), each possibly escaped to three. */
export const CHANNELLEN = 1 + 64 * 3;
export const MAIN_CHANNEL = '#main';

const ESCAPE = '\\';
const HASH_MARK = '\\_';
const HASH_DIGITS = 8;
/** ASCII a nick may hold anywhere (RFC 2812 letters, digits, special, `-`), the backslash aside. */
const NICK_ASCII = /^[A-Za-z0-9\-[\]`^{}|_]$/;
const NICK_FIRST_ASCII = /^[A-Za-z[\]`^{}|_]$/;
/** Letters, marks and digits of every script beyond ASCII. */
const NICK_UNICODE = /^[\p{L}\p{M}\p{N}]$/u;

const hex = (byte: number) => `${ESCAPE}${byte.toString(16).toUpperCase().padStart(2, '0')}`;

/** The nick of a name (its bytes), the same wherever and whenever it is computed. */
export function nickOf(name: Uint8Array): string {
  if (isPlainNick(name)) return Buffer.from(name.buffer, name.byteOffset, name.byteLength).toString('latin1');
  const escaped = escapeBytes(name, (character, first) =>
    character.codePointAt(0)! < 0x80
      ? (first ? NICK_FIRST_ASCII : NICK_ASCII).test(character)
      : NICK_UNICODE.test(character),
  );
  if (Buffer.byteLength(escaped.text) <= NICKLEN) return escaped.text;
  return shortened(escaped.pieces, name);
}

/** The common case, without allocating: short, ASCII, and nothing to escape. */
function isPlainNick(name: Uint8Array): boolean {
  if (name.length === 0 || name.length > NICKLEN) return false;
  for (let i = 0; i < name.length; i++) {
    const byte = name[i]!;
    if (!PLAIN_BYTE[byte]) return false;
    if (i === 0 && (byte === 0x2d || (byte >= 0x30 && byte <= 0x39))) return false;
  }
  return true;
}

/**
 * {@link isPlainNick} of a name's key (its bytes one char each): such a name's nick is its key, so
 * listing thousands of names makes no string and no buffer.
 */
export function isPlainNickKey(key: string): boolean {
  if (key.length === 0 || key.length > NICKLEN) return false;
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i);
    if (code > 0xff || !PLAIN_BYTE[code]) return false;
    if (i === 0 && (code === 0x2d || (code >= 0x30 && code <= 0x39))) return false;
  }
  return true;
}

const PLAIN_BYTE: boolean[] = Array.from(
  { length: 256 },
  (_, byte) => byte < 0x80 && byte !== 0x5c && NICK_ASCII.test(String.fromCharCode(byte)),
);

/** True for a nick made by shortening a long name: it can only be looked up, not decoded. */
export function isShortenedNick(nick: string): boolean {
  return nick.includes(HASH_MARK);
}

/**
 * The name (bytes) a nick stands for, or null when the nick is not one {@link nickOf} makes: a
 * character a nick may not hold, a stray or non-canonical escape, too long, or shortened.
 */
export function nameOfNick(nick: string): Buffer | null {
  if (nick.length === 0 || Buffer.byteLength(nick) > NICKLEN) return null;
  const bytes = unescapeBytes(nick);
  if (bytes === null) return null;
  // Only the canonical spelling is the name's nick, so no two nicks mean one name.
  return nickOf(bytes) === nick ? bytes : null;
}

/**
 * The channel of a private room: `#` and the room name, with spaces, commas, colons, backslashes,
 * control characters and invalid UTF-8 escaped as in nicks. A room whose name is `main` in any
 * case gets its first letter escaped, so it is never taken for the main chat.
 */
export function channelOfRoom(room: string): string {
  const bytes = Buffer.from(room, 'utf8');
  const escaped = escapeBytes(bytes, (character, first) => {
    if (first && room.toLowerCase() === 'main') return false;
    return !/[\s,:\\\u0000-\u001f\u007f-\u009f]/u.test(character);
  });
  return `#${escaped.text}`;
}

/** The room a channel stands for: null for `#main`, undefined for a channel that is no room's. */
export function roomOfChannel(channel: string): string | null | undefined {
  if (channel === MAIN_CHANNEL) return null;
  if (channel.charCodeAt(0) !== 0x23 /* # */ || channel.length < 2) return undefined;
  const bytes = unescapeBytes(channel.slice(1));
  if (bytes === null) return undefined;
  const room = bytes.toString('utf8');
  if (Buffer.compare(Buffer.from(room, 'utf8'), bytes) !== 0) return undefined;
  return channelOfRoom(room) === channel ? room : undefined;
}

interface Escaped {
  text: string;
  /** The output piece of each input character, so a long result can be cut between them. */
  pieces: string[];
}

/** Keeps each whole, valid UTF-8 character that `keep` accepts and escapes every other byte. */
function escapeBytes(bytes: Uint8Array, keep: (character: string, first: boolean) => boolean): Escaped {
  const pieces: string[] = [];
  let at = 0;
  while (at < bytes.length) {
    const length = utf8Length(bytes, at);
    const character = length > 0 ? Buffer.from(bytes.subarray(at, at + length)).toString('utf8') : '';
    if (length > 0 && keep(character, at === 0)) {
      pieces.push(character);
      at += length;
    } else {
      // An invalid byte alone, or each byte of a refused character.
      const end = length > 0 ? at + length : at + 1;
      let piece = '';
      for (; at < end; at++) piece += hex(bytes[at]!);
      pieces.push(piece);
    }
  }
  return { text: pieces.join(''), pieces };
}

function shortened(pieces: readonly string[], name: Uint8Array): string {
  const digest = createHash('sha256').update(name).digest('hex').slice(0, HASH_DIGITS).toUpperCase();
  const budget = NICKLEN - HASH_MARK.length - HASH_DIGITS;
  let head = '';
  let size = 0;
  for (const piece of pieces) {
    const pieceSize = Buffer.byteLength(piece);
    if (size + pieceSize > budget) break;
    head += piece;
    size += pieceSize;
  }
  return `${head}${HASH_MARK}${digest}`;
}

/** The bytes of an escaped text, or null when a backslash is not followed by two hex digits. */
function unescapeBytes(text: string): Buffer | null {
  if (!text.includes(ESCAPE)) return Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  let from = 0;
  for (let slash = text.indexOf(ESCAPE); slash !== -1; slash = text.indexOf(ESCAPE, from)) {
    const digits = text.slice(slash + 1, slash + 3);
    if (!/^[0-9A-F]{2}$/.test(digits)) return null;
    parts.push(Buffer.from(text.slice(from, slash), 'utf8'), Buffer.of(Number.parseInt(digits, 16)));
    from = slash + 3;
  }
  parts.push(Buffer.from(text.slice(from), 'utf8'));
  return Buffer.concat(parts);
}

/** The length of the valid UTF-8 character at `at` (1–4), or 0 when the byte there starts none. */
function utf8Length(bytes: Uint8Array, at: number): number {
  const first = bytes[at]!;
  if (first < 0x80) return 1;
  let length: number;
  let min: number;
  if (first >= 0xc2 && first <= 0xdf) [length, min] = [2, 0x80];
  else if (first >= 0xe0 && first <= 0xef) [length, min] = [3, 0x800];
  else if (first >= 0xf0 && first <= 0xf4) [length, min] = [4, 0x10000];
  else return 0;
  if (at + length > bytes.length) return 0;
  let code = first & (0xff >> (length + 1));
  for (let i = 1; i < length; i++) {
    const next = bytes[at + i]!;
    if ((next & 0xc0) !== 0x80) return 0;
    code = (code << 6) | (next & 0x3f);
  }
  if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return 0;
  return length;
}

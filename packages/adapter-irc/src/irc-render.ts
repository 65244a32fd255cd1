import type { ChatMessage } from '@switchboard/core';
import { MAX_LINE_BYTES } from './irc-codec.ts';
import { CHANNELLEN, NICKLEN, nickOf } from './irc-names.ts';

/**
 * Chat messages of every protocol as IRC lines, pure. A text may hold anything (line breaks,
 * NUL, 0x01, any length), so it is made safe for one line and then cut into as many `PRIVMSG`
 * lines as the 512-byte limit needs, each with the sender and target repeated.
 */

/** IRC's own formatting codes (bold, colour, reset, monospace, reverse, italics, strike, underline). */
const FORMATTING = new Set([0x02, 0x03, 0x04, 0x0f, 0x11, 0x16, 0x1d, 0x1e, 0x1f, 0x09]);
const UNSAFE = /[\u0000-\u001f\u007f]/;
const UNSAFE_ALL = /[\u0000-\u001f\u007f]/g;

/**
 * Makes a text safe inside one IRC line: CR, LF, NUL and every other control character but
 * IRC's formatting codes and tab become their Unicode control pictures (LF → ␊, CR → ␍, NUL → ␀,
 * ESC → ␛, DEL → ␡), so nothing can end the line or reach a terminal; 0x01 is removed, so no
 * CTCP request (DCC, VERSION) can be forged from another protocol.
 */
export function sanitizeText(text: string): string {
  if (!UNSAFE.test(text)) return text;
  return text.replace(UNSAFE_ALL, (character) => {
    const code = character.charCodeAt(0);
    if (code === 0x01) return '';
    if (FORMATTING.has(code)) return character;
    return String.fromCharCode(code === 0x7f ? 0x2421 : 0x2400 + code);
  });
}

/** Cuts UTF-8 bytes into pieces of at most `maxBytes`, never inside a character. */
export function splitUtf8(bytes: Buffer, maxBytes: number): Buffer[] {
  if (bytes.length <= maxBytes) return [bytes];
  const pieces: Buffer[] = [];
  let from = 0;
  while (from < bytes.length) {
    let to = Math.min(from + maxBytes, bytes.length);
    // Back off continuation bytes so the cut falls between characters.
    if (to < bytes.length) while (to > from && (bytes[to]! & 0xc0) === 0x80) to--;
    if (to === from) to = Math.min(from + maxBytes, bytes.length);
    pieces.push(bytes.subarray(from, to));
    from = to;
  }
  return pieces;
}

/** A message turned into IRC once for all its recipients; only the target differs per recipient. */
export interface RenderedMessage {
  /** `:nick!chat@server PRIVMSG ` */
  readonly head: string;
  /** ` :piece\r\n` for each piece of the text. */
  readonly tails: readonly string[];
  /** The target last addressed and its lines ({@link deliveryBytes}), shared by every recipient of it. */
  target: string | null;
  lines: Buffer | null;
}

/** How an IRC user sends `/me waves` (CTCP ACTION), and how the other protocols see it. */
export const ACTION_PREFIX = '/me ';

/** Every chat user's address as IRC shows it: the nick, a fixed user, the server's name. */
export function userPrefix(nick: string, serverName: string): string {
  return `${nick}!chat@${serverName}`;
}

/**
 * The two encoders of one server: direct messages are addressed to a nick, broadcasts to a
 * channel, and each leaves room for its longest target. They are long-lived functions, as
 * {@link ChatMessage.encoded} needs, so a broadcast is rendered once for all IRC recipients.
 */
export function deliveryEncoders(serverName: string): {
  direct: (message: ChatMessage) => RenderedMessage;
  broadcast: (message: ChatMessage) => RenderedMessage;
} {
  const render = (message: ChatMessage, maxTarget: number): RenderedMessage => {
    const head = `:${userPrefix(nickOf(message.sender.bytes), serverName)} PRIVMSG `;
    let text = sanitizeText(message.text);
    const action = text.startsWith(ACTION_PREFIX);
    if (action) text = text.slice(ACTION_PREFIX.length);
    const [open, close] = action ? [' :\u0001ACTION ', '\u0001\r\n'] : [' :', '\r\n'];
    const budget = MAX_LINE_BYTES - Buffer.byteLength(head) - maxTarget - open.length - close.length;
    // Most texts fit one line; only a longer one is cut, between characters, as bytes.
    const pieces =
      text.length * 3 <= budget || Buffer.byteLength(text) <= budget
        ? [text]
        : splitUtf8(Buffer.from(text, 'utf8'), budget).map((piece) => piece.toString('utf8'));
    return { head, tails: pieces.map((piece) => `${open}${piece}${close}`), target: null, lines: null };
  };
  return {
    direct: (message) => render(message, NICKLEN),
    broadcast: (message) => render(message, CHANNELLEN),
  };
}

/** The lines of one delivery to `target` (a nick or a channel), as one string written whole. */
export function addressed(rendered: RenderedMessage, target: string): string {
  const { head, tails } = rendered;
  if (tails.length === 1) return head + target + tails[0];
  let lines = '';
  for (const tail of tails) lines += head + target + tail;
  return lines;
}

/**
 * {@link addressed} as bytes, made once per target: every IRC recipient of a broadcast has the
 * same target (the channel the message was sent to), so they all write one shared buffer; a direct
 * message is addressed to each recipient's nick, the one part that differs.
 */
export function deliveryBytes(rendered: RenderedMessage, target: string): Buffer {
  if (rendered.target !== target || rendered.lines === null) {
    rendered.lines = Buffer.from(addressed(rendered, target), 'utf8');
    rendered.target = target;
  }
  return rendered.lines;
}

import { MAX_NAME_BYTES } from '@switchboard/core';
import { z } from 'zod';

/**
 * The json-ws wire format (seed 000): one JSON object per WebSocket text frame. Field names are
 * the seed's own, misspellings included (`recieve_status`, `recievers`, `recieve_message`).
 * Pure: strings and buffers in, frames out; no sockets, no routing.
 */

export interface HelloFrame {
  readonly type: 'hello';
  readonly user: string;
}

export interface ReceiveStatusFrame {
  readonly type: 'recieve_status';
}

export interface SendMessageFrame {
  readonly type: 'send_message';
  readonly text: string;
  /** Absent: a broadcast to the main chat. Present: a direct message (may be empty; the adapter refuses that). */
  readonly recievers: readonly string[] | undefined;
}

export type ClientFrame = HelloFrame | ReceiveStatusFrame | SendMessageFrame;

export type DecodeResult =
  | { readonly ok: true; readonly frame: ClientFrame }
  | { readonly ok: false; readonly error: string; readonly oversized?: true };

export interface DecodeLimits {
  /** Longest accepted `text`, in Unicode code points (inclusive). */
  readonly maxTextCodePoints: number;
  /** Most names in one `recievers` list (inclusive); {@link DEFAULT_MAX_RECIPIENTS} when left out. */
  readonly maxRecipients?: number;
}

export const DEFAULT_MAX_RECIPIENTS = 1000;

/**
 * Deepest nesting of arrays and objects a frame may have. The vocabulary needs three
 * (`{"data":{"recievers":[...]}}`); the rest is room for fields a client adds. Refusing deeper
 * frames before `JSON.parse` keeps the parse cost linear and small: `[` × 400,000 costs
 * `JSON.parse` tens of milliseconds, this check well under one.
 */
export const MAX_NESTING = 8;

/**
 * The largest frame a valid message can need, so the frame limit follows the message limits
 * instead of being a flat 1 MiB: the text with every code point written as two `\uXXXX` escapes
 * (12 bytes), each recipient as a 256-byte name whose every byte needed a two-byte escape, and
 * room for the envelope.
 */
export function largestFrameBytes(limits: DecodeLimits): number {
  const recipients = limits.maxRecipients ?? DEFAULT_MAX_RECIPIENTS;
  return limits.maxTextCodePoints * 12 + recipients * (2 * MAX_NAME_BYTES + 3) + ENVELOPE_BYTES;
}

/** Type, field names, quotes and whatever small fields a client adds besides. */
const ENVELOPE_BYTES = 1024;

/** What a `recieve_message` frame is made of; a core `ChatMessage` is one. */
export interface ReceivedMessage {
  readonly sender: { readonly text: string };
  readonly text: string;
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
}

const helloSchema = z.object({ data: z.object({ user: z.string() }) });
const sendMessageSchema = z.object({
  data: z.object({
    text: z.string(),
    // null is read as "absent": clients that serialize an unset field as null mean "everyone".
    recievers: z.array(z.string()).nullish(),
  }),
});

/** Longest piece of client input echoed back in an error, so an error frame stays small. */
const MAX_ECHO_CHARS = 64;

/** Decodes one text frame; every failure is a message fit for an `error` frame. */
export function decodeClientFrame(text: string, limits: DecodeLimits): DecodeResult {
  if (nestsDeeperThan(text, MAX_NESTING)) {
    return { ok: false, error: `invalid JSON: nested deeper than ${MAX_NESTING} levels` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, error: 'invalid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, error: 'a frame must be a JSON object with a "type"' };
  }
  // A string `type` (checked by hand: a schema costs more than the rest of a small frame).
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string') return { ok: false, error: '"type" must be a string' };
  switch (type) {
    case 'hello': {
      const parsed = helloSchema.safeParse(value);
      if (!parsed.success) return { ok: false, error: describeIssue('hello', parsed.error) };
      return { ok: true, frame: { type: 'hello', user: parsed.data.data.user } };
    }
    case 'recieve_status':
      return { ok: true, frame: RECEIVE_STATUS };
    case 'send_message': {
      // Counted before the schema looks at each name: zod takes about a microsecond per name.
      const tooMany = countRecipientsOver(value, limits.maxRecipients ?? DEFAULT_MAX_RECIPIENTS);
      if (tooMany !== null) return { ok: false, error: tooMany };
      let messageText: string;
      let recievers: readonly string[] | null | undefined;
      const data = (value as { data?: unknown }).data;
      if (isSendMessageData(data)) {
        // The common case, checked by hand: what the schema accepts, without its cost per frame.
        messageText = data.text;
        recievers = data.recievers;
      } else {
        // The schema says what is wrong.
        const parsed = sendMessageSchema.safeParse(value);
        if (!parsed.success) return { ok: false, error: describeIssue('send_message', parsed.error) };
        ({ text: messageText, recievers } = parsed.data.data);
      }
      if (isLongerThan(messageText, limits.maxTextCodePoints)) {
        return {
          ok: false,
          error: `text is longer than ${limits.maxTextCodePoints} characters; not sent`,
          oversized: true,
        };
      }
      return {
        ok: true,
        frame: { type: 'send_message', text: messageText, recievers: recievers ?? undefined },
      };
    }
    default:
      return { ok: false, error: `unknown type ${JSON.stringify(clip(type))}` };
  }
}

const RECEIVE_STATUS: ReceiveStatusFrame = Object.freeze({ type: 'recieve_status' });

/** `chat_status`: the active names, already sorted by the caller. */
export function encodeChatStatusFrame(names: readonly string[]): string {
  return JSON.stringify({ type: 'chat_status', data: { active_clients: names } });
}

/**
 * `recieve_message`, as UTF-8 bytes ready to be sent to many connections: meant for
 * `message.encoded(encodeReceiveMessageFrame)`, so a broadcast is serialized once.
 * `timestamp` is whole Unix seconds.
 */
export function encodeReceiveMessageFrame(message: ReceivedMessage): Buffer {
  return Buffer.from(receiveMessageText(message), 'utf8');
}

/** `recieve_message` as JSON text (for a transport that frames it itself). */
export function receiveMessageText(message: ReceivedMessage): string {
  return JSON.stringify({
    type: 'recieve_message',
    data: {
      sender: message.sender.text,
      timestamp: Math.floor(message.timestamp / 1000),
      text: message.text,
    },
  });
}

export function encodeErrorFrame(message: string): string {
  return JSON.stringify({ type: 'error', data: { message } });
}

/**
 * Whether `text` has more than `max` Unicode code points. A code point takes one or two UTF-16
 * units, so most texts are settled by their `.length` without counting.
 */
export function isLongerThan(text: string, max: number): boolean {
  if (text.length <= max) return false;
  if (text.length > 2 * max) return true;
  let codePoints = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // A high surrogate followed by a low one is one code point; lone surrogates count as one each.
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    codePoints++;
    if (codePoints > max) return true;
  }
  return false;
}

/** Whether `sendMessageSchema` accepts this `data`: an object with a string `text` and, if any, a list of strings. */
function isSendMessageData(
  data: unknown,
): data is { readonly text: string; readonly recievers?: readonly string[] | null } {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return false;
  const { text, recievers } = data as { text?: unknown; recievers?: unknown };
  if (typeof text !== 'string') return false;
  if (recievers === undefined || recievers === null) return true;
  if (!Array.isArray(recievers)) return false;
  for (const name of recievers) if (typeof name !== 'string') return false;
  return true;
}

/** The error for a `recievers` array longer than `max`, or null (also when it is no array). */
function countRecipientsOver(value: object, max: number): string | null {
  const data = (value as { data?: unknown }).data;
  if (typeof data !== 'object' || data === null) return null;
  const recievers = (data as { recievers?: unknown }).recievers;
  if (!Array.isArray(recievers) || recievers.length <= max) return null;
  return `too many recievers: ${recievers.length}, at most ${max} per message; not sent`;
}

/**
 * Whether arrays and objects in `text` nest deeper than `max`, brackets inside strings not
 * counted. Not a validation: whatever this lets through, `JSON.parse` still judges.
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit === QUOTE) {
      i = endOfString(text, i + 1);
    } else if (unit === OPEN_BRACKET || unit === OPEN_BRACE) {
      depth++;
      if (depth > max) return true;
    } else if (unit === CLOSE_BRACKET || unit === CLOSE_BRACE) {
      depth--;
    }
  }
  return false;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/** The index of the quote that ends the string starting at `from` (or the end of the text). */
function endOfString(text: string, from: number): number {
  let i = from;
  for (;;) {
    const quote = text.indexOf('"', i);
    if (quote === -1) return text.length;
    // A quote preceded by an odd number of backslashes is escaped.
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote;
    i = quote + 1;
  }
}

function describeIssue(type: string, error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return `invalid ${type}`;
  const path = issue.path.map(String).join('.');
  if (issue.code === 'invalid_type') {
    const article = /^[aeiou]/.test(issue.expected) ? 'an' : 'a';
    return `invalid ${type}: ${path} must be ${article} ${issue.expected}`;
  }
  return `invalid ${type}: ${path}: ${issue.message}`;
}

function clip(text: string): string {
  return text.length > MAX_ECHO_CHARS ? `${text.slice(0, MAX_ECHO_CHARS)}…` : text;
}

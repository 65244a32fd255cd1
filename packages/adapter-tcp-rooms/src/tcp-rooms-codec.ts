import type { FrameReader } from '@switchboard/core';

/**
 * The tcp-rooms wire format, pure: bytes in, lines out; chat messages in, whole lines out.
 * No sockets and no core routing here, so every function can be tested at every byte split.
 */

const LF = 0x0a;
const CR = 0x0d;

/** Receives what a {@link LineSplitter} finds, in arrival order. */
export interface LineHandler {
  /** A complete line, without its `\n` or `\r\n`; invalid UTF-8 shows as U+FFFD. */
  line(text: string): void;
  /** A line longer than the limit: reported once, its bytes are neither kept nor delivered. */
  tooLong(): void;
}

/**
 * Splits a byte stream into lines ending in `\n` (`\r\n` accepted), whatever the chunking.
 * Memory stays bounded: at most `maxLineBytes + 1` bytes of an unfinished line are kept, and
 * the rest of an over-long line is skipped up to its newline without being buffered.
 */
export class LineSplitter {
  readonly #maxLineBytes: number;
  /** The start of an unfinished line, in pieces; null while there is none (most of the time). */
  #pending: Buffer[] | null = null;
  #pendingLength = 0;
  #skipping = false;

  /** `maxLineBytes` counts the line without its ending; a line of exactly that size is accepted. */
  constructor(maxLineBytes: number) {
    this.#maxLineBytes = maxLineBytes;
  }

  /** Feeds the next chunk; handler methods run synchronously, once per line found. */
  push(chunk: Uint8Array, handler: LineHandler): void {
    const bytes = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.feed(bytes, 0, handler, Number.POSITIVE_INFINITY);
  }

  /**
   * Feeds `bytes` from `start` until `maxEvents` lines (or too-long reports) were found, and
   * returns where it stopped: `bytes.length` once everything is taken. A caller that has no
   * room for more lines keeps the rest as raw bytes, so decoded input never piles up.
   */
  feed(bytes: Buffer, start: number, handler: LineHandler, maxEvents: number): number {
    const length = bytes.length;
    let events = 0;
    while (start < length && events < maxEvents) {
      const newline = bytes.indexOf(LF, start);
      if (this.#skipping) {
        if (newline === -1) return length;
        this.#skipping = false;
      } else if (newline === -1) {
        // Keeps the tail, or reports it too long: at most one event, and all is taken.
        this.#keep(bytes, start, length, handler);
        return length;
      } else {
        this.#complete(bytes, start, newline, handler);
        events += 1;
      }
      start = newline + 1;
    }
    return start;
  }

  /** True while an unfinished line is held (what EOF would cut off). */
  get hasPartialLine(): boolean {
    return this.#pendingLength > 0 || this.#skipping;
  }

  #keep(bytes: Buffer, start: number, end: number, handler: LineHandler): void {
    const total = this.#pendingLength + (end - start);
    // Room for the limit plus the `\r` of a `\r\n` whose `\n` is still on its way.
    const max = this.#maxLineBytes;
    if (total > max + 1 || (total === max + 1 && bytes[end - 1] !== CR)) {
      this.#reset();
      this.#skipping = true;
      handler.tooLong();
      return;
    }
    // A copy, so a few pending bytes never pin a whole 64 KiB socket chunk.
    const piece = Buffer.from(bytes.subarray(start, end));
    if (this.#pending === null) this.#pending = [piece];
    else this.#pending.push(piece);
    this.#pendingLength = total;
  }

  #complete(bytes: Buffer, start: number, end: number, handler: LineHandler): void {
    let line = bytes;
    let from = start;
    let to = end;
    const pending = this.#pending;
    if (pending !== null) {
      pending.push(bytes.subarray(start, end));
      line = Buffer.concat(pending, this.#pendingLength + (end - start));
      this.#reset();
      from = 0;
      to = line.length;
    }
    if (to > from && line[to - 1] === CR) to -= 1;
    if (to - from > this.#maxLineBytes) handler.tooLong();
    else handler.line(line.toString('utf8', from, to));
  }

  #reset(): void {
    this.#pending = null;
    this.#pendingLength = 0;
  }
}

/** The frame a {@link LineReader} gives for a line over the limit (it is answered, never run). */
export const LINE_TOO_LONG = Symbol('line too long');
export type Line = string | typeof LINE_TOO_LONG;

/** A {@link LineSplitter} read one line at a time, as the connection runtime reads frames. */
export class LineReader extends LineSplitter implements FrameReader<Line>, LineHandler {
  offset = 0;
  #found: Line | null = null;

  /** Never: a line too long is a frame (it is answered), not broken input. */
  get failed(): boolean {
    return false;
  }

  next(chunk: Buffer, at: number): Line | null {
    this.offset = this.feed(chunk, at, this, 1);
    const found = this.#found;
    this.#found = null;
    return found;
  }

  /** @internal */
  line(text: string): void {
    this.#found = text;
  }

  /** @internal */
  tooLong(): void {
    this.#found = LINE_TOO_LONG;
  }
}

/** Line breaks, C0/C1 controls, DEL, U+2028/U+2029, and the backslash that starts an escape. */
const NEEDS_ESCAPE = /[\\\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const ESCAPABLE = /[\\\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

function escapeCharacter(character: string): string {
  switch (character) {
    case '\\':
      return '\\\\';
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
  }
  const code = character.charCodeAt(0);
  return code < 0x80
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Makes any text safe inside one output line: nothing in it can end the line, move the cursor
 * or pose as another line. A literal backslash doubles, so `\n` in the output always means an
 * escaped line break and never the two characters a sender typed.
 */
export function escapeLineText(text: string): string {
  return NEEDS_ESCAPE.test(text) ? text.replace(ESCAPABLE, escapeCharacter) : text;
}

/** `NICK (HH:MM): TEXT\n`, or `NICK (HH:MM) [private]: TEXT\n` for a direct message. */
export function renderChatLine(sender: string, time: string, text: string, direct: boolean): string {
  const tag = direct ? ' [private]' : '';
  return `${escapeLineText(sender)} (${time})${tag}: ${escapeLineText(text)}\n`;
}

/** True when `timeZone` is an IANA zone (or alias) this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/**
 * `HH:MM` (24-hour) in one time zone. The formatter is built once, and the text of the last
 * minute is remembered, since a burst of messages mostly shares one minute.
 */
export class ClockFormat {
  readonly #format: Intl.DateTimeFormat;
  #minute = Number.NaN;
  #text = '';

  constructor(timeZone: string) {
    this.#format = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
  }

  format(timestampMs: number): string {
    const minute = Math.floor(timestampMs / 60_000);
    if (minute !== this.#minute) {
      this.#minute = minute;
      this.#text = this.#format.format(timestampMs);
    }
    return this.#text;
  }
}

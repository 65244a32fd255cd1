import type { FrameReader } from '@switchboard/core';

/**
 * The IRC wire format, pure: lines of at most 512 bytes ended by CR LF (RFC 1459 §2.3), and the
 * `[@tags] [:prefix] COMMAND params... [:trailing]` message inside each. No routing, no state.
 */

/** RFC 1459: a message is at most 512 bytes, the CR LF included. */
export const MAX_LINE_BYTES = 512;
/** What may come before the line ending: 510 bytes is accepted, 511 is refused. */
export const MAX_LINE_CONTENT_BYTES = MAX_LINE_BYTES - 2;
/** RFC 2812 §2.3: at most 15 parameters; the 15th takes the rest of the line. */
export const MAX_PARAMS = 15;

const LF = 0x0a;
const CR = 0x0d;

/** What {@link IrcLineDecoder.next} returns for a line over the limit (reported once, at once). */
export const LINE_TOO_LONG = Symbol('line too long');
export type DecodedLine = Buffer | typeof LINE_TOO_LONG;

/**
 * Cuts a byte stream into lines, whatever the reads' boundaries. CR and LF each end a line (so
 * CR LF, LF and a bare CR all work, and no CR ever reaches a command); empty lines are skipped.
 * A line longer than `maxContentBytes` is reported as {@link LINE_TOO_LONG} as soon as its extra
 * byte arrives, and the rest of it, up to its line ending, is discarded unbuffered: it is never
 * cut into two commands.
 */
export class IrcLineDecoder implements FrameReader<DecodedLine> {
  readonly #maxContentBytes: number;
  /** Pieces of the line not yet ended, copied out of their chunks only when it ends (made on first use). */
  #pending: Buffer[] | null = null;
  #pendingBytes = 0;
  /** Inside a line already reported too long: skip to its end. */
  #skipping = false;
  #offset = 0;

  constructor(maxContentBytes: number = MAX_LINE_CONTENT_BYTES) {
    this.#maxContentBytes = maxContentBytes;
  }

  /** Where the chunk given to the last {@link next} continues; its length once it is used up. */
  get offset(): number {
    return this.#offset;
  }

  /** Never: a line over the limit is a {@link LINE_TOO_LONG} frame, which IRC answers (417). */
  get failed(): boolean {
    return false;
  }

  /** Bytes held of a line not yet ended (at most the limit). */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /**
   * Reads the one line of `chunk` that starts at `offset`, so a caller can handle lines as they
   * come and stop at any point. Returns the line (without its ending; a view of the chunk when it
   * lies wholly inside it), {@link LINE_TOO_LONG}, or null when the chunk ends first.
   */
  next(chunk: Buffer, offset = 0): DecodedLine | null {
    let at = offset;
    while (at < chunk.length) {
      const end = lineEnd(chunk, at);
      if (this.#skipping) {
        if (end === -1) break;
        this.#skipping = false;
        at = end + 1;
        continue;
      }
      if (end === -1) {
        const rest = chunk.length - at;
        if (this.#pendingBytes + rest > this.#maxContentBytes) return this.#tooLong(chunk.length);
        if (this.#pending === null) this.#pending = [];
        this.#pending.push(chunk.subarray(at));
        this.#pendingBytes += rest;
        break;
      }
      if (this.#pendingBytes + end - at > this.#maxContentBytes) {
        this.#discardPending();
        this.#offset = end + 1;
        return LINE_TOO_LONG;
      }
      const line = this.#finishLine(chunk.subarray(at, end));
      at = end + 1;
      if (line.length > 0) {
        this.#offset = at;
        return line;
      }
    }
    this.#offset = chunk.length;
    return null;
  }

  /** Feeds one chunk and returns everything it ends, in order. */
  push(chunk: Buffer): DecodedLine[] {
    const lines: DecodedLine[] = [];
    let offset = 0;
    while (offset < chunk.length) {
      const line = this.next(chunk, offset);
      offset = this.#offset;
      if (line !== null) lines.push(line);
    }
    return lines;
  }

  #finishLine(tail: Buffer): Buffer {
    const pending = this.#pending;
    if (this.#pendingBytes === 0 || pending === null) return tail;
    pending.push(tail);
    const line = Buffer.concat(pending, this.#pendingBytes + tail.length);
    this.#discardPending();
    return line;
  }

  #tooLong(chunkLength: number): typeof LINE_TOO_LONG {
    this.#discardPending();
    this.#skipping = true;
    this.#offset = chunkLength;
    return LINE_TOO_LONG;
  }

  #discardPending(): void {
    this.#pending = null;
    this.#pendingBytes = 0;
  }
}

/** The first CR or LF at or after `from`, or -1. */
function lineEnd(chunk: Buffer, from: number): number {
  const lf = chunk.indexOf(LF, from);
  const searchTo = lf === -1 ? chunk.length : lf;
  for (let i = from; i < searchTo; i++) if (chunk[i] === CR) return i;
  return lf;
}

/** One parsed message. The command is upper-cased; tags and the client's prefix are dropped. */
export interface IrcMessage {
  readonly command: string;
  readonly params: readonly string[];
}

/**
 * Parses one line (already decoded as UTF-8). Returns null for a line with no command (only tags
 * or a prefix). Runs of spaces separate parameters; a parameter starting with `:` takes the rest.
 */
export function parseIrcMessage(line: string): IrcMessage | null {
  let at = 0;
  // IRCv3 tags are never negotiated here, but a client that sends them anyway is not confused.
  if (line.charCodeAt(0) === 0x40 /* @ */) at = skipWord(line, 0);
  at = skipSpaces(line, at);
  // A prefix from a client is ignored (RFC 2812 §2.3: it can only be its own nick).
  if (line.charCodeAt(at) === 0x3a /* : */) at = skipSpaces(line, skipWord(line, at));
  const commandEnd = wordEnd(line, at);
  if (commandEnd === at) return null;
  const command = line.slice(at, commandEnd).toUpperCase();
  const params: string[] = [];
  at = skipSpaces(line, commandEnd);
  while (at < line.length) {
    if (line.charCodeAt(at) === 0x3a || params.length === MAX_PARAMS - 1) {
      params.push(line.charCodeAt(at) === 0x3a ? line.slice(at + 1) : line.slice(at));
      break;
    }
    const end = wordEnd(line, at);
    params.push(line.slice(at, end));
    at = skipSpaces(line, end);
  }
  return { command, params };
}

function wordEnd(line: string, from: number): number {
  const space = line.indexOf(' ', from);
  return space === -1 ? line.length : space;
}

function skipWord(line: string, from: number): number {
  return wordEnd(line, from);
}

function skipSpaces(line: string, from: number): number {
  let at = from;
  while (line.charCodeAt(at) === 0x20) at++;
  return at;
}

/**
 * One output line: `:prefix COMMAND p1 p2 :last\r\n`. The last parameter is always sent as a
 * trailing one when it is empty, holds a space or starts with `:`. Parameters are the caller's
 * (already mapped names, sanitized text): this function never sees raw text of another protocol.
 */
export function formatIrcLine(prefix: string, command: string, params: readonly string[]): string {
  let line = `:${prefix} ${command}`;
  const last = params.length - 1;
  for (let i = 0; i < params.length; i++) {
    const param = params[i]!;
    const trailing =
      i === last && (param.length === 0 || param.includes(' ') || param.charCodeAt(0) === 0x3a);
    line += trailing ? ` :${param}` : ` ${param}`;
  }
  return `${line}\r\n`;
}

/**
 * The rs-us wire format, pure: a message is parts separated by U+001F and ended by U+001E, in
 * UTF-8. Both delimiters are ASCII, so they can never occur inside a multi-byte sequence and the
 * decoder may cut on raw bytes before it validates the text.
 */

export const RECORD_SEPARATOR = 0x1e;
export const UNIT_SEPARATOR = 0x1f;
const RS = '\u001e';
const US = '\u001f';
const DELIMITERS = /[\u001e\u001f]/g;
const HAS_DELIMITER = /[\u001e\u001f]/;
/**
 * One for every decoder: decoding whole messages (never `stream: true`) keeps no state between
 * calls. ignoreBOM keeps a leading U+FEFF as text instead of silently eating it.
 */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export type RsUsDecodeError = 'invalid-utf8' | 'too-large';

/** One decoded message, or the error that ends the stream. */
export type RsUsFrame =
  | {
      readonly kind: 'message';
      /** Command and arguments; in the trailing form the marker's empty part is already removed. */
      readonly parts: string[];
      /** True when the client put U+001F right before U+001E (`login␟bob␟pw␟␞`). */
      readonly trailing: boolean;
    }
  | { readonly kind: 'error'; readonly error: RsUsDecodeError };

/**
 * Cuts a byte stream into messages, whatever the reads' boundaries. `maxMessageBytes` counts every
 * byte up to and including U+001E and is inclusive. After an error the decoder is spent: the
 * connection is to be closed, so it neither buffers nor yields anything more.
 */
export class RsUsDecoder {
  readonly #maxMessageBytes: number;
  /** The pieces of a message cut across reads; null while none is (most of the time). */
  #pending: Uint8Array[] | null = null;
  #pendingBytes = 0;
  #offset = 0;
  #failed = false;

  constructor(maxMessageBytes: number) {
    this.#maxMessageBytes = maxMessageBytes;
  }

  get failed(): boolean {
    return this.#failed;
  }

  /** Bytes held of a message not yet ended. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /** Where the chunk given to the last {@link next} continues; its length once it is used up. */
  get offset(): number {
    return this.#offset;
  }

  /**
   * Reads the one message of `chunk` that starts at `offset`, so a caller can handle messages as
   * they come and stop at any point, keeping the rest of the chunk undecoded. Returns the message,
   * the error that ends the stream, or null when the chunk ends before the message does (its rest
   * is then held, copied). {@link offset} tells where the chunk continues.
   */
  next(chunk: Uint8Array, offset = 0): RsUsFrame | null {
    if (this.#failed || offset >= chunk.length) {
      this.#offset = chunk.length;
      return null;
    }
    const end = chunk.indexOf(RECORD_SEPARATOR, offset);
    if (end === -1) {
      const rest = chunk.length - offset;
      // Without its U+001E yet, a message already this long can only end over the limit.
      if (this.#pendingBytes + rest >= this.#maxMessageBytes) return this.#fail(chunk, 'too-large');
      // A copy, so a long-lived partial message never pins the whole read buffer.
      const piece = Buffer.from(chunk.subarray(offset));
      if (this.#pending === null) this.#pending = [piece];
      else this.#pending.push(piece);
      this.#pendingBytes += rest;
      this.#offset = chunk.length;
      return null;
    }
    if (this.#pendingBytes + (end - offset) + 1 > this.#maxMessageBytes)
      return this.#fail(chunk, 'too-large');
    const piece = chunk.subarray(offset, end);
    const pending = this.#pending;
    const body = pending === null ? piece : Buffer.concat([...pending, piece]);
    this.#pending = null;
    this.#pendingBytes = 0;
    this.#offset = end + 1;
    let text: string;
    try {
      text = utf8.decode(body);
    } catch {
      return this.#fail(chunk, 'invalid-utf8');
    }
    return splitMessage(text);
  }

  /** Feeds one chunk and returns every message it ends, and the error that ends the stream if any. */
  push(chunk: Uint8Array): RsUsFrame[] {
    const frames: RsUsFrame[] = [];
    let offset = 0;
    while (!this.#failed && offset < chunk.length) {
      const frame = this.next(chunk, offset);
      offset = this.#offset;
      if (frame !== null) frames.push(frame);
    }
    return frames;
  }

  #fail(chunk: Uint8Array, error: RsUsDecodeError): RsUsFrame {
    this.#failed = true;
    this.#offset = chunk.length;
    this.#pending = null;
    this.#pendingBytes = 0;
    return { kind: 'error', error };
  }
}

/** Splits one message's text (without its U+001E) into parts and tells the form it used. */
export function splitMessage(text: string): RsUsFrame & { kind: 'message' } {
  const parts = text.split(US);
  // A final empty part after at least one U+001F is the trailing form's marker, not an argument.
  const trailing = parts.length > 1 && parts[parts.length - 1] === '';
  if (trailing) parts.pop();
  return { kind: 'message', parts, trailing };
}

/** One message as bytes. Parts must not contain U+001E or U+001F (see {@link stripDelimiters}). */
export function encodeRsUs(parts: readonly string[], trailing: boolean): Buffer {
  return Buffer.from(parts.join(US) + (trailing ? US + RS : RS), 'utf8');
}

/** `event␟MS␟TEXT`; delimiters inside the text are removed so it cannot break the framing. */
export function encodeEvent(ms: number, text: string, trailing = false): Buffer {
  return encodeRsUs(['event', String(ms), stripDelimiters(text)], trailing);
}

/** Removes U+001E and U+001F from text that came from another protocol. */
export function stripDelimiters(text: string): string {
  return HAS_DELIMITER.test(text) ? text.replace(DELIMITERS, '') : text;
}

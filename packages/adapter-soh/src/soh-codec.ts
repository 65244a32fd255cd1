/**
 * The SOH wire format, pure: a stream of byte fields, each ended by 0x01 (SOH). Anything but 0x01
 * may appear inside a field, so the codec never looks at the bytes as text.
 */

export const SOH = 0x01;
export const DEFAULT_MAX_FIELD_BYTES = 1024 * 1024;

/**
 * Cuts a byte stream into fields (their bytes, without the 0x01), whatever the reads' boundaries.
 * `maxFieldBytes` is inclusive. A field that grows past it fails the decoder as soon as the extra
 * byte arrives: nothing past the limit is buffered, and after the failure the decoder is spent
 * (the connection is to be closed), so it neither buffers nor returns anything more.
 */
export class SohFieldDecoder {
  readonly #maxFieldBytes: number;
  /** Pieces of the field not yet ended, copied out of their chunks only when it ends. */
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #offset = 0;
  #failed = false;

  constructor(maxFieldBytes: number = DEFAULT_MAX_FIELD_BYTES) {
    this.#maxFieldBytes = maxFieldBytes;
  }

  /** True once a field went over the limit. */
  get failed(): boolean {
    return this.#failed;
  }

  /** Bytes held of a field not yet ended; what EOF would discard. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /** Where the chunk given to the last {@link next} continues; its length once it is used up. */
  get offset(): number {
    return this.#offset;
  }

  /**
   * Reads the one field of `chunk` that starts at `offset`, so a caller can handle fields as they
   * come and stop at any point (keeping the rest of the chunk undecoded). Returns the field, or null
   * when the chunk ends before the field does (the rest is then held as its start) or a field went
   * over the limit ({@link failed} turns true). {@link offset} tells where the chunk continues.
   * A field that lies wholly inside the chunk is a view of it, not a copy.
   */
  next(chunk: Buffer, offset = 0): Buffer | null {
    if (this.#failed) {
      this.#offset = chunk.length;
      return null;
    }
    const end = chunk.indexOf(SOH, offset);
    if (end === -1) {
      this.#offset = chunk.length;
      const rest = chunk.length - offset;
      if (rest <= 0) return null;
      if (this.#pendingBytes + rest > this.#maxFieldBytes) return this.#fail(chunk);
      this.#pending.push(chunk.subarray(offset));
      this.#pendingBytes += rest;
      return null;
    }
    if (this.#pendingBytes + end - offset > this.#maxFieldBytes) return this.#fail(chunk);
    this.#offset = end + 1;
    return this.#finishField(chunk.subarray(offset, end));
  }

  /**
   * Feeds one chunk and returns the fields it ends, in order. When a field goes over the limit,
   * the fields ended before it are still returned and {@link failed} turns true.
   */
  push(chunk: Buffer): Buffer[] {
    const fields: Buffer[] = [];
    let offset = 0;
    while (offset < chunk.length && !this.#failed) {
      const field = this.next(chunk, offset);
      offset = this.#offset;
      if (field !== null) fields.push(field);
    }
    return fields;
  }

  #finishField(tail: Buffer): Buffer {
    if (this.#pendingBytes === 0) return tail;
    this.#pending.push(tail);
    const field = Buffer.concat(this.#pending, this.#pendingBytes + tail.length);
    this.#pending = [];
    this.#pendingBytes = 0;
    return field;
  }

  #fail(chunk: Buffer): null {
    this.#failed = true;
    this.#offset = chunk.length;
    this.#pending = [];
    this.#pendingBytes = 0;
    return null;
  }
}

/**
 * Encodes fields as one buffer, each followed by 0x01. A 0x01 inside a field is removed, so a text
 * from another protocol can never break the framing.
 */
export function encodeSohFields(fields: readonly Uint8Array[]): Buffer {
  let size = 0;
  for (const field of fields) size += field.length + 1;
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const field of fields) {
    at = copyWithoutSoh(field, out, at);
    out[at++] = SOH;
  }
  return at === size ? out : out.subarray(0, at);
}

/** A delivery as the recipient reads it: `SENDER 0x01 TEXT 0x01`, in one buffer. */
export function encodeSohDelivery(sender: Uint8Array, text: Uint8Array): Buffer {
  return encodeSohFields([sender, text]);
}

function copyWithoutSoh(source: Uint8Array, target: Buffer, at: number): number {
  let start = 0;
  for (let soh = source.indexOf(SOH); soh !== -1; soh = source.indexOf(SOH, start)) {
    target.set(source.subarray(start, soh), at);
    at += soh - start;
    start = soh + 1;
  }
  target.set(source.subarray(start), at);
  return at + source.length - start;
}

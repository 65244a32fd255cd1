import type { ErrorCode } from '../errors.ts';

/**
 * A chat name: a non-empty byte string of at most {@link MAX_NAME_BYTES} bytes, compared byte for
 * byte. Text protocols carry names as UTF-8; the SOH protocol carries any bytes but 0x01, so the
 * core cannot use JS strings of text as identity.
 *
 * `key` holds the bytes one char per byte (latin1). It is a cheap Map key, it is sorted with the
 * default string order exactly as the bytes are, and it round-trips every byte.
 */
export class Name {
  readonly key: string;
  #text: string | undefined;
  #bytes: Buffer | undefined;

  private constructor(key: string) {
    this.key = key;
  }

  static fromKey(key: string): Name {
    return new Name(key);
  }

  /**
   * The bytes are not kept: the key holds them (a name of an idle connection then costs one
   * string), and {@link bytes} makes a Buffer only when a protocol writes the name.
   */
  static fromBytes(bytes: Uint8Array): Name {
    const buffer = Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return new Name(buffer.toString('latin1'));
  }

  static fromText(text: string): Name {
    // ASCII text is its own key (one char per byte): no Buffer per name on the hot path.
    if (ASCII.test(text)) return new Name(text);
    const name = new Name(Buffer.from(text, 'utf8').toString('latin1'));
    name.#text = text;
    return name;
  }

  /** The raw bytes, made on first use and kept (do not mutate). */
  get bytes(): Buffer {
    this.#bytes ??= Buffer.from(this.key, 'latin1');
    return this.#bytes;
  }

  /** The name as text; bytes that are not valid UTF-8 show as U+FFFD, as `TextDecoder` does. */
  get text(): string {
    // An ASCII key is its own UTF-8 text: listing thousands of names then allocates nothing.
    this.#text ??= ASCII.test(this.key) ? this.key : this.bytes.toString('utf8');
    return this.#text;
  }

  get byteLength(): number {
    return this.key.length;
  }

  equals(other: Name): boolean {
    return this.key === other.key;
  }

  toString(): string {
    return this.text;
  }
}

export const MAX_NAME_BYTES = 256;

const ASCII = /^[\u0000-\u007f]*$/;

/** U+0000–U+001F and U+007F: never allowed in a name carried by a text protocol. */
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

export type NameProblem = Extract<ErrorCode, 'NAME_EMPTY' | 'NAME_TOO_LONG' | 'NAME_CONTROL_CHARACTER'>;

/** Checks a name that arrived as text (json-ws, tcp-rooms, rs-us, sessions). */
export function checkTextName(text: string, maxBytes = MAX_NAME_BYTES): NameProblem | null {
  if (text.length === 0) return 'NAME_EMPTY';
  if (CONTROL_CHARACTER.test(text)) return 'NAME_CONTROL_CHARACTER';
  if (Buffer.byteLength(text, 'utf8') > maxBytes) return 'NAME_TOO_LONG';
  return null;
}

/** Checks a name that arrived as raw bytes (soh): any byte but 0x01, which the codec removed. */
export function checkByteName(bytes: Uint8Array, maxBytes = MAX_NAME_BYTES): NameProblem | null {
  if (bytes.byteLength === 0) return 'NAME_EMPTY';
  if (bytes.byteLength > maxBytes) return 'NAME_TOO_LONG';
  return null;
}

/** Sorts names by their bytes, as every "sorted" list of the spec is. */
export function sortNames(names: Iterable<Name>): Name[] {
  return [...names].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

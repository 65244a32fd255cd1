import type { Name } from '../names/name.ts';

/**
 * One accepted chat message, shared by every recipient on this node. The text is kept in the
 * form it arrived in (a JS string from text protocols, bytes from soh) and converted at most
 * once; adapters cache their encoded frame on it with {@link ChatMessage.encoded}, so a
 * broadcast is serialized once per protocol, not once per recipient.
 */
export class ChatMessage {
  readonly sender: Name;
  /** Server time of acceptance, ms since the epoch. */
  readonly timestamp: number;
  /** True for a direct message, false for a room or main-chat broadcast. */
  readonly direct: boolean;
  #text: string | undefined;
  #bytes: Buffer | undefined;
  #encodedBy: object | undefined = undefined;
  #encoded: unknown = undefined;
  #moreEncodings: Map<object, unknown> | undefined = undefined;

  constructor(sender: Name, text: string | Uint8Array, timestamp: number, direct: boolean) {
    this.sender = sender;
    this.timestamp = timestamp;
    this.direct = direct;
    if (typeof text === 'string') {
      this.#text = text;
      this.#bytes = undefined;
    } else {
      // A bus may hand over a plain Uint8Array (structured clone drops the Buffer prototype).
      this.#bytes = Buffer.isBuffer(text) ? text : Buffer.from(text.buffer, text.byteOffset, text.byteLength);
      this.#text = undefined;
    }
  }

  /** The text; bytes that are not valid UTF-8 show as U+FFFD. */
  get text(): string {
    this.#text ??= this.#bytes!.toString('utf8');
    return this.#text;
  }

  /** The text as bytes (do not mutate). */
  get bytes(): Buffer {
    this.#bytes ??= Buffer.from(this.#text!, 'utf8');
    return this.#bytes;
  }

  /**
   * Returns the frame `encoder` makes of this message, computing it once per encoder. `encoder`
   * must be a long-lived function (its identity is the cache key) and must not depend on the
   * recipient.
   */
  encoded<T>(encoder: (message: ChatMessage) => T): T {
    if (this.#encodedBy === encoder) return this.#encoded as T;
    if (this.#encodedBy === undefined) {
      this.#encodedBy = encoder;
      this.#encoded = encoder(this);
      return this.#encoded as T;
    }
    this.#moreEncodings ??= new Map();
    let value = this.#moreEncodings.get(encoder) as T | undefined;
    if (value === undefined) {
      value = encoder(this);
      this.#moreEncodings.set(encoder, value);
    }
    return value;
  }
}

/**
 * Latency is measured from a send time carried in the message text itself, as `@MICROS@`, so it
 * survives every protocol and every relay untouched. The clock is CLOCK_MONOTONIC
 * (`process.hrtime`), which all processes on one machine share: a sender in one load worker and
 * a receiver in another compare directly.
 */
export function nowMicros(): number {
  const [seconds, nanos] = process.hrtime();
  return seconds * 1e6 + Math.floor(nanos / 1e3);
}

/** A message text: the stamp, padded with `x` to `length` characters (ASCII, so bytes too). */
export function stampedText(length: number): string {
  const stamp = `@${nowMicros()}@`;
  return stamp.length >= length ? stamp : stamp + 'x'.repeat(length - stamp.length);
}

const AT = 0x40;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

/**
 * Finds `@digits@` stamps in a byte stream, across chunk boundaries, whatever the framing around
 * them. Nothing else the servers send contains `@` followed by digits and `@`.
 */
export class StampScanner {
  readonly #onStamp: (micros: number) => void;
  #inStamp = false;
  #digits = 0;
  #value = 0;

  constructor(onStamp: (micros: number) => void) {
    this.#onStamp = onStamp;
  }

  feed(chunk: Buffer): void {
    let i = 0;
    const length = chunk.length;
    while (i < length) {
      if (!this.#inStamp) {
        const at = chunk.indexOf(AT, i);
        if (at < 0) return;
        this.#inStamp = true;
        this.#digits = 0;
        this.#value = 0;
        i = at + 1;
        continue;
      }
      const byte = chunk[i++]!;
      if (byte >= DIGIT_0 && byte <= DIGIT_9) {
        this.#value = this.#value * 10 + (byte - DIGIT_0);
        this.#digits += 1;
      } else if (byte === AT && this.#digits > 0) {
        this.#inStamp = false;
        this.#onStamp(this.#value);
      } else if (byte === AT) {
        this.#digits = 0; // "@@": the second one may open a stamp
      } else {
        this.#inStamp = false;
      }
    }
  }
}

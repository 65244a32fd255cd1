/**
 * A small seeded generator (mulberry32), so a campaign can be replayed from the seed its report
 * prints. Not for anything secret.
 */
export class Random {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Picks by weight: `[[weight, value], ...]`. */
  weighted<T>(choices: readonly (readonly [number, T])[]): T {
    let total = 0;
    for (const [weight] of choices) total += weight;
    let at = this.next() * total;
    for (const [weight, value] of choices) {
      at -= weight;
      if (at < 0) return value;
    }
    return choices[choices.length - 1]![1];
  }

  bytes(length: number): Buffer {
    const out = Buffer.allocUnsafe(length);
    for (let i = 0; i < length; i += 4) {
      const word = (this.next() * 4_294_967_296) >>> 0;
      out[i] = word & 0xff;
      if (i + 1 < length) out[i + 1] = (word >>> 8) & 0xff;
      if (i + 2 < length) out[i + 2] = (word >>> 16) & 0xff;
      if (i + 3 < length) out[i + 3] = word >>> 24;
    }
    return out;
  }

  /** Text of `length` characters drawn from a mix of ASCII, accents, controls, astral and lone surrogates. */
  text(length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) {
      const kind = this.next();
      if (kind < 0.7) out += String.fromCharCode(this.int(0x20, 0x7e));
      else if (kind < 0.8) out += this.pick(['é', 'ж', '€', '🦊', '\u200b', '\ufeff']);
      else if (kind < 0.9) out += String.fromCharCode(this.int(0, 0x1f));
      else if (kind < 0.97) out += String.fromCodePoint(this.int(0xa0, 0x10ffff) & ~0xd800);
      else out += String.fromCharCode(this.int(0xd800, 0xdfff));
    }
    return out;
  }

  /** Flips, inserts or deletes a few bytes: a valid input turned slightly wrong. */
  mutate(input: Buffer): Buffer {
    const out = [...input];
    const edits = this.int(1, 4);
    for (let i = 0; i < edits; i++) {
      const at = this.int(0, out.length);
      const op = this.next();
      if (op < 0.4 && out.length > 0) out[Math.min(at, out.length - 1)] = this.int(0, 255);
      else if (op < 0.7) out.splice(at, 0, this.int(0, 255));
      else out.splice(at, 1);
    }
    return Buffer.from(out);
  }
}

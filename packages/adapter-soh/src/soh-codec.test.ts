import { describe, expect, it } from 'vitest';
import { encodeSohDelivery, encodeSohFields, SOH, SohFieldDecoder } from './soh-codec.ts';

const bytes = (text: string) => Buffer.from(text, 'latin1');

/** Feeds `stream` cut at `cuts` and returns every field, as latin1 strings for readable diffs. */
function decodeCut(stream: Buffer, cuts: number[], max?: number): string[] {
  const decoder = new SohFieldDecoder(max);
  const fields: string[] = [];
  let start = 0;
  for (const cut of [...cuts, stream.length]) {
    for (const field of decoder.push(stream.subarray(start, cut))) fields.push(field.toString('latin1'));
    start = cut;
  }
  return fields;
}

/** A small deterministic PRNG so fuzz failures can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) & 0x7fffffff;
    return state / 0x80000000;
  };
}

describe('SohFieldDecoder', () => {
  const stream = bytes('alice\x01bob\x01hi\x00\xff there\x01\x01x\x01tail');
  const expected = ['alice', 'bob', 'hi\x00\xff there', '', 'x'];

  it('cuts fields on 0x01, keeping every other byte (NUL, 0xFF, empty fields)', () => {
    expect(decodeCut(stream, [])).toEqual(expected);
  });

  it('gives the same fields for a split at every byte position', () => {
    for (let cut = 0; cut <= stream.length; cut += 1) {
      expect(decodeCut(stream, [cut]), `cut at ${cut}`).toEqual(expected);
    }
  });

  it('gives the same fields for every pair of split points', () => {
    for (let first = 0; first <= stream.length; first += 1) {
      for (let second = first; second <= stream.length; second += 1) {
        expect(decodeCut(stream, [first, second]), `cuts at ${first}, ${second}`).toEqual(expected);
      }
    }
  });

  it('gives the same fields fed one byte at a time', () => {
    const everyByte = Array.from({ length: stream.length }, (_, index) => index);
    expect(decodeCut(stream, everyByte)).toEqual(expected);
  });

  it('holds the unfinished tail, which is what EOF discards', () => {
    const decoder = new SohFieldDecoder();
    decoder.push(stream);
    expect(decoder.pendingBytes).toBe(4);
    expect(decoder.push(bytes('!\x01')).map(String)).toEqual(['tail!']);
    expect(decoder.pendingBytes).toBe(0);
  });

  it('returns views of the chunk for fields wholly inside it', () => {
    const chunk = bytes('abc\x01');
    const [field] = new SohFieldDecoder().push(chunk);
    expect(field!.buffer).toBe(chunk.buffer);
  });

  it('does not let a later chunk change a field already returned', () => {
    const decoder = new SohFieldDecoder();
    decoder.push(bytes('ab'));
    const chunk = bytes('c\x01');
    const [field] = decoder.push(chunk);
    chunk.fill(0x7a);
    expect(field!.toString('latin1')).toBe('abc');
  });

  it('matches a reference split on random streams cut at random points', () => {
    const next = random(42);
    for (let round = 0; round < 200; round += 1) {
      const length = Math.floor(next() * 200);
      const stream = Buffer.from(
        Array.from({ length }, () => (next() < 0.15 ? SOH : Math.floor(next() * 256))),
      );
      const cuts = Array.from({ length: Math.floor(next() * 8) }, () =>
        Math.floor(next() * (length + 1)),
      ).sort((a, b) => a - b);
      const reference = stream.toString('latin1').split('\x01').slice(0, -1);
      expect(decodeCut(stream, cuts), `round ${round}`).toEqual(reference);
    }
  });
});

describe('SohFieldDecoder limit', () => {
  const max = 8;

  it('accepts a field of exactly the limit, whole or in pieces', () => {
    const stream = bytes('12345678\x01abc\x01');
    for (let cut = 0; cut <= stream.length; cut += 1) {
      expect(decodeCut(stream, [cut], max), `cut at ${cut}`).toEqual(['12345678', 'abc']);
    }
    const decoder = new SohFieldDecoder(max);
    for (const byte of stream.subarray(0, 8)) decoder.push(Buffer.of(byte));
    expect(decoder.pendingBytes).toBe(8);
    expect(decoder.push(Buffer.of(SOH)).map(String)).toEqual(['12345678']);
    expect(decoder.failed).toBe(false);
  });

  it('fails on the first byte past the limit, without waiting for the 0x01 or buffering it', () => {
    const decoder = new SohFieldDecoder(max);
    decoder.push(bytes('12345678'));
    expect(decoder.failed).toBe(false);
    expect(decoder.push(bytes('9'))).toEqual([]);
    expect(decoder.failed).toBe(true);
    expect(decoder.pendingBytes).toBe(0);
  });

  it('fails on a field over the limit that ends inside one chunk', () => {
    const decoder = new SohFieldDecoder(max);
    expect(decoder.push(bytes('123456789\x01')).map(String)).toEqual([]);
    expect(decoder.failed).toBe(true);
  });

  it('fails on an over-long unfinished tail at once, however large the chunk', () => {
    const decoder = new SohFieldDecoder(max);
    decoder.push(Buffer.alloc(1_000, 0x61));
    expect(decoder.failed).toBe(true);
    expect(decoder.pendingBytes).toBe(0);
  });

  it('still returns the whole fields before the oversized one, then nothing more', () => {
    const decoder = new SohFieldDecoder(max);
    expect(decoder.push(bytes('ok\x01fine\x01123456789\x01after\x01')).map(String)).toEqual(['ok', 'fine']);
    expect(decoder.failed).toBe(true);
    expect(decoder.push(bytes('more\x01'))).toEqual([]);
    expect(decoder.pendingBytes).toBe(0);
  });

  it('counts a field across chunks against the limit', () => {
    for (let cut = 0; cut <= 10; cut += 1) {
      const decoder = new SohFieldDecoder(max);
      const stream = bytes('123456789\x01');
      decoder.push(stream.subarray(0, cut));
      decoder.push(stream.subarray(cut));
      expect(decoder.failed, `cut at ${cut}`).toBe(true);
    }
  });

  it('defaults to 1 MiB', () => {
    const decoder = new SohFieldDecoder();
    const [field] = decoder.push(Buffer.concat([Buffer.alloc(1024 * 1024, 0x61), Buffer.of(SOH)]));
    expect(field!.length).toBe(1024 * 1024);
    decoder.push(Buffer.alloc(1024 * 1024 + 1, 0x61));
    expect(decoder.failed).toBe(true);
  });
});

describe('SohFieldDecoder.next: one field at a time', () => {
  it('reads fields one by one, saying where the chunk continues, and leaves the rest undecoded', () => {
    const decoder = new SohFieldDecoder();
    const chunk = bytes('alice\x01\x01bob\x01ta');
    expect(decoder.next(chunk, 0)?.toString('latin1')).toBe('alice');
    expect(decoder.offset).toBe(6);
    expect(decoder.next(chunk, decoder.offset)?.toString('latin1')).toBe('');
    expect(decoder.offset).toBe(7);
    // Stopping here holds nothing: the rest of the chunk is the caller's, undecoded.
    expect(decoder.pendingBytes).toBe(0);
    expect(decoder.next(chunk, decoder.offset)?.toString('latin1')).toBe('bob');
    expect(decoder.next(chunk, decoder.offset)).toBeNull();
    expect(decoder.offset).toBe(chunk.length);
    expect(decoder.pendingBytes).toBe(2);
    expect(decoder.next(bytes('il\x01'), 0)?.toString('latin1')).toBe('tail');
  });

  it('gives the same fields as push for a stream read field by field at every split', () => {
    const stream = bytes('alice\x01bob\x01hi\x00\xff there\x01\x01x\x01tail');
    for (let cut = 0; cut <= stream.length; cut += 1) {
      const decoder = new SohFieldDecoder();
      const fields: string[] = [];
      for (const chunk of [stream.subarray(0, cut), stream.subarray(cut)]) {
        let offset = 0;
        while (offset < chunk.length) {
          const field = decoder.next(chunk, offset);
          offset = decoder.offset;
          if (field) fields.push(field.toString('latin1'));
        }
      }
      expect(fields, `cut at ${cut}`).toEqual(['alice', 'bob', 'hi\x00\xff there', '', 'x']);
    }
  });

  it('fails on a field over the limit and then returns nothing, consuming the chunk', () => {
    const decoder = new SohFieldDecoder(3);
    const chunk = bytes('abc\x01abcd\x01ab\x01');
    expect(decoder.next(chunk, 0)?.toString('latin1')).toBe('abc');
    expect(decoder.next(chunk, decoder.offset)).toBeNull();
    expect(decoder.failed).toBe(true);
    expect(decoder.offset).toBe(chunk.length);
    expect(decoder.next(bytes('a\x01'), 0)).toBeNull();
  });
});

describe('encodeSohDelivery', () => {
  it('writes SENDER 0x01 TEXT 0x01 with the bytes untouched', () => {
    const sender = Buffer.from([0xff, 0x00, 0x80, 0x41]);
    const text = Buffer.from([0x00, 0xfe, 0x0a, 0x0d, 0x1e, 0x1f]);
    expect(encodeSohDelivery(sender, text)).toEqual(
      Buffer.concat([sender, Buffer.of(SOH), text, Buffer.of(SOH)]),
    );
  });

  it('removes every 0x01 from sender and text, wherever it is', () => {
    expect(encodeSohDelivery(bytes('\x01we\x01b\x01'), bytes('\x01\x01a\x01b\x01\x01c\x01'))).toEqual(
      bytes('web\x01abc\x01'),
    );
    expect(encodeSohDelivery(bytes('\x01'), bytes('\x01\x01'))).toEqual(bytes('\x01\x01'));
  });

  it('encodes empty parts and plain Uint8Arrays', () => {
    expect(encodeSohDelivery(new Uint8Array(0), new Uint8Array([104, 105]))).toEqual(bytes('\x01hi\x01'));
  });

  it('round-trips through the decoder on random bytes', () => {
    const next = random(7);
    for (let round = 0; round < 200; round += 1) {
      const part = () =>
        Buffer.from(Array.from({ length: Math.floor(next() * 50) }, () => Math.floor(next() * 256)));
      const sender = part();
      const text = part();
      const strip = (value: Buffer) => Buffer.from(value.filter((byte) => byte !== SOH));
      const fields = new SohFieldDecoder().push(encodeSohDelivery(sender, text));
      expect(fields, `round ${round}`).toEqual([strip(sender), strip(text)]);
    }
  });
});

describe('encodeSohFields', () => {
  it('ends each field with 0x01, in one buffer', () => {
    expect(encodeSohFields([bytes('alice')])).toEqual(bytes('alice\x01'));
    expect(encodeSohFields([bytes('bob'), bytes('hi\x01!')])).toEqual(bytes('bob\x01hi!\x01'));
    expect(encodeSohFields([])).toEqual(Buffer.alloc(0));
  });
});

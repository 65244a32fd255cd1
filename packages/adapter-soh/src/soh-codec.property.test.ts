import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeSohFields, SOH, SohFieldDecoder } from './soh-codec.ts';

/**
 * Properties of the SOH codec over generated input: fast-check shrinks a failure to its smallest
 * stream and split, which hand-written split tests cannot do.
 */

const RUNS = { numRuns: 1000 };

/** Bytes with 0x01 common enough that fields actually end. */
const streamBytes = (maxLength: number) =>
  fc
    .array(
      fc.oneof(
        { weight: 1, arbitrary: fc.constant(SOH) },
        { weight: 4, arbitrary: fc.integer({ min: 0, max: 255 }) },
      ),
      {
        maxLength,
      },
    )
    .map((values) => Buffer.from(values));

/** A stream and the points where the reads cut it. */
const cutStream = (maxLength: number) =>
  fc.tuple(streamBytes(maxLength), fc.array(fc.nat(), { maxLength: 12 })).map(([stream, raw]) => ({
    stream,
    cuts: [...new Set(raw.map((cut) => cut % (stream.length + 1)))].sort((a, b) => a - b),
  }));

function chunksOf(stream: Buffer, cuts: readonly number[]): Buffer[] {
  const chunks: Buffer[] = [];
  let start = 0;
  for (const cut of [...cuts, stream.length]) {
    chunks.push(stream.subarray(start, cut));
    start = cut;
  }
  return chunks;
}

interface Outcome {
  fields: string[];
  failed: boolean;
  pendingBytes: number;
  /** The most bytes held of an unfinished field after any one read. */
  mostPending: number;
}

function decode(chunks: readonly Buffer[], max?: number): Outcome {
  const decoder = new SohFieldDecoder(max);
  const fields: string[] = [];
  let mostPending = 0;
  for (const chunk of chunks) {
    // Copied to latin1 text at once: a field may be a view of a chunk the caller reuses.
    for (const field of decoder.push(chunk)) fields.push(field.toString('latin1'));
    mostPending = Math.max(mostPending, decoder.pendingBytes);
  }
  return { fields, failed: decoder.failed, pendingBytes: decoder.pendingBytes, mostPending };
}

/** What the decoder must find, written the slow and obvious way. */
function model(stream: Buffer, max: number): Omit<Outcome, 'mostPending'> {
  const pieces = stream.toString('latin1').split('\x01');
  const tail = pieces.pop() ?? '';
  const fields: string[] = [];
  for (const piece of pieces) {
    if (piece.length > max) return { fields, failed: true, pendingBytes: 0 };
    fields.push(piece);
  }
  if (tail.length > max) return { fields, failed: true, pendingBytes: 0 };
  return { fields, failed: false, pendingBytes: tail.length };
}

describe('SohFieldDecoder properties', () => {
  it('gives the same fields for any split of any bytes as for one read, and never throws', () => {
    fc.assert(
      fc.property(cutStream(300), fc.integer({ min: 0, max: 40 }), ({ stream, cuts }, max) => {
        const { mostPending: _, ...whole } = decode([stream], max);
        const { mostPending, ...split } = decode(chunksOf(stream, cuts), max);
        expect(split).toEqual(whole);
        expect(whole).toEqual(model(stream, max));
        expect(mostPending).toBeLessThanOrEqual(max);
      }),
      RUNS,
    );
  });

  it('reads the same fields one at a time with next(), resuming at its offset, for any split', () => {
    fc.assert(
      fc.property(cutStream(300), fc.integer({ min: 0, max: 40 }), ({ stream, cuts }, max) => {
        const decoder = new SohFieldDecoder(max);
        const fields: string[] = [];
        for (const chunk of chunksOf(stream, cuts)) {
          let offset = 0;
          // Like an adapter that stops reading mid-chunk: the rest waits, undecoded, until it resumes.
          while (offset < chunk.length && !decoder.failed) {
            const field = decoder.next(chunk, offset);
            expect(decoder.offset).toBeGreaterThan(offset);
            expect(decoder.offset).toBeLessThanOrEqual(chunk.length);
            offset = decoder.offset;
            if (field !== null) fields.push(field.toString('latin1'));
          }
        }
        const { mostPending: _, ...whole } = decode([stream], max);
        expect({ fields, failed: decoder.failed, pendingBytes: decoder.pendingBytes }).toEqual(whole);
      }),
      RUNS,
    );
  });

  it('accepts a field of exactly the limit and fails at limit + 1, ended or not, at any split', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 64 }),
        fc.integer({ min: 0, max: 255 }).filter((b) => b !== SOH),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 6 }),
        (max, filler, ended, raw) => {
          const field = Buffer.alloc(max, filler);
          const over = Buffer.alloc(max + 1, filler);
          const end = ended ? Buffer.from([SOH]) : Buffer.alloc(0);
          const atLimit = Buffer.concat([field, end]);
          const overLimit = Buffer.concat([over, end]);
          const cut = (stream: Buffer) =>
            [...new Set(raw.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
          const accepted = decode(chunksOf(atLimit, cut(atLimit)), max);
          expect(accepted.failed).toBe(false);
          expect(accepted.fields).toEqual(ended ? [field.toString('latin1')] : []);
          const refused = decode(chunksOf(overLimit, cut(overLimit)), max);
          expect(refused.failed).toBe(true);
          expect(refused.fields).toEqual([]);
          expect(refused.pendingBytes).toBe(0);
        },
      ),
      RUNS,
    );
  });

  it('returns nothing more and holds nothing once it failed, whatever follows', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 16 }), streamBytes(200), (max, rest) => {
        const decoder = new SohFieldDecoder(max);
        decoder.push(Buffer.alloc(max + 1, 0x61));
        expect(decoder.failed).toBe(true);
        expect(decoder.push(rest)).toEqual([]);
        expect(decoder.pendingBytes).toBe(0);
      }),
      RUNS,
    );
  });
});

describe('encodeSohFields properties', () => {
  const field = fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes));

  it('decodes back to the same fields when none holds 0x01', () => {
    fc.assert(
      fc.property(
        fc.array(field.map((f) => Buffer.from(f.filter((b) => b !== SOH)))),
        fc.array(fc.nat(), { maxLength: 8 }),
        (fields, raw) => {
          const stream = encodeSohFields(fields);
          const cuts = [...new Set(raw.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
          const out = decode(chunksOf(stream, cuts), 40);
          expect(out.fields).toEqual(fields.map((f) => f.toString('latin1')));
          expect(out.failed).toBe(false);
          expect(out.pendingBytes).toBe(0);
        },
      ),
      RUNS,
    );
  });

  it('removes every 0x01 inside a field, so one encoded field is always one field on the wire', () => {
    fc.assert(
      fc.property(fc.array(field, { maxLength: 6 }), (fields) => {
        const out = decode([encodeSohFields(fields)], 40);
        expect(out.fields).toEqual(fields.map((f) => f.toString('latin1').replaceAll('\x01', '')));
        expect(out.pendingBytes).toBe(0);
      }),
      RUNS,
    );
  });
});

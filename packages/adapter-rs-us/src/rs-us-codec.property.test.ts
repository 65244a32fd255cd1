import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodeEvent,
  encodeRsUs,
  RECORD_SEPARATOR,
  RsUsDecoder,
  type RsUsFrame,
  splitMessage,
  stripDelimiters,
  UNIT_SEPARATOR,
} from './rs-us-codec.ts';

/** Properties of the rs-us codec over generated input, shrunk by fast-check on failure. */

const RUNS = { numRuns: 1000 };

/** Bytes with both separators common, plus the lead bytes of multi-byte UTF-8 sequences. */
const streamBytes = (maxLength: number) =>
  fc
    .array(
      fc.oneof(
        { weight: 1, arbitrary: fc.constantFrom(RECORD_SEPARATOR, UNIT_SEPARATOR) },
        { weight: 2, arbitrary: fc.constantFrom(0x61, 0xc3, 0xa9, 0xf0, 0x9f, 0x80) },
        { weight: 3, arbitrary: fc.integer({ min: 0, max: 255 }) },
      ),
      { maxLength },
    )
    .map((values) => Buffer.from(values));

/** Valid UTF-8 text cut into parts: what real clients send. */
const textStream = fc
  .array(
    fc.string({
      unit: fc.oneof(
        fc.constantFrom('\u001e', '\u001f'),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
      ),
      maxLength: 20,
    }),
    {
      maxLength: 8,
    },
  )
  .map((pieces) => Buffer.from(pieces.join(''), 'utf8'));

const cutsFor = (stream: Buffer, raw: readonly number[]) =>
  [...new Set(raw.map((cut) => cut % (stream.length + 1)))].sort((a, b) => a - b);

function chunksOf(stream: Buffer, cuts: readonly number[]): Buffer[] {
  const chunks: Buffer[] = [];
  let start = 0;
  for (const cut of [...cuts, stream.length]) {
    chunks.push(stream.subarray(start, cut));
    start = cut;
  }
  return chunks;
}

function decode(chunks: readonly Uint8Array[], max: number) {
  const decoder = new RsUsDecoder(max);
  const frames: RsUsFrame[] = [];
  let mostPending = 0;
  for (const chunk of chunks) {
    frames.push(...decoder.push(chunk));
    mostPending = Math.max(mostPending, decoder.pendingBytes);
  }
  return { frames, failed: decoder.failed, pendingBytes: decoder.pendingBytes, mostPending };
}

/** The obvious reading of a whole stream, in one pass over its messages. */
function model(stream: Buffer, max: number) {
  const frames: RsUsFrame[] = [];
  const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let start = 0;
  for (
    let end = stream.indexOf(RECORD_SEPARATOR);
    end !== -1;
    end = stream.indexOf(RECORD_SEPARATOR, start)
  ) {
    if (end - start + 1 > max)
      return { frames: [...frames, { kind: 'error', error: 'too-large' }], failed: true, pendingBytes: 0 };
    let text: string;
    try {
      text = strict.decode(stream.subarray(start, end));
    } catch {
      return { frames: [...frames, { kind: 'error', error: 'invalid-utf8' }], failed: true, pendingBytes: 0 };
    }
    frames.push(splitMessage(text));
    start = end + 1;
  }
  const tail = stream.length - start;
  // Without its U+001E, a message of `max` bytes already can only end over the limit.
  if (tail >= max)
    return { frames: [...frames, { kind: 'error', error: 'too-large' }], failed: true, pendingBytes: 0 };
  return { frames, failed: false, pendingBytes: tail };
}

describe('RsUsDecoder properties', () => {
  it('gives the same frames for any split of any bytes as for one read, as the model says, never throwing', () => {
    fc.assert(
      fc.property(
        fc.oneof(streamBytes(300), textStream),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.integer({ min: 1, max: 40 }),
        (stream, raw, max) => {
          const { mostPending: _, ...whole } = decode([stream], max);
          const { mostPending, ...split } = decode(chunksOf(stream, cutsFor(stream, raw)), max);
          expect(split).toEqual(whole);
          expect(whole).toEqual(model(stream, max));
          // Never more than a message's worth held: one byte short of the limit at most.
          expect(mostPending).toBeLessThan(max);
        },
      ),
      RUNS,
    );
  });

  it('reads the same frames one at a time with next(), resuming at its offset, for any split', () => {
    fc.assert(
      fc.property(
        fc.oneof(streamBytes(300), textStream),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.integer({ min: 1, max: 40 }),
        (stream, raw, max) => {
          const decoder = new RsUsDecoder(max);
          const frames: RsUsFrame[] = [];
          for (const chunk of chunksOf(stream, cutsFor(stream, raw))) {
            let offset = 0;
            while (offset < chunk.length && !decoder.failed) {
              const frame = decoder.next(chunk, offset);
              expect(decoder.offset).toBeGreaterThan(offset);
              offset = decoder.offset;
              if (frame !== null) frames.push(frame);
            }
          }
          const { mostPending: _, ...whole } = decode([stream], max);
          expect({ frames, failed: decoder.failed, pendingBytes: decoder.pendingBytes }).toEqual(whole);
        },
      ),
      RUNS,
    );
  });

  it('accepts a message of exactly the limit (U+001E counted) and refuses limit + 1, at any split', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.array(fc.nat(), { maxLength: 6 }), (max, raw) => {
        const body = (bytes: number) => `${'é'.repeat(bytes >> 1)}${'w'.repeat(bytes & 1)}`;
        const atLimit = Buffer.from(`${body(max - 1)}\u001e`);
        expect(atLimit.length).toBe(max);
        const accepted = decode(chunksOf(atLimit, cutsFor(atLimit, raw)), max);
        expect(accepted.frames).toEqual([{ kind: 'message', parts: [body(max - 1)], trailing: false }]);
        expect(accepted.failed).toBe(false);
        const overLimit = Buffer.from(`${body(max)}\u001e`);
        const refused = decode(chunksOf(overLimit, cutsFor(overLimit, raw)), max);
        expect(refused.frames).toEqual([{ kind: 'error', error: 'too-large' }]);
        expect(refused.pendingBytes).toBe(0);
      }),
      RUNS,
    );
  });

  it('yields nothing after an error, whatever follows', () => {
    fc.assert(
      fc.property(streamBytes(100), (rest) => {
        const decoder = new RsUsDecoder(64);
        expect(decoder.push(Buffer.from([0xff, RECORD_SEPARATOR]))).toEqual([
          { kind: 'error', error: 'invalid-utf8' },
        ]);
        expect(decoder.push(rest)).toEqual([]);
        expect(decoder.pendingBytes).toBe(0);
      }),
      RUNS,
    );
  });
});

describe('rs-us encoders properties', () => {
  // Parts as a client or the server writes them: any text but the two separators.
  const part = fc.string({ unit: 'binary', maxLength: 12 }).map(stripDelimiters);

  it('round-trips any parts in the trailing form', () => {
    fc.assert(
      fc.property(
        fc.array(part, { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (parts, raw) => {
          const wire = encodeRsUs(parts, true);
          expect(decode(chunksOf(wire, cutsFor(wire, raw)), 1 << 16).frames).toEqual([
            { kind: 'message', parts, trailing: true },
          ]);
        },
      ),
      RUNS,
    );
  });

  it('round-trips any parts in the plain form unless the last of several is empty (that reads as the trailing form)', () => {
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 6 }), (parts) => {
        fc.pre(parts.length === 1 || parts[parts.length - 1] !== '');
        expect(decode([encodeRsUs(parts, false)], 1 << 16).frames).toEqual([
          { kind: 'message', parts, trailing: false },
        ]);
      }),
      RUNS,
    );
  });

  it('encodes an event for any text as one message of three parts, separators removed', () => {
    fc.assert(
      fc.property(
        fc.nat(),
        fc.string({
          unit: fc.oneof(
            fc.constantFrom('\u001e', '\u001f'),
            fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
          ),
          maxLength: 30,
        }),
        fc.boolean(),
        (ms, text, trailing) => {
          const clean = text.replace(/[\u001e\u001f]/g, '');
          // A plain-form event with an empty text ends in U+001F U+001E, which is the trailing form's mark.
          fc.pre(trailing || clean !== '');
          expect(decode([encodeEvent(ms, text, trailing)], 1 << 16).frames).toEqual([
            { kind: 'message', parts: ['event', String(ms), clean], trailing },
          ]);
        },
      ),
      RUNS,
    );
  });
});

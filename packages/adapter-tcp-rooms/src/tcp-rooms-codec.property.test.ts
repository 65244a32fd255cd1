import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeLineText, LineSplitter, renderChatLine } from './tcp-rooms-codec.ts';

/** Properties of the tcp-rooms line codec over generated input, shrunk by fast-check on failure. */

const RUNS = { numRuns: 1000 };
const LF = 0x0a;
const CR = 0x0d;

/** Bytes where `\n` and `\r` are common enough to make lines, `\r\n` and stray `\r`. */
const streamBytes = (maxLength: number) =>
  fc
    .array(
      fc.oneof(
        { weight: 1, arbitrary: fc.constant(LF) },
        { weight: 1, arbitrary: fc.constant(CR) },
        { weight: 5, arbitrary: fc.integer({ min: 0, max: 255 }) },
      ),
      { maxLength },
    )
    .map((values) => Buffer.from(values));

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

type Event = string | { tooLong: true };
const TOO_LONG = { tooLong: true } as const;

/** Every event, and after which read each `tooLong` came (to see it is reported without waiting). */
function split(chunks: readonly Uint8Array[], max: number): { events: Event[]; partial: boolean } {
  const splitter = new LineSplitter(max);
  const events: Event[] = [];
  const handler = { line: (text: string) => events.push(text), tooLong: () => events.push(TOO_LONG) };
  for (const chunk of chunks) splitter.push(chunk, handler);
  return { events, partial: splitter.hasPartialLine };
}

/** The obvious reading: lines end in `\n`, one `\r` before it goes, over the limit is `tooLong`. */
function model(stream: Buffer, max: number): { events: Event[]; partial: boolean } {
  const events: Event[] = [];
  let start = 0;
  for (let newline = stream.indexOf(LF); newline !== -1; newline = stream.indexOf(LF, start)) {
    let end = newline;
    if (end > start && stream[end - 1] === CR) end -= 1;
    events.push(end - start > max ? TOO_LONG : stream.toString('utf8', start, end));
    start = newline + 1;
  }
  const tail = stream.length - start;
  // An unfinished line is refused once it can no longer end within the limit (`\r` may still be followed by `\n`).
  if (tail > max + 1 || (tail === max + 1 && stream[stream.length - 1] !== CR)) events.push(TOO_LONG);
  return { events, partial: tail > 0 };
}

describe('LineSplitter properties', () => {
  it('finds the same lines for any split of any bytes as for one read, as the model says, never throwing', () => {
    fc.assert(
      fc.property(
        streamBytes(300),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.integer({ min: 0, max: 40 }),
        (stream, raw, max) => {
          const whole = split([stream], max);
          expect(split(chunksOf(stream, cutsFor(stream, raw)), max)).toEqual(whole);
          expect(whole).toEqual(model(stream, max));
        },
      ),
      RUNS,
    );
  });

  it('accepts a line of exactly the limit and refuses limit + 1, with `\\n` or `\\r\\n`, at any split', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 64 }),
        fc.constantFrom('\n', '\r\n'),
        fc.array(fc.nat(), { maxLength: 6 }),
        (max, ending, raw) => {
          const atLimit = Buffer.from(`${'é'.repeat(max >> 1)}${'x'.repeat(max & 1)}${ending}\n`);
          expect(split(chunksOf(atLimit, cutsFor(atLimit, raw)), max).events).toEqual([
            'é'.repeat(max >> 1) + 'x'.repeat(max & 1),
            '',
          ]);
          // The empty line after it shows the splitter is back in step.
          const overLimit = Buffer.from(`${'y'.repeat(max + 1)}${ending}\n`);
          expect(split(chunksOf(overLimit, cutsFor(overLimit, raw)), max).events).toEqual([TOO_LONG, '']);
        },
      ),
      RUNS,
    );
  });

  it('refuses an endless line as soon as it passes the limit, once, however it keeps coming', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 64 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 20 }),
        (max, sizes) => {
          const splitter = new LineSplitter(max);
          let reports = 0;
          let sent = 0;
          const handler = { line: () => expect.unreachable('no line ended'), tooLong: () => reports++ };
          for (const size of sizes) {
            const before = sent;
            splitter.push(Buffer.alloc(size, 0x7a), handler);
            sent += size;
            // Reported on the very read that first holds limit + 1 bytes: nothing beyond is waited for or kept.
            expect(reports).toBe(sent > max ? 1 : 0);
            if (before > max) expect(reports).toBe(1);
          }
          expect(splitter.hasPartialLine).toBe(true);
        },
      ),
      RUNS,
    );
  });
});

/** Undoes {@link escapeLineText}: the test's proof that escaping loses nothing. */
function unescapeLine(text: string): string {
  return text.replace(/\\(\\|n|r|t|x[0-9a-f]{2}|u[0-9a-f]{4})/g, (_, code: string) => {
    if (code === '\\') return '\\';
    if (code === 'n') return '\n';
    if (code === 'r') return '\r';
    if (code === 't') return '\t';
    return String.fromCharCode(Number.parseInt(code.slice(1), 16));
  });
}

describe('escapeLineText and renderChatLine properties', () => {
  const anyText = fc.string({
    unit: fc.oneof(
      fc.constantFrom('\n', '\r', '\\', '\t', '\u2028', '\u0085', '\u007f'),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    ),
    maxLength: 60,
  });

  it('leaves no character that could end, move or forge a line, and loses nothing', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const escaped = escapeLineText(text);
        expect(escaped).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
        expect(unescapeLine(escaped)).toBe(text);
      }),
      RUNS,
    );
  });

  it('renders any sender and text as exactly one line the splitter reads back whole', () => {
    fc.assert(
      fc.property(anyText, anyText, fc.boolean(), (sender, text, direct) => {
        const wire = Buffer.from(renderChatLine(sender, '12:34', text, direct), 'utf8');
        const { events, partial } = split([wire], wire.length);
        expect(partial).toBe(false);
        expect(events).toHaveLength(1);
        const line = events[0] as string;
        const prefix = `${escapeLineText(sender)} (12:34)${direct ? ' [private]' : ''}: `;
        expect(line.startsWith(prefix)).toBe(true);
        expect(unescapeLine(line.slice(prefix.length))).toBe(text);
      }),
      RUNS,
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  DEFAULT_MAX_RECIPIENTS,
  decodeClientFrame,
  encodeChatStatusFrame,
  encodeErrorFrame,
  encodeReceiveMessageFrame,
  isLongerThan,
  MAX_NESTING,
  nestsDeeperThan,
} from './json-ws-codec.ts';

/** Properties of the json-ws codec over generated input, shrunk by fast-check on failure. */

const RUNS = { numRuns: 500 };
const LIMITS = { maxTextCodePoints: 16 };

/** Any text, lone surrogates included (a WebSocket text frame cannot carry them, but the codec must not care). */
const anyText = fc.string({
  unit: fc.oneof(
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    fc.integer({ min: 0xd800, max: 0xdfff }).map((u) => String.fromCharCode(u)),
  ),
  maxLength: 40,
});
const wellFormed = fc.string({ unit: 'binary', maxLength: 40 });

function expectDecoded(text: string) {
  const result = decodeClientFrame(text, LIMITS);
  if (!result.ok) {
    expect(typeof result.error).toBe('string');
    expect(result.error.length).toBeGreaterThan(0);
    // An error frame echoes at most a clipped piece of the input.
    expect(result.error.length).toBeLessThan(200);
  }
  return result;
}

describe('decodeClientFrame properties', () => {
  it('answers any text with a frame or an error, never throwing', () => {
    fc.assert(
      fc.property(anyText, (text) => void expectDecoded(text)),
      RUNS,
    );
  });

  it('answers any JSON value, and any object with any "type" and "data", with a frame or an error', () => {
    const type = fc.oneof(
      fc.constantFrom('hello', 'recieve_status', 'send_message'),
      fc.jsonValue({ maxDepth: 2 }),
    );
    const data = fc.oneof(
      fc.record({ user: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: [] }),
      fc.record(
        { text: fc.jsonValue({ maxDepth: 2 }), recievers: fc.jsonValue({ maxDepth: 2 }) },
        { requiredKeys: [] },
      ),
      fc.jsonValue({ maxDepth: 3 }),
    );
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.record({ type, data }, { requiredKeys: [] })), (value) => {
        const result = expectDecoded(JSON.stringify(value));
        if (result.ok) expect(['hello', 'recieve_status', 'send_message']).toContain(result.frame.type);
      }),
      RUNS,
    );
  });

  it('answers deeply nested JSON in any field quickly, with an error', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20_000 }),
        fc.constantFrom('[', '{"a":'),
        fc.constantFrom('user', 'text', 'recievers', 'type'),
        (depth, open, field) => {
          const close = open === '[' ? ']' : '}';
          const nested = `${open.repeat(depth)}1${close.repeat(depth)}`;
          const data = field === 'type' ? '{}' : `{"${field}":${nested}}`;
          const frame =
            field === 'type'
              ? `{"type":${nested}}`
              : `{"type":"${field === 'user' ? 'hello' : 'send_message'}","data":${data}}`;
          const started = performance.now();
          expect(expectDecoded(frame).ok).toBe(false);
          expect(performance.now() - started).toBeLessThan(250);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('takes exactly the send_message frames the schema takes, with the same text and recievers', () => {
    // The decoder checks the common send_message by hand; this is the schema it stands in for.
    const schema = z.object({
      data: z.object({ text: z.string(), recievers: z.array(z.string()).nullish() }),
    });
    const field = fc.oneof(fc.jsonValue({ maxDepth: 2 }), wellFormed, fc.array(wellFormed, { maxLength: 3 }));
    const data = fc.oneof(
      fc.record({ text: field, recievers: fc.oneof(field, fc.constant(null)) }, { requiredKeys: [] }),
      fc.jsonValue({ maxDepth: 2 }),
    );
    fc.assert(
      fc.property(data, (value) => {
        const frame = { type: 'send_message', data: value };
        const result = decodeClientFrame(JSON.stringify(frame), { maxTextCodePoints: 1_000 });
        const expected = schema.safeParse(JSON.parse(JSON.stringify(frame)));
        if (!expected.success) {
          expect(result.ok).toBe(false);
          return;
        }
        expect(result).toEqual({
          ok: true,
          frame: {
            type: 'send_message',
            text: expected.data.data.text,
            recievers: expected.data.data.recievers ?? undefined,
          },
        });
      }),
      RUNS,
    );
  });

  it('round-trips any hello and send_message a client can write', () => {
    const recievers = fc.option(fc.array(wellFormed, { maxLength: 5 }), { nil: undefined });
    fc.assert(
      fc.property(wellFormed, wellFormed, recievers, (user, text, to) => {
        expect(decodeClientFrame(JSON.stringify({ type: 'hello', data: { user } }), LIMITS)).toEqual({
          ok: true,
          frame: { type: 'hello', user },
        });
        fc.pre(!isLongerThan(text, LIMITS.maxTextCodePoints));
        expect(
          decodeClientFrame(JSON.stringify({ type: 'send_message', data: { text, recievers: to } }), LIMITS),
        ).toEqual({
          ok: true,
          frame: { type: 'send_message', text, recievers: to },
        });
      }),
      RUNS,
    );
  });

  it('accepts a text of exactly the limit in code points and refuses limit + 1, astral characters included', () => {
    const codePoint = fc.oneof(
      fc.constantFrom('a', 'é', '🦊', '\ud800'),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }),
        fc.array(codePoint, { minLength: 41, maxLength: 41 }),
        (max, points) => {
          const frame = (n: number) =>
            JSON.stringify({ type: 'send_message', data: { text: points.slice(0, n).join('') } });
          const limits = { maxTextCodePoints: max };
          expect(decodeClientFrame(frame(max), limits).ok).toBe(true);
          expect(decodeClientFrame(frame(max + 1), limits)).toEqual({
            ok: false,
            error: `text is longer than ${max} characters; not sent`,
            oversized: true,
          });
        },
      ),
      RUNS,
    );
  });
});

describe('nesting and recipient limits properties', () => {
  /** The real nesting depth of a JSON value: what the quick scan must agree with. */
  const depthOf = (value: unknown): number =>
    typeof value === 'object' && value !== null ? 1 + Math.max(0, ...Object.values(value).map(depthOf)) : 0;

  it('measures nesting as the parsed value has it, brackets inside strings ignored', () => {
    const tricky = fc.string({ unit: fc.constantFrom('[', ']', '{', '}', '"', '\\', 'a'), maxLength: 8 });
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        tricky,
        fc.integer(),
        fc.array(tie('node'), { maxLength: 3 }),
        fc.dictionary(tricky, tie('node'), { maxKeys: 3 }),
      ),
    })).node;
    fc.assert(
      fc.property(value, fc.integer({ min: 0, max: 10 }), (json, max) => {
        expect(nestsDeeperThan(JSON.stringify(json), max)).toBe(depthOf(json) > max);
      }),
      RUNS,
    );
  });

  it(`decodes a frame nested exactly ${MAX_NESTING} deep and refuses ${MAX_NESTING + 1}, before parsing`, () => {
    fc.assert(
      fc.property(fc.constantFrom('[', '{"k":'), (open) => {
        const close = open === '[' ? ']' : '}';
        // The frame itself and `data` are two levels; the rest nests inside an extra field.
        const frame = (depth: number) =>
          `{"type":"send_message","data":{"recievers":["bob"],"text":"hi","x":${open.repeat(depth - 2)}1${close.repeat(depth - 2)}}}`;
        expect(decodeClientFrame(frame(MAX_NESTING), LIMITS).ok).toBe(true);
        expect(decodeClientFrame(frame(MAX_NESTING + 1), LIMITS)).toEqual({
          ok: false,
          error: `invalid JSON: nested deeper than ${MAX_NESTING} levels`,
        });
      }),
      { numRuns: 10 },
    );
  });

  it('takes exactly maxRecipients names and refuses one more', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.boolean(), (max, useDefault) => {
        const limit = useDefault ? DEFAULT_MAX_RECIPIENTS : max;
        const limits = useDefault ? LIMITS : { ...LIMITS, maxRecipients: max };
        const frame = (count: number) =>
          JSON.stringify({
            type: 'send_message',
            data: { recievers: Array.from({ length: count }, (_, i) => `n${i}`), text: 'x' },
          });
        const accepted = decodeClientFrame(frame(limit), limits);
        expect(
          accepted.ok && accepted.frame.type === 'send_message' && accepted.frame.recievers?.length,
        ).toBe(limit);
        expect(decodeClientFrame(frame(limit + 1), limits)).toEqual({
          ok: false,
          error: `too many recievers: ${limit + 1}, at most ${limit} per message; not sent`,
        });
      }),
      { numRuns: 60 },
    );
  });
});

describe('isLongerThan properties', () => {
  it('agrees with counting code points one by one', () => {
    fc.assert(
      fc.property(anyText, fc.integer({ min: 0, max: 45 }), (text, max) => {
        expect(isLongerThan(text, max)).toBe([...text].length > max);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('json-ws encoders properties', () => {
  it('write frames that parse back to what was given', () => {
    fc.assert(
      fc.property(
        fc.array(wellFormed, { maxLength: 8 }),
        wellFormed,
        wellFormed,
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        (names, sender, text, timestamp) => {
          expect(JSON.parse(encodeChatStatusFrame(names))).toEqual({
            type: 'chat_status',
            data: { active_clients: names },
          });
          expect(JSON.parse(encodeErrorFrame(text))).toEqual({ type: 'error', data: { message: text } });
          expect(
            JSON.parse(
              encodeReceiveMessageFrame({ sender: { text: sender }, text, timestamp }).toString('utf8'),
            ),
          ).toEqual({
            type: 'recieve_message',
            data: { sender, timestamp: Math.floor(timestamp / 1000), text },
          });
        },
      ),
      RUNS,
    );
  });
});

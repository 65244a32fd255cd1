import { checkTextName } from '@switchboard/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatSessionList, httpRefusal, parseUpgradeTarget } from './sessions-codec.ts';

/** Properties of the sessions HTTP codec over generated input, shrunk by fast-check on failure. */

const RUNS = { numRuns: 1000 };

/** Request targets as a hostile client might write them: paths, queries, stray and broken escapes. */
const target = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        '/',
        '?',
        '&',
        '=',
        '%',
        '%2',
        '%ZZ',
        '%FF',
        '%C3%A9',
        '%00',
        '+',
        '#',
        'client_id',
        'client_id=',
        '\u0000',
        ' ',
      ),
      fc.string({ unit: 'binary', maxLength: 4 }),
    ),
    { maxLength: 12 },
  )
  .map((pieces) => pieces.join(''));

/** Client ids the codec must accept: any non-empty text without control characters. */
const clientId = fc
  .string({ unit: 'binary', minLength: 1, maxLength: 30 })
  .filter((id) => checkTextName(id, 1024) === null);

describe('parseUpgradeTarget properties', () => {
  it('answers any request target with a client id or a 400/404 refusal, never throwing', () => {
    fc.assert(
      fc.property(
        fc.oneof(target, fc.string({ unit: 'binary' })),
        fc.integer({ min: 0, max: 300 }),
        (text, max) => {
          const result = parseUpgradeTarget(text, max);
          if (result.ok) expect(checkTextName(result.clientId, max)).toBeNull();
          else expect([400, 404]).toContain(result.status);
        },
      ),
      RUNS,
    );
  });

  it('round-trips every valid client id, percent-encoded, among other query parameters', () => {
    fc.assert(
      fc.property(
        clientId,
        fc.array(fc.tuple(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 })), { maxLength: 3 }),
        (id, others) => {
          const query = new URLSearchParams(others.filter(([key]) => key !== 'client_id'));
          query.append('client_id', id);
          expect(parseUpgradeTarget(`/?${query}`, 1024)).toEqual({ ok: true, clientId: id });
          expect(parseUpgradeTarget(`/?client_id=${encodeURIComponent(id)}`, 1024)).toEqual({
            ok: true,
            clientId: id,
          });
        },
      ),
      RUNS,
    );
  });

  it('accepts a client id of exactly the limit in UTF-8 bytes and refuses limit + 1', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.constantFrom('a', 'é', '€', '🦊'), (max, unit) => {
        const size = Buffer.byteLength(unit);
        const fits = unit.repeat(Math.floor(max / size)) + 'a'.repeat(max % size);
        expect(Buffer.byteLength(fits)).toBe(max);
        expect(parseUpgradeTarget(`/?client_id=${encodeURIComponent(fits)}`, max)).toEqual({
          ok: true,
          clientId: fits,
        });
        expect(parseUpgradeTarget(`/?client_id=${encodeURIComponent(`${fits}a`)}`, max)).toEqual({
          ok: false,
          status: 400,
          message: `client_id is longer than ${max} bytes`,
        });
      }),
      RUNS,
    );
  });
});

describe('formatSessionList and httpRefusal properties', () => {
  const uuid = fc.uuid();

  it('lists every session as one line of its client id and session id', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(clientId, uuid), { selector: ([id]) => id, maxLength: 10 }),
        (entries) => {
          const text = formatSessionList(entries);
          const lines = text === '' ? [] : text.slice(0, -1).split('\n');
          expect(text === '' || text.endsWith('\n')).toBe(true);
          expect(
            lines
              .map((line) => [line.slice(0, line.lastIndexOf(' ')), line.slice(line.lastIndexOf(' ') + 1)])
              .sort(),
          ).toEqual(entries.map(([id, session]) => [id, session]).sort());
        },
      ),
      RUNS,
    );
  });

  it('writes a refusal whose Content-Length is the byte length of its body, for any message', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(400, 403, 404, 503),
        fc.string({ unit: 'binary', maxLength: 60 }).map((m) => m.replace(/[\r\n]/g, ' ')),
        (status, message) => {
          const response = Buffer.from(httpRefusal(status, 'Refused', message));
          const headEnd = response.indexOf('\r\n\r\n');
          const head = response.subarray(0, headEnd).toString('latin1');
          const body = response.subarray(headEnd + 4);
          expect(head.startsWith(`HTTP/1.1 ${status} Refused\r\n`)).toBe(true);
          expect(Number(/\r\nContent-Length: (\d+)/.exec(head)?.[1])).toBe(body.length);
          expect(body.toString('utf8')).toBe(`${message}\n`);
        },
      ),
      RUNS,
    );
  });
});

/**
 * This property found that the list was sorted as whole lines in UTF-16 order ("a b" before "a";
 * U+10000 before U+E000); the codec now sorts by the client ids' UTF-8 bytes (SPEC).
 */
describe('formatSessionList sort order', () => {
  it('sorts the lines by the UTF-8 bytes of the client ids', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(clientId, fc.uuid()), { selector: ([id]) => id, minLength: 2, maxLength: 6 }),
        (entries) => {
          const ids = formatSessionList(entries)
            .slice(0, -1)
            .split('\n')
            .map((line) => line.slice(0, line.lastIndexOf(' ')));
          const byBytes = [...ids].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
          expect(ids).toEqual(byBytes);
        },
      ),
      RUNS,
    );
  });
});

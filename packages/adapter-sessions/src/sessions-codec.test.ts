import { describe, expect, it } from 'vitest';
import { formatSessionList, httpRefusal, parseUpgradeTarget } from './sessions-codec.ts';

describe('parseUpgradeTarget', () => {
  it('reads the client_id of GET /?client_id=ID, percent-decoded', () => {
    expect(parseUpgradeTarget('/?client_id=370f4521-e499', 256)).toEqual({
      ok: true,
      clientId: '370f4521-e499',
    });
    expect(parseUpgradeTarget('/?x=1&client_id=a%20b+c&y', 256)).toEqual({ ok: true, clientId: 'a b c' });
    expect(parseUpgradeTarget('/?client_id=%D0%B6', 256)).toEqual({ ok: true, clientId: 'ж' });
  });

  it('refuses other paths with 404', () => {
    expect(parseUpgradeTarget('/sessions?client_id=a', 256)).toMatchObject({ ok: false, status: 404 });
    expect(parseUpgradeTarget('//?client_id=a', 256)).toMatchObject({ ok: false, status: 404 });
  });

  it('refuses a missing, empty, repeated, over-long or control-character client_id with 400', () => {
    const refusal = (target: string, max = 256) => parseUpgradeTarget(target, max);
    expect(refusal('/')).toEqual({ ok: false, status: 400, message: 'client_id is missing' });
    expect(refusal('/?client_id')).toEqual({ ok: false, status: 400, message: 'client_id is empty' });
    expect(refusal('/?client_id=a&client_id=a')).toEqual({
      ok: false,
      status: 400,
      message: 'client_id is given more than once',
    });
    expect(refusal('/?client_id=abcd', 3)).toEqual({
      ok: false,
      status: 400,
      message: 'client_id is longer than 3 bytes',
    });
    expect(refusal('/?client_id=abc', 3)).toEqual({ ok: true, clientId: 'abc' });
    expect(refusal('/?client_id=%C3%A9%C3%A9', 3)).toMatchObject({ ok: false, status: 400 });
    expect(refusal('/?client_id=a%7F')).toEqual({
      ok: false,
      status: 400,
      message: 'client_id contains a control character',
    });
  });
});

describe('formatSessionList', () => {
  it('writes one CLIENT_ID SESSION_ID line per session, sorted', () => {
    expect(
      formatSessionList([
        ['test2', 'b'],
        ['test1', 'a'],
      ]),
    ).toBe('test1 a\ntest2 b\n');
    expect(formatSessionList([])).toBe('');
  });

  it('sorts by the UTF-8 bytes of the client ids, not by whole lines as UTF-16', () => {
    // As lines, "a b x" sorts before "a z" (the space, then "b" < "z"); by id, "a" comes first.
    // U+1F600 is two UTF-16 units below U+FFFD, but four UTF-8 bytes above it.
    expect(
      formatSessionList([
        ['a', 'z'],
        ['a b', 'x'],
        ['\u{1F600}', 'p'],
        ['\uFFFD', 'q'],
      ]),
    ).toBe('a z\na b x\n\uFFFD q\n\u{1F600} p\n');
  });
});

describe('httpRefusal', () => {
  it('is a complete HTTP/1.1 response that closes the connection', () => {
    expect(httpRefusal(403, 'Forbidden', 'nö')).toBe(
      'HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 4\r\n\r\nnö\n',
    );
  });
});

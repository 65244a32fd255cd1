import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type DecodedLine,
  formatIrcLine,
  IrcLineDecoder,
  LINE_TOO_LONG,
  MAX_LINE_CONTENT_BYTES,
  parseIrcMessage,
} from './irc-codec.ts';

const show = (lines: DecodedLine[]) =>
  lines.map((line) => (line === LINE_TOO_LONG ? 'TOO LONG' : line.toString()));

/** Feeds `input` cut at `cuts` and returns everything decoded. */
function decodeSplit(input: Buffer, cuts: number[]): string[] {
  const decoder = new IrcLineDecoder();
  const out: DecodedLine[] = [];
  let from = 0;
  for (const cut of [...cuts.sort((a, b) => a - b), input.length]) {
    out.push(...decoder.push(input.subarray(from, cut)));
    from = cut;
  }
  return show(out);
}

describe('IrcLineDecoder', () => {
  it('ends lines at CR LF, LF and a bare CR, and skips empty lines', () => {
    const decoder = new IrcLineDecoder();
    expect(show(decoder.push(Buffer.from('NICK a\r\nUSER b\nPING c\rPONG d\r\n\r\n\n')))).toEqual([
      'NICK a',
      'USER b',
      'PING c',
      'PONG d',
    ]);
    expect(decoder.pendingBytes).toBe(0);
  });

  it('accepts a line of exactly 510 bytes before CR LF (512 with it) and refuses 511', () => {
    const exact = 'PRIVMSG bob :'.padEnd(MAX_LINE_CONTENT_BYTES, 'x');
    expect(Buffer.byteLength(exact)).toBe(510);
    const decoder = new IrcLineDecoder();
    expect(show(decoder.push(Buffer.from(`${exact}\r\n`)))).toEqual([exact]);
    expect(show(decoder.push(Buffer.from(`${exact}y\r\nPING ok\r\n`)))).toEqual(['TOO LONG', 'PING ok']);
  });

  it('reports a long line at once, discards all of it unbuffered and never cuts it into two commands', () => {
    const decoder = new IrcLineDecoder();
    const first = decoder.push(Buffer.from(`PRIVMSG bob :${'a'.repeat(600)}`));
    expect(show(first)).toEqual(['TOO LONG']);
    expect(decoder.pendingBytes).toBe(0);
    // The rest of that line, even one that looks like a command, is not run.
    expect(show(decoder.push(Buffer.from(`${'b'.repeat(100_000)} QUIT :tail`)))).toEqual([]);
    expect(decoder.pendingBytes).toBe(0);
    expect(show(decoder.push(Buffer.from('\r\nPING after\r\n')))).toEqual(['PING after']);
  });

  it('decodes the same lines however the stream is split (any split equals one read)', () => {
    const piece = fc.oneof(
      fc.constantFrom('\r\n', '\n', '\r', 'NICK a', 'PRIVMSG #main :hi', ' ', ':', 'é'),
      fc.string({ maxLength: 20 }),
      fc.constant('z'.repeat(520)),
    );
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (pieces, cuts) => {
          const input = Buffer.from(pieces.join(''));
          const whole = decodeSplit(input, []);
          const split = decodeSplit(
            input,
            cuts.map((cut) => (input.length === 0 ? 0 : cut % input.length)),
          );
          expect(split).toEqual(whole);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('next() reads one line at a time, so a caller can stop and keep the rest undecoded', () => {
    const decoder = new IrcLineDecoder();
    const chunk = Buffer.from('A 1\r\nB 2\r\nC');
    expect(decoder.next(chunk, 0)?.toString()).toBe('A 1');
    // It stops at the CR; the LF after it is an empty line, skipped by the next read.
    expect(decoder.offset).toBe(4);
    expect(decoder.next(chunk, decoder.offset)?.toString()).toBe('B 2');
    expect(decoder.next(chunk, decoder.offset)).toBeNull();
    expect(decoder.pendingBytes).toBe(1);
    expect(decoder.next(Buffer.from(' 3\n'), 0)?.toString()).toBe('C 3');
  });
});

describe('parseIrcMessage', () => {
  it('splits the command and parameters, the trailing one taking the rest', () => {
    expect(parseIrcMessage('privmsg #main :hello  there :)')).toEqual({
      command: 'PRIVMSG',
      params: ['#main', 'hello  there :)'],
    });
    expect(parseIrcMessage('USER  u 0   * :Real Name')).toEqual({
      command: 'USER',
      params: ['u', '0', '*', 'Real Name'],
    });
    expect(parseIrcMessage('PRIVMSG bob :')).toEqual({ command: 'PRIVMSG', params: ['bob', ''] });
  });

  it('drops tags and a prefix, and finds no command in a line of only those', () => {
    expect(parseIrcMessage('@time=x :me!u@h JOIN #main')).toEqual({ command: 'JOIN', params: ['#main'] });
    expect(parseIrcMessage(':only-a-prefix')).toBeNull();
    expect(parseIrcMessage('@only=tags')).toBeNull();
    expect(parseIrcMessage('   ')).toBeNull();
  });

  it('keeps at most 15 parameters, the 15th taking the rest', () => {
    const words = Array.from({ length: 20 }, (_, i) => `p${i}`);
    const { params } = parseIrcMessage(`CMD ${words.join(' ')}`)!;
    expect(params).toHaveLength(15);
    expect(params[14]).toBe(words.slice(14).join(' '));
  });
});

describe('formatIrcLine', () => {
  it('sends the last parameter as trailing when it needs to be', () => {
    expect(formatIrcLine('srv', '001', ['bob', 'Welcome home'])).toBe(':srv 001 bob :Welcome home\r\n');
    expect(formatIrcLine('srv', 'PONG', ['srv', 'token'])).toBe(':srv PONG srv token\r\n');
    expect(formatIrcLine('srv', '331', ['bob', ''])).toBe(':srv 331 bob :\r\n');
    expect(formatIrcLine('srv', 'X', [':colon'])).toBe(':srv X ::colon\r\n');
  });
});

import { describe, expect, it } from 'vitest';
import {
  ClockFormat,
  escapeLineText,
  isTimeZone,
  LINE_TOO_LONG,
  LineReader,
  LineSplitter,
  renderChatLine,
} from './tcp-rooms-codec.ts';

type Event = string | { tooLong: true };

function collect(maxLineBytes: number, chunks: Array<string | Uint8Array>): Event[] {
  const events: Event[] = [];
  const splitter = new LineSplitter(maxLineBytes);
  const handler = {
    line: (text: string) => events.push(text),
    tooLong: () => events.push({ tooLong: true }),
  };
  for (const chunk of chunks) splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk, handler);
  return events;
}

/** Every way to cut `bytes` in two, plus one byte at a time. */
function everySplit(bytes: Buffer): Buffer[][] {
  const splits: Buffer[][] = [];
  for (let at = 0; at <= bytes.length; at++) splits.push([bytes.subarray(0, at), bytes.subarray(at)]);
  splits.push([...bytes].map((byte) => Buffer.from([byte])));
  return splits;
}

const TOO_LONG: Event = { tooLong: true };

describe('LineSplitter', () => {
  it('splits on \\n and \\r\\n, keeping empty lines', () => {
    expect(collect(100, ['a\nb\r\n\nc\r\n'])).toEqual(['a', 'b', '', 'c']);
  });

  it('keeps an unfinished line until its newline arrives', () => {
    const splitter = new LineSplitter(100);
    const lines: string[] = [];
    const handler = { line: (text: string) => lines.push(text), tooLong: () => lines.push('!') };
    splitter.push(Buffer.from('hel'), handler);
    expect(lines).toEqual([]);
    expect(splitter.hasPartialLine).toBe(true);
    splitter.push(Buffer.from('lo\r'), handler);
    splitter.push(Buffer.from('\nnext'), handler);
    expect(lines).toEqual(['hello']);
  });

  it('gives the same lines for every split of the input', () => {
    const input = Buffer.from('alice\r\nпривет, мир 😀\n\r\n12345\nx\r\r\n\u2028\n');
    const expected = ['alice', 'привет, мир 😀', '', '12345', 'x\r', '\u2028'];
    for (const chunks of everySplit(input)) expect(collect(64, chunks)).toEqual(expected);
  });

  it('accepts a line of exactly the limit, with \\n or \\r\\n, at every split', () => {
    const exact = 'x'.repeat(16);
    for (const ending of ['\n', '\r\n']) {
      for (const chunks of everySplit(Buffer.from(`${exact}${ending}ok\n`))) {
        expect(collect(16, chunks)).toEqual([exact, 'ok']);
      }
    }
  });

  it('reports a line one byte over the limit once, and skips to the next line, at every split', () => {
    for (const ending of ['\n', '\r\n']) {
      for (const chunks of everySplit(Buffer.from(`${'y'.repeat(17)}${ending}ok\n`))) {
        expect(collect(16, chunks)).toEqual([TOO_LONG, 'ok']);
      }
    }
  });

  it('counts a lone \\r in the middle of a line as content', () => {
    expect(collect(4, ['ab\rcd\n'])).toEqual([TOO_LONG]);
    expect(collect(5, ['ab\rcd\n'])).toEqual(['ab\rcd']);
    // limit bytes then `\r` then not `\n`: too long as soon as it is known
    expect(collect(4, ['abcd\r', 'e'])).toEqual([TOO_LONG]);
  });

  it('reports a huge line once without buffering it', () => {
    const splitter = new LineSplitter(10);
    const events: Event[] = [];
    const handler = { line: (text: string) => events.push(text), tooLong: () => events.push(TOO_LONG) };
    const megabyte = Buffer.alloc(1024 * 1024, 0x41);
    for (let i = 0; i < 20; i++) splitter.push(megabyte, handler);
    expect(events).toEqual([TOO_LONG]);
    splitter.push(Buffer.from('still long\nshort\n'), handler);
    expect(events).toEqual([TOO_LONG, 'short']);
  });

  it('decodes invalid UTF-8 with U+FFFD, as TextDecoder does', () => {
    const bad = [Buffer.from([0xff, 0x61]), Buffer.from([0xe2, 0x82]), Buffer.from([0xed, 0xa0, 0x80, 0x62])];
    for (const bytes of bad) {
      const expected = new TextDecoder().decode(bytes);
      for (const chunks of everySplit(Buffer.concat([bytes, Buffer.from('\n')]))) {
        expect(collect(100, chunks)).toEqual([expected]);
      }
    }
    expect(collect(100, [Buffer.from([0x68, 0x69, 0xc3, 0x0a])])).toEqual(['hi\ufffd']);
  });

  it('feeds one line at a time when asked, and the lines are those of one push, at every split', () => {
    const input = Buffer.from('first\r\n\nx'.concat('y'.repeat(20), '\nlast\npart'));
    const whole = collect(10, [input]);
    for (const split of everySplit(input)) {
      const events: Event[] = [];
      const splitter = new LineSplitter(10);
      const handler = {
        line: (text: string) => events.push(text),
        tooLong: () => events.push(TOO_LONG),
      };
      for (const chunk of split) {
        let at = 0;
        while (at < chunk.length) {
          const before = events.length;
          const next = splitter.feed(chunk, at, handler, 1);
          expect(events.length - before).toBeLessThanOrEqual(1);
          // Stopped right after a line's newline, or took everything that was left.
          if (next < chunk.length) expect(chunk[next - 1]).toBe(0x0a);
          expect(next).toBeGreaterThan(at);
          at = next;
        }
      }
      expect(events).toEqual(whole);
    }
    expect(whole).toEqual(['first', '', TOO_LONG, 'last']);
  });

  it('accepts Uint8Array chunks that are not Buffers', () => {
    expect(collect(100, [new Uint8Array([0x61, 0x0a])])).toEqual(['a']);
  });
});

describe('LineReader (the splitter as the connection runtime reads it)', () => {
  it('gives the lines of one push one frame at a time, a line too long as a frame, at every split', () => {
    const input = Buffer.from('first\r\n\nx'.concat('y'.repeat(20), '\nlast\npart'));
    const whole = collect(10, [input]).map((event) => (typeof event === 'string' ? event : LINE_TOO_LONG));
    for (const split of everySplit(input)) {
      const reader = new LineReader(10);
      const frames: unknown[] = [];
      for (const chunk of split) {
        let at = 0;
        while (at < chunk.length) {
          const frame = reader.next(chunk, at);
          expect(reader.failed).toBe(false);
          expect(reader.offset).toBeGreaterThan(at);
          // Null only once the chunk is used up (the rest of a line is kept inside the reader).
          if (frame === null) expect(reader.offset).toBe(chunk.length);
          else frames.push(frame);
          at = reader.offset;
        }
      }
      expect(frames).toEqual(whole);
      expect(reader.hasPartialLine).toBe(true);
    }
    expect(whole).toEqual(['first', '', LINE_TOO_LONG, 'last']);
  });
});

describe('escapeLineText', () => {
  it('leaves ordinary text alone', () => {
    const text = 'Hello, World! привет 😀 tab-free';
    expect(escapeLineText(text)).toBe(text);
  });

  it('escapes line breaks, controls, DEL, C1, U+2028/U+2029 and the backslash', () => {
    expect(escapeLineText('a\nb\rc\td')).toBe('a\\nb\\rc\\td');
    expect(escapeLineText('\u0000\u0001\u001b[2J\u001f\u007f')).toBe('\\x00\\x01\\x1b[2J\\x1f\\x7f');
    expect(escapeLineText('x\u0085y\u009bz')).toBe('x\\u0085y\\u009bz');
    expect(escapeLineText('p\u2028q\u2029r')).toBe('p\\u2028q\\u2029r');
    expect(escapeLineText('C:\\dir\\n')).toBe('C:\\\\dir\\\\n');
  });

  it('never lets a typed backslash-n pass for an escaped line break', () => {
    expect(escapeLineText('\\n')).not.toBe(escapeLineText('\n'));
  });

  it('leaves nothing that could break or fake a line', () => {
    let all = '';
    for (let code = 0; code < 0x3000; code++) all += String.fromCharCode(code);
    expect(escapeLineText(all)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
  });
});

describe('renderChatLine', () => {
  it('renders room and private lines as one whole line', () => {
    expect(renderChatLine('gigalol', '23:56', 'Hello, World!', false)).toBe(
      'gigalol (23:56): Hello, World!\n',
    );
    expect(renderChatLine('bob', '00:05', 'psst', true)).toBe('bob (00:05) [private]: psst\n');
  });

  it('escapes the nick and the text, so a forged line is impossible', () => {
    const line = renderChatLine('ev\nil', '12:00', 'hi\nalice (12:00): fake\r\u2028', false);
    expect(line).toBe('ev\\nil (12:00): hi\\nalice (12:00): fake\\r\\u2028\n');
    expect(line.indexOf('\n')).toBe(line.length - 1);
  });
});

describe('ClockFormat', () => {
  it('shows HH:MM in 24-hour time in the given zone', () => {
    const at = Date.UTC(2026, 0, 1, 15, 5, 30);
    expect(new ClockFormat('UTC').format(at)).toBe('15:05');
    expect(new ClockFormat('Asia/Tokyo').format(at)).toBe('00:05');
    expect(new ClockFormat('America/New_York').format(at)).toBe('10:05');
    expect(new ClockFormat('Asia/Kolkata').format(at)).toBe('20:35');
  });

  it('gives the right minute when consecutive calls cross one', () => {
    const clock = new ClockFormat('UTC');
    expect(clock.format(Date.UTC(2026, 0, 1, 23, 59, 59))).toBe('23:59');
    expect(clock.format(Date.UTC(2026, 0, 2, 0, 0, 0))).toBe('00:00');
    expect(clock.format(Date.UTC(2026, 0, 1, 23, 59, 1))).toBe('23:59');
  });
});

describe('isTimeZone', () => {
  it('accepts IANA zones and refuses the rest', () => {
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });
});

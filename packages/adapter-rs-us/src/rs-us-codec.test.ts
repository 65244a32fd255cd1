import { describe, expect, it } from 'vitest';
import {
  encodeEvent,
  encodeRsUs,
  RsUsDecoder,
  type RsUsFrame,
  splitMessage,
  stripDelimiters,
} from './rs-us-codec.ts';

const bytes = (text: string) => Buffer.from(text, 'utf8');
const decodeAll = (input: Uint8Array, max = 65_536): RsUsFrame[] => new RsUsDecoder(max).push(input);

describe('RsUsDecoder', () => {
  it('cuts messages at U+001E and parts at U+001F', () => {
    expect(decodeAll(bytes('login\u001fbob\u001fpw\u001ewho\u001e'))).toEqual([
      { kind: 'message', parts: ['login', 'bob', 'pw'], trailing: false },
      { kind: 'message', parts: ['who'], trailing: false },
    ]);
  });

  it('recognises the trailing form and drops its marker part', () => {
    expect(decodeAll(bytes('login\u001fbob\u001fpw\u001f\u001elogout\u001f\u001e'))).toEqual([
      { kind: 'message', parts: ['login', 'bob', 'pw'], trailing: true },
      { kind: 'message', parts: ['logout'], trailing: true },
    ]);
  });

  it('keeps stray delimiters as empty parts', () => {
    expect(decodeAll(bytes('\u001e\u001f\u001f\u001ea\u001f\u001fb\u001e\u001fa\u001e'))).toEqual([
      { kind: 'message', parts: [''], trailing: false },
      { kind: 'message', parts: ['', ''], trailing: true },
      { kind: 'message', parts: ['a', '', 'b'], trailing: false },
      { kind: 'message', parts: ['', 'a'], trailing: false },
    ]);
  });

  it('yields the same messages however the bytes are split, inside UTF-8 sequences too', () => {
    const input = bytes('send\u001fЖанна\u001fпривет 👋\u001ewho\u001f\u001e\u001ebroadcast\u001f€\u001e');
    const whole = decodeAll(input);
    expect(whole).toHaveLength(4);
    for (let cut = 0; cut <= input.length; cut++) {
      const decoder = new RsUsDecoder(65_536);
      expect([...decoder.push(input.subarray(0, cut)), ...decoder.push(input.subarray(cut))]).toEqual(whole);
    }
    const oneByOne = new RsUsDecoder(65_536);
    const frames: RsUsFrame[] = [];
    for (const byte of input) frames.push(...oneByOne.push(Uint8Array.of(byte)));
    expect(frames).toEqual(whole);
  });

  it('keeps a leading byte order mark as text', () => {
    expect(decodeAll(bytes('\ufeffwho\u001e'))).toEqual([
      { kind: 'message', parts: ['\ufeffwho'], trailing: false },
    ]);
  });

  it('refuses bytes that are not UTF-8, after the good messages before them, and then stays spent', () => {
    const decoder = new RsUsDecoder(65_536);
    const input = Buffer.concat([bytes('who\u001e'), Buffer.from([0x61, 0xff, 0x1e]), bytes('who\u001e')]);
    expect(decoder.push(input)).toEqual([
      { kind: 'message', parts: ['who'], trailing: false },
      { kind: 'error', error: 'invalid-utf8' },
    ]);
    expect(decoder.failed).toBe(true);
    expect(decoder.push(bytes('who\u001e'))).toEqual([]);
  });

  it.each([
    ['a truncated sequence', [0xd0, 0x1e]],
    ['an overlong encoding', [0xc0, 0xaf, 0x1e]],
    ['a surrogate', [0xed, 0xa0, 0x80, 0x1e]],
    ['a lone continuation byte', [0x80, 0x1e]],
    ['a sequence cut by a delimiter', [0xe2, 0x82, 0x1f, 0xac, 0x1e]],
  ])('refuses %s', (_label, raw) => {
    expect(decodeAll(Buffer.from(raw))).toEqual([{ kind: 'error', error: 'invalid-utf8' }]);
  });

  it('accepts a message of exactly the limit, counting U+001E', () => {
    const exact = Buffer.concat([Buffer.alloc(15, 0x61), Buffer.from([0x1e])]);
    expect(decodeAll(exact, 16)).toEqual([{ kind: 'message', parts: ['a'.repeat(15)], trailing: false }]);
  });

  it('refuses one byte more, whether the end is seen or not', () => {
    expect(decodeAll(Buffer.concat([Buffer.alloc(16, 0x61), Buffer.from([0x1e])]), 16)).toEqual([
      { kind: 'error', error: 'too-large' },
    ]);
    // Sixteen bytes without U+001E can only become seventeen or more: known at once.
    expect(decodeAll(Buffer.alloc(16, 0x61), 16)).toEqual([{ kind: 'error', error: 'too-large' }]);
  });

  it('never holds more than the limit of a message that does not end', () => {
    const decoder = new RsUsDecoder(1_000);
    for (let i = 0; i < 999; i++) expect(decoder.push(Uint8Array.of(0x61))).toEqual([]);
    expect(decoder.pendingBytes).toBe(999);
    expect(decoder.push(Uint8Array.of(0x61))).toEqual([{ kind: 'error', error: 'too-large' }]);
    expect(decoder.pendingBytes).toBe(0);
  });

  it('counts the limit per message, not per read', () => {
    const decoder = new RsUsDecoder(8);
    const frames = decoder.push(bytes('abcdefg\u001eabcdefg\u001eabc'));
    expect(frames).toHaveLength(2);
    expect(decoder.push(bytes('defg\u001e'))).toEqual([
      { kind: 'message', parts: ['abcdefg'], trailing: false },
    ]);
  });

  it('does not keep the read buffer alive through a partial message', () => {
    const decoder = new RsUsDecoder(65_536);
    const chunk = bytes('who\u001ewh');
    decoder.push(chunk);
    chunk.fill(0x78);
    expect(decoder.push(bytes('o\u001e'))).toEqual([{ kind: 'message', parts: ['who'], trailing: false }]);
  });
});

describe('RsUsDecoder.next: one message at a time', () => {
  it('reads messages one by one, saying where the chunk continues, and holds nothing it did not reach', () => {
    const decoder = new RsUsDecoder(1024);
    const chunk = Buffer.from('who\u001e\u001elogin\u001fbob\u001fpw\u001ese');
    expect(decoder.next(chunk, 0)).toEqual({ kind: 'message', parts: ['who'], trailing: false });
    expect(decoder.offset).toBe(4);
    expect(decoder.pendingBytes).toBe(0);
    expect(decoder.next(chunk, decoder.offset)).toEqual({ kind: 'message', parts: [''], trailing: false });
    expect(decoder.next(chunk, decoder.offset)).toEqual({
      kind: 'message',
      parts: ['login', 'bob', 'pw'],
      trailing: false,
    });
    expect(decoder.next(chunk, decoder.offset)).toBeNull();
    expect(decoder.offset).toBe(chunk.length);
    expect(decoder.pendingBytes).toBe(2);
    expect(decoder.next(Buffer.from('nd\u001e'), 0)).toEqual({
      kind: 'message',
      parts: ['send'],
      trailing: false,
    });
  });

  it('returns the error once and then nothing, consuming the chunk', () => {
    const decoder = new RsUsDecoder(1024);
    const chunk = Buffer.from([0x61, 0x1e, 0xff, 0x1e, 0x62, 0x1e]);
    expect(decoder.next(chunk, 0)).toEqual({ kind: 'message', parts: ['a'], trailing: false });
    expect(decoder.next(chunk, decoder.offset)).toEqual({ kind: 'error', error: 'invalid-utf8' });
    expect(decoder.offset).toBe(chunk.length);
    expect(decoder.next(Buffer.from('b\u001e'), 0)).toBeNull();
  });
});

describe('splitMessage', () => {
  it('treats a single empty part as a plain empty command', () => {
    expect(splitMessage('')).toEqual({ kind: 'message', parts: [''], trailing: false });
  });
});

describe('encoders', () => {
  it('writes both forms', () => {
    expect(encodeRsUs(['login_valid'], false)).toEqual(bytes('login_valid\u001e'));
    expect(encodeRsUs(['login_valid'], true)).toEqual(bytes('login_valid\u001f\u001e'));
    expect(encodeRsUs(['who_ack', 'alice', 'bob'], false)).toEqual(
      bytes('who_ack\u001falice\u001fbob\u001e'),
    );
    expect(encodeRsUs(['who_ack', 'alice', 'bob'], true)).toEqual(
      bytes('who_ack\u001falice\u001fbob\u001f\u001e'),
    );
  });

  it('writes events and removes delimiters from their text', () => {
    expect(encodeEvent(1_767_225_600_000, 'bob: hi')).toEqual(
      bytes('event\u001f1767225600000\u001fbob: hi\u001e'),
    );
    expect(encodeEvent(5, 'a\u001eb\u001fc', true)).toEqual(bytes('event\u001f5\u001fabc\u001f\u001e'));
  });

  it('round-trips through the decoder', () => {
    const parts = ['send', 'Жанна', 'tab\tand 👋'];
    for (const form of [false, true]) {
      expect(decodeAll(encodeRsUs(parts, form))).toEqual([{ kind: 'message', parts, trailing: form }]);
    }
  });

  it('stripDelimiters leaves other text alone', () => {
    const text = 'no delimiters \u0001 here';
    expect(stripDelimiters(text)).toBe(text);
    expect(stripDelimiters('\u001e\u001fx\u001f\u001e')).toBe('x');
  });
});

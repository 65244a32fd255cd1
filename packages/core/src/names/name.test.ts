import { describe, expect, it } from 'vitest';
import { checkByteName, checkTextName, MAX_NAME_BYTES, Name, sortNames } from './name.ts';

const bytes = (...values: number[]) => Name.fromBytes(Uint8Array.from(values));
const decoder = new TextDecoder();

describe('Name identity', () => {
  it('is the same name whether it arrived as text or as its UTF-8 bytes', () => {
    const fromText = Name.fromText('zoë');
    const fromBytes = Name.fromBytes(Buffer.from('zoë', 'utf8'));
    expect(fromText.equals(fromBytes)).toBe(true);
    expect(fromText.key).toBe(fromBytes.key);
    expect(fromBytes.text).toBe('zoë');
    expect(fromText.bytes).toEqual(Buffer.from([0x7a, 0x6f, 0xc3, 0xab]));
  });

  it('compares byte for byte: case and Unicode normalization make different names', () => {
    expect(Name.fromText('Bob').equals(Name.fromText('bob'))).toBe(false);
    // U+00E9 and e + U+0301 look alike but are different bytes.
    expect(Name.fromText('\u00e9').equals(Name.fromText('e\u0301'))).toBe(false);
    expect(Name.fromText('bob').equals(Name.fromText('bob'))).toBe(true);
  });

  it('keeps invalid UTF-8 apart: two names that both render as U+FFFD are different names', () => {
    const ff = bytes(0xff);
    const fe = bytes(0xfe);
    expect(ff.text).toBe('\ufffd');
    expect(fe.text).toBe('\ufffd');
    expect(ff.equals(fe)).toBe(false);
    expect(ff.key).not.toBe(fe.key);
  });

  it('round-trips every byte value, NUL included, through key and bytes', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const name = Name.fromBytes(all);
    expect(name.byteLength).toBe(256);
    expect(Name.fromKey(name.key).bytes).toEqual(Buffer.from(all));
  });

  it('reads the text of a key as UTF-8, whether or not every byte is ASCII', () => {
    expect(Name.fromKey('bob\u0000\u007f').text).toBe('bob\u0000\u007f');
    expect(Name.fromKey(Name.fromText('zoë').key).text).toBe('zoë');
    expect(Name.fromKey('\u00ff').text).toBe('\ufffd');
  });

  it('copies the bytes it is given, so a reused read buffer cannot rename it', () => {
    const buffer = Buffer.from('alice');
    const name = Name.fromBytes(buffer);
    buffer.fill(0x78);
    expect(name.text).toBe('alice');
    expect(name.bytes).toEqual(Buffer.from('alice'));
  });

  it('accepts a Uint8Array view into a larger buffer and reads only the view', () => {
    const backing = Buffer.from('xxbobxx');
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 2, 3);
    expect(Name.fromBytes(view).text).toBe('bob');
  });
});

describe('Name rendering of invalid UTF-8', () => {
  const invalid: Array<[string, number[]]> = [
    ['a lone continuation byte', [0x80]],
    ['a truncated two-byte sequence', [0x61, 0xc3]],
    ['a truncated four-byte sequence in the middle', [0x61, 0xf0, 0x9f, 0x98, 0x62]],
    ['an overlong encoding of /', [0xc0, 0xaf]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['bytes that are never UTF-8', [0x62, 0xff, 0xfe, 0x62]],
  ];
  for (const [label, values] of invalid) {
    it(`shows ${label} with U+FFFD exactly as TextDecoder does`, () => {
      const name = bytes(...values);
      expect(name.text).toBe(decoder.decode(Uint8Array.from(values)));
      expect(name.text).toContain('\ufffd');
      expect(name.toString()).toBe(name.text);
    });
  }
});

describe('sortNames', () => {
  it('sorts by UTF-8 bytes, not by UTF-16 code units', () => {
    // U+FF5E is EF BD 9E, the emoji is F0 9F 98 80: by bytes U+FF5E comes first, by UTF-16
    // (0xFF5E vs the surrogate 0xD83D) the emoji would.
    const names = ['😀', '\uff5e', 'é', 'a', 'B'].map(Name.fromText);
    expect(sortNames(names).map((name) => name.text)).toEqual(['B', 'a', 'é', '\uff5e', '😀']);
  });

  it('sorts NUL first, a prefix before its extensions, and non-UTF-8 bytes by value', () => {
    const names = [bytes(0xff), bytes(0x61, 0x00), bytes(0x61), bytes(0x00), bytes(0xfe), bytes(0x7f)];
    expect(sortNames(names).map((name) => [...name.bytes])).toEqual([
      [0x00],
      [0x61],
      [0x61, 0x00],
      [0x7f],
      [0xfe],
      [0xff],
    ]);
  });

  it('returns a new array and leaves its input alone', () => {
    const input = [Name.fromText('b'), Name.fromText('a')];
    const sorted = sortNames(input);
    expect(sorted.map(String)).toEqual(['a', 'b']);
    expect(input.map(String)).toEqual(['b', 'a']);
  });
});

describe('checkTextName', () => {
  it('accepts an ordinary name', () => {
    expect(checkTextName('alice')).toBeNull();
    expect(checkTextName('Zoë 🦊')).toBeNull();
  });

  it('refuses the empty name', () => {
    expect(checkTextName('')).toBe('NAME_EMPTY');
  });

  it('accepts exactly 256 bytes and refuses 257 (the limit is inclusive)', () => {
    expect(MAX_NAME_BYTES).toBe(256);
    expect(checkTextName('a'.repeat(256))).toBeNull();
    expect(checkTextName('a'.repeat(257))).toBe('NAME_TOO_LONG');
  });

  it('counts UTF-8 bytes, not characters', () => {
    expect(checkTextName('é'.repeat(128))).toBeNull(); // 256 bytes
    expect(checkTextName(`${'é'.repeat(128)}a`)).toBe('NAME_TOO_LONG'); // 257 bytes, 129 characters
    expect(checkTextName('🦊'.repeat(64))).toBeNull(); // 256 bytes, 128 UTF-16 units
    expect(checkTextName('🦊'.repeat(65))).toBe('NAME_TOO_LONG');
    expect(checkTextName(`${'€'.repeat(85)}a`)).toBeNull(); // 255 + 1 bytes
    expect(checkTextName(`${'€'.repeat(85)}é`)).toBe('NAME_TOO_LONG'); // 255 + 2 bytes
  });

  it('takes another limit when the adapter configures one', () => {
    expect(checkTextName('abcd', 4)).toBeNull();
    expect(checkTextName('abcde', 4)).toBe('NAME_TOO_LONG');
  });

  it('refuses every control character U+0000–U+001F and U+007F, anywhere in the name', () => {
    const controls = [...Array.from({ length: 0x20 }, (_, i) => i), 0x7f];
    for (const code of controls) {
      const char = String.fromCharCode(code);
      expect(checkTextName(char), `U+${code.toString(16)}`).toBe('NAME_CONTROL_CHARACTER');
      expect(checkTextName(`ab${char}cd`), `U+${code.toString(16)} inside`).toBe('NAME_CONTROL_CHARACTER');
    }
  });

  it('accepts the characters just outside the control ranges', () => {
    expect(checkTextName(' ')).toBeNull();
    expect(checkTextName('~')).toBeNull();
    expect(checkTextName('\u0080')).toBeNull();
    expect(checkTextName('\ufffd')).toBeNull();
  });
});

describe('checkByteName', () => {
  it('accepts any byte, control bytes, NUL and non-UTF-8 included', () => {
    expect(checkByteName(Uint8Array.from([0x00]))).toBeNull();
    expect(checkByteName(Uint8Array.from([0x0a, 0x1f, 0x7f, 0xff, 0xc3]))).toBeNull();
  });

  it('refuses the empty name', () => {
    expect(checkByteName(new Uint8Array(0))).toBe('NAME_EMPTY');
  });

  it('accepts exactly 256 bytes and refuses 257', () => {
    expect(checkByteName(new Uint8Array(256).fill(0xff))).toBeNull();
    expect(checkByteName(new Uint8Array(257).fill(0xff))).toBe('NAME_TOO_LONG');
    expect(checkByteName(new Uint8Array(9), 8)).toBe('NAME_TOO_LONG');
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  channelOfRoom,
  isShortenedNick,
  MAIN_CHANNEL,
  NICKLEN,
  nameOfNick,
  nickOf,
  roomOfChannel,
} from './irc-names.ts';

const nick = (text: string) => nickOf(Buffer.from(text, 'utf8'));

describe('nicks of chat names', () => {
  it('keeps IRC-valid names, other scripts included, as they are', () => {
    for (const name of ['alice', 'Bob_42', '[x]`^{|}-', 'Ёжик', 'Алиса', '日本語', 'café']) {
      expect(nick(name)).toBe(name);
      expect(nameOfNick(name)?.toString('utf8')).toBe(name);
    }
  });

  it('escapes spaces, dots, symbols, a leading digit or dash, backslashes and bytes as \\XX', () => {
    expect(nick('john doe')).toBe('john\\20doe');
    expect(nick('a.b@c')).toBe('a\\2Eb\\40c');
    expect(nick('1st')).toBe('\\31st');
    expect(nick('-x')).toBe('\\2Dx');
    expect(nick('back\\slash')).toBe('back\\5Cslash');
    expect(nick('🙂')).toBe('\\F0\\9F\\99\\82');
    expect(nickOf(Buffer.from([0x61, 0xff, 0x00, 0x62]))).toBe('a\\FF\\00b');
  });

  it('maps every name of at most 64 escaped bytes back to itself (any bytes)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 256 }), (bytes) => {
        const mapped = nickOf(bytes);
        expect(Buffer.byteLength(mapped)).toBeLessThanOrEqual(NICKLEN);
        expect(mapped).not.toMatch(/[\s,!@:*?.#\u0000-\u001f]/u);
        if (isShortenedNick(mapped)) expect(nameOfNick(mapped)).toBeNull();
        else expect(nameOfNick(mapped)).toEqual(Buffer.from(bytes));
      }),
      { numRuns: 500 },
    );
  });

  it('gives long names a shortened nick that is the same every time and differs between names', () => {
    const long = 'a very long name with spaces '.repeat(5);
    const mapped = nick(long);
    expect(isShortenedNick(mapped)).toBe(true);
    expect(Buffer.byteLength(mapped)).toBeLessThanOrEqual(NICKLEN);
    expect(mapped.startsWith('a\\20very\\20long')).toBe(true);
    expect(nick(long)).toBe(mapped);
    expect(nick(`${long}!`)).not.toBe(mapped);
  });

  it('refuses nicks the mapping never makes: non-canonical escapes, stray backslashes, bad characters', () => {
    for (const bad of [
      '\\61lice',
      'a\\2e',
      'a\\',
      'a\\zz',
      'john doe',
      'a.b',
      '1st',
      '',
      'x'.repeat(65),
      'a\\_12345678',
    ]) {
      expect(nameOfNick(bad)).toBeNull();
    }
  });
});

describe('channels of rooms', () => {
  it('maps #main to the main chat and a room to # and its name, escaped where IRC needs it', () => {
    expect(roomOfChannel(MAIN_CHANNEL)).toBeNull();
    expect(channelOfRoom('lobby')).toBe('#lobby');
    expect(channelOfRoom('a,b:c')).toBe('#a\\2Cb\\3Ac');
    expect(channelOfRoom('комната')).toBe('#комната');
    for (const room of ['lobby', 'a,b:c', 'комната', 'x\\y', 'main', 'MAIN', 'Main']) {
      expect(roomOfChannel(channelOfRoom(room))).toBe(room);
    }
  });

  it('never takes a room called main for the main chat', () => {
    expect(channelOfRoom('main')).toBe('#\\6Dain');
    expect(channelOfRoom('Main')).toBe('#\\4Dain');
    expect(roomOfChannel('#Main')).toBeUndefined();
  });

  it('knows no room for channels the mapping never makes', () => {
    for (const bad of ['main', '#', '#a,b', '#a b', '#\\2c', '&x'])
      expect(roomOfChannel(bad)).toBeUndefined();
  });
});

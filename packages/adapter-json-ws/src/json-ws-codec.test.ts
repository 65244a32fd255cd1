import { ChatMessage, Name } from '@switchboard/core';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_RECIPIENTS,
  decodeClientFrame,
  encodeChatStatusFrame,
  encodeErrorFrame,
  encodeReceiveMessageFrame,
  isLongerThan,
  largestFrameBytes,
  MAX_NESTING,
  nestsDeeperThan,
} from './json-ws-codec.ts';

const limits = { maxTextCodePoints: 10 };
const decode = (text: string) => decodeClientFrame(text, limits);
const errorOf = (text: string) => {
  const result = decode(text);
  if (result.ok) throw new Error(`expected an error for ${text}`);
  return result.error;
};

describe('decodeClientFrame', () => {
  it('reads the three client frames with the seed field names', () => {
    expect(decode('{"type":"hello","data":{"user":"ann"}}')).toEqual({
      ok: true,
      frame: { type: 'hello', user: 'ann' },
    });
    expect(decode('{"type":"recieve_status"}')).toEqual({ ok: true, frame: { type: 'recieve_status' } });
    expect(decode('{"type":"send_message","data":{"text":"hi"}}')).toEqual({
      ok: true,
      frame: { type: 'send_message', text: 'hi', recievers: undefined },
    });
    expect(decode('{"type":"send_message","data":{"recievers":["a","b"],"text":"hi"}}')).toEqual({
      ok: true,
      frame: { type: 'send_message', text: 'hi', recievers: ['a', 'b'] },
    });
  });

  it('keeps an empty recievers list (the adapter refuses it) and reads null as absent', () => {
    expect(decode('{"type":"send_message","data":{"recievers":[],"text":"x"}}')).toMatchObject({
      frame: { recievers: [] },
    });
    expect(decode('{"type":"send_message","data":{"recievers":null,"text":"x"}}')).toMatchObject({
      frame: { recievers: undefined },
    });
  });

  it('ignores unknown extra fields', () => {
    expect(decode('{"type":"recieve_status","data":{"x":1},"id":7}')).toEqual({
      ok: true,
      frame: { type: 'recieve_status' },
    });
  });

  it('refuses invalid JSON', () => {
    expect(errorOf('{"type":')).toBe('invalid JSON');
    expect(errorOf('')).toBe('invalid JSON');
    expect(errorOf("{'type':'hello'}")).toBe('invalid JSON');
  });

  it('refuses JSON that is not an object', () => {
    for (const text of ['null', '42', '"hello"', '[]', '[{"type":"hello"}]', 'true']) {
      expect(errorOf(text)).toBe('a frame must be a JSON object with a "type"');
    }
  });

  it('refuses a missing or non-string type, and an unknown one (named back, clipped)', () => {
    expect(errorOf('{}')).toBe('"type" must be a string');
    expect(errorOf('{"type":5}')).toBe('"type" must be a string');
    expect(errorOf('{"type":"receive_status"}')).toBe('unknown type "receive_status"');
    expect(errorOf(JSON.stringify({ type: 'x'.repeat(1000) }))).toBe(`unknown type "${'x'.repeat(64)}…"`);
  });

  it('names the field of the wrong shape', () => {
    expect(errorOf('{"type":"hello"}')).toBe('invalid hello: data must be an object');
    expect(errorOf('{"type":"hello","data":{"user":5}}')).toBe('invalid hello: data.user must be a string');
    expect(errorOf('{"type":"hello","data":{"name":"ann"}}')).toBe(
      'invalid hello: data.user must be a string',
    );
    expect(errorOf('{"type":"send_message","data":{}}')).toBe(
      'invalid send_message: data.text must be a string',
    );
    expect(errorOf('{"type":"send_message","data":{"text":["hi"]}}')).toBe(
      'invalid send_message: data.text must be a string',
    );
    expect(errorOf('{"type":"send_message","data":{"text":"x","recievers":"bob"}}')).toBe(
      'invalid send_message: data.recievers must be an array',
    );
    expect(errorOf('{"type":"send_message","data":{"text":"x","recievers":["a",{}]}}')).toBe(
      'invalid send_message: data.recievers.1 must be a string',
    );
  });

  it('refuses deeply nested values where a string belongs, without throwing', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(errorOf(`{"type":"send_message","data":{"text":${deep}}}`)).toBe(
      'invalid JSON: nested deeper than 8 levels',
    );
    expect(() => decode(`{"a":${deep}}`)).not.toThrow();
    // Shallow enough, a value of the wrong kind is named as before.
    expect(errorOf('{"type":"send_message","data":{"text":[[[[[[]]]]]]}}')).toBe(
      'invalid send_message: data.text must be a string',
    );
  });

  it('allows nesting of exactly MAX_NESTING levels and refuses one more, brackets in strings not counted', () => {
    const nested = (depth: number) =>
      `{"type":"recieve_status","x":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;
    expect(decode(nested(MAX_NESTING)).ok).toBe(true);
    expect(errorOf(nested(MAX_NESTING + 1))).toBe(`invalid JSON: nested deeper than ${MAX_NESTING} levels`);
    const bracketText = `[{"\\"${'['.repeat(50)}"{{{`;
    const bracketFrame = JSON.stringify({ type: 'send_message', data: { text: bracketText } });
    expect(decodeClientFrame(bracketFrame, { maxTextCodePoints: 100 })).toEqual({
      ok: true,
      frame: { type: 'send_message', text: bracketText, recievers: undefined },
    });
    // An even run of backslashes ends the string; an odd one escapes the quote.
    expect(nestsDeeperThan('"\\\\"[[[', 2)).toBe(true);
    expect(nestsDeeperThan('"\\\\\\"[[["', 2)).toBe(false);
    expect(nestsDeeperThan('"never closed [[[[', 2)).toBe(false);
  });

  it('refuses more recievers than maxRecipients (default 1000), inclusive', () => {
    const frame = (count: number) =>
      JSON.stringify({ type: 'send_message', data: { text: 'x', recievers: Array(count).fill('a') } });
    expect(decode(frame(DEFAULT_MAX_RECIPIENTS)).ok).toBe(true);
    expect(errorOf(frame(DEFAULT_MAX_RECIPIENTS + 1))).toBe(
      'too many recievers: 1001, at most 1000 per message; not sent',
    );
    expect(decodeClientFrame(frame(3), { maxTextCodePoints: 10, maxRecipients: 3 }).ok).toBe(true);
    expect(decodeClientFrame(frame(4), { maxTextCodePoints: 10, maxRecipients: 3 })).toEqual({
      ok: false,
      error: 'too many recievers: 4, at most 3 per message; not sent',
    });
  });

  it('derives the largest frame from the message limits', () => {
    expect(largestFrameBytes({ maxTextCodePoints: 4096 })).toBe(4096 * 12 + 1000 * 515 + 1024);
    expect(largestFrameBytes({ maxTextCodePoints: 10, maxRecipients: 1 })).toBe(120 + 515 + 1024);
  });

  it('counts the text limit in Unicode code points, inclusive', () => {
    const frame = (text: string) => JSON.stringify({ type: 'send_message', data: { text } });
    expect(decode(frame('x'.repeat(10))).ok).toBe(true);
    expect(errorOf(frame('x'.repeat(11)))).toBe('text is longer than 10 characters; not sent');
    // Ten astral characters are twenty UTF-16 units but ten code points.
    expect(decode(frame('😀'.repeat(10))).ok).toBe(true);
    expect(decode(frame('😀'.repeat(11))).ok).toBe(false);
  });
});

describe('isLongerThan', () => {
  it('counts surrogate pairs once and lone surrogates once each', () => {
    expect(isLongerThan('😀😀', 2)).toBe(false);
    expect(isLongerThan('😀😀a', 2)).toBe(true);
    expect(isLongerThan('\ud800\ud800', 2)).toBe(false);
    expect(isLongerThan('\ud800\ud800\udc00', 2)).toBe(false);
    expect(isLongerThan('\udc00\ud800', 1)).toBe(true);
    expect(isLongerThan('', 0)).toBe(false);
  });
});

describe('encoders', () => {
  it('writes chat_status with active_clients', () => {
    expect(encodeChatStatusFrame(['ann', 'bob'])).toBe(
      '{"type":"chat_status","data":{"active_clients":["ann","bob"]}}',
    );
    expect(encodeChatStatusFrame([])).toBe('{"type":"chat_status","data":{"active_clients":[]}}');
  });

  it('writes recieve_message with whole Unix seconds', () => {
    const message = new ChatMessage(Name.fromText('ann'), 'hi "there"', 1_700_000_000_999, false);
    expect(encodeReceiveMessageFrame(message).toString('utf8')).toBe(
      '{"type":"recieve_message","data":{"sender":"ann","timestamp":1700000000,"text":"hi \\"there\\""}}',
    );
  });

  it('shows invalid UTF-8 of a byte protocol as U+FFFD and escapes control characters', () => {
    const message = new ChatMessage(
      Name.fromBytes(Buffer.from([0x61, 0xff])),
      Buffer.from([0x68, 0x0a, 0xc3]),
      0,
      true,
    );
    const frame = JSON.parse(encodeReceiveMessageFrame(message).toString('utf8'));
    expect(frame).toEqual({
      type: 'recieve_message',
      data: { sender: 'a\ufffd', timestamp: 0, text: 'h\n\ufffd' },
    });
  });

  it('writes error with data.message', () => {
    expect(encodeErrorFrame('nope')).toBe('{"type":"error","data":{"message":"nope"}}');
  });
});

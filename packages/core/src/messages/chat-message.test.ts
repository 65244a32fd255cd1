import { describe, expect, it } from 'vitest';
import { Name } from '../names/name.ts';
import { ChatMessage } from './chat-message.ts';

const alice = Name.fromText('alice');
const decoder = new TextDecoder();

describe('ChatMessage text and bytes', () => {
  it('keeps the sender, timestamp and kind it was made with', () => {
    const message = new ChatMessage(alice, 'hi', 1_700_000_000_123, true);
    expect(message.sender).toBe(alice);
    expect(message.timestamp).toBe(1_700_000_000_123);
    expect(message.direct).toBe(true);
    expect(new ChatMessage(alice, 'hi', 0, false).direct).toBe(false);
  });

  it('gives the UTF-8 bytes of a text that arrived as a string', () => {
    const message = new ChatMessage(alice, 'héllo 🦊', 0, false);
    expect(message.text).toBe('héllo 🦊');
    expect(message.bytes).toEqual(Buffer.from('héllo 🦊', 'utf8'));
  });

  it('gives the text of valid UTF-8 bytes', () => {
    const message = new ChatMessage(alice, Buffer.from('привет', 'utf8'), 0, false);
    expect(message.text).toBe('привет');
  });

  it('keeps bytes that are not UTF-8 untouched and shows them as U+FFFD like TextDecoder', () => {
    const raw = Buffer.from([0x61, 0xff, 0x00, 0xc3, 0x28, 0xf0, 0x9f, 0x98, 0x01, 0x62]);
    const message = new ChatMessage(alice, raw, 0, true);
    expect(message.bytes).toEqual(Buffer.from([0x61, 0xff, 0x00, 0xc3, 0x28, 0xf0, 0x9f, 0x98, 0x01, 0x62]));
    expect(message.text).toBe(decoder.decode(raw));
    expect(message.text).toBe('a\ufffd\u0000\ufffd(\ufffd\u0001b');
  });

  it('carries the empty text', () => {
    expect(new ChatMessage(alice, '', 0, false).bytes.length).toBe(0);
    expect(new ChatMessage(alice, Buffer.alloc(0), 0, false).text).toBe('');
  });

  it('converts once: repeated reads return the same objects', () => {
    const fromText = new ChatMessage(alice, 'x', 0, false);
    expect(fromText.bytes).toBe(fromText.bytes);
    const fromBytes = new ChatMessage(alice, Buffer.from('y'), 0, false);
    expect(fromBytes.text).toBe(fromBytes.text);
  });
});

describe('ChatMessage.encoded', () => {
  it('runs an encoder once however many recipients ask for its frame', () => {
    let calls = 0;
    const encode = (message: ChatMessage) => {
      calls += 1;
      return Buffer.from(`${message.sender.text}: ${message.text}\n`);
    };
    const message = new ChatMessage(alice, 'hello', 0, false);
    const frames = Array.from({ length: 1000 }, () => message.encoded(encode));
    expect(calls).toBe(1);
    expect(frames[0]!.toString()).toBe('alice: hello\n');
    expect(new Set(frames).size).toBe(1);
  });

  it('caches each encoder separately, for every protocol a message goes out on', () => {
    const calls = new Map<string, number>();
    const encoderFor = (label: string) => (message: ChatMessage) => {
      calls.set(label, (calls.get(label) ?? 0) + 1);
      return `${label}:${message.text}`;
    };
    const encoders = ['json', 'line', 'soh', 'rs'].map(encoderFor);
    const message = new ChatMessage(alice, 'm', 0, false);
    for (let round = 0; round < 5; round++) {
      for (const encode of encoders) message.encoded(encode);
    }
    expect(encoders.map((encode) => message.encoded(encode))).toEqual(['json:m', 'line:m', 'soh:m', 'rs:m']);
    expect([...calls.values()]).toEqual([1, 1, 1, 1]);
  });

  it('does not share a cached frame between messages', () => {
    const encode = (message: ChatMessage) => message.text.toUpperCase();
    expect(new ChatMessage(alice, 'one', 0, false).encoded(encode)).toBe('ONE');
    expect(new ChatMessage(alice, 'two', 0, false).encoded(encode)).toBe('TWO');
  });
});

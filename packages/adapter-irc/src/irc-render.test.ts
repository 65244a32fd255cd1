import { ChatMessage, Name } from '@switchboard/core';
import { describe, expect, it } from 'vitest';
import { IrcLineDecoder, MAX_LINE_BYTES, parseIrcMessage } from './irc-codec.ts';
import { addressed, deliveryEncoders, sanitizeText, splitUtf8 } from './irc-render.ts';

const encoders = deliveryEncoders('switchboard');
const message = (sender: string | Buffer, text: string | Buffer, direct = true) =>
  new ChatMessage(
    typeof sender === 'string' ? Name.fromText(sender) : Name.fromBytes(sender),
    text,
    0,
    direct,
  );

/** The lines of a rendered delivery, checked to be whole lines of at most 512 bytes. */
function lines(text: string): string[] {
  const bytes = Buffer.from(text, 'utf8');
  expect(text.endsWith('\r\n')).toBe(true);
  const out = text.slice(0, -2).split('\r\n');
  for (const line of out) expect(Buffer.byteLength(line) + 2).toBeLessThanOrEqual(MAX_LINE_BYTES);
  // Exactly as many lines as a decoder finds: nothing inside breaks a line.
  expect(new IrcLineDecoder().push(bytes)).toHaveLength(out.length);
  return out;
}

describe('texts of other protocols on IRC', () => {
  it('shows CR, LF, NUL and other controls as control pictures, removes 0x01, keeps IRC formatting', () => {
    expect(sanitizeText('a\r\nb\nc\u0000d\u001be\u007f')).toBe('a\u240d\u240ab\u240ac\u2400d\u241be\u2421');
    expect(sanitizeText('\u0001DCC SEND x\u0001')).toBe('DCC SEND x');
    expect(sanitizeText('\u0002bold\u0002 \u000304red\u000f\ttab')).toBe(
      '\u0002bold\u0002 \u000304red\u000f\ttab',
    );
  });

  it('keeps a delivery with line breaks to one PRIVMSG line', () => {
    const out = lines(
      addressed(message('soh user', 'one\r\ntwo\nthree\u0000').encoded(encoders.direct), 'bob'),
    );
    expect(out).toEqual([':soh\\20user!chat@switchboard PRIVMSG bob :one\u240d\u240atwo\u240athree\u2400']);
  });

  it('cuts a long text into PRIVMSG lines of at most 512 bytes, between characters, losing nothing', () => {
    const text = 'Привет, мир! 👋 '.repeat(400);
    const rendered = message('x'.repeat(64), text, false).encoded(encoders.broadcast);
    const out = lines(addressed(rendered, `#${'r'.repeat(192)}`));
    expect(out.length).toBeGreaterThan(10);
    const texts = out.map((line) => parseIrcMessage(line)!.params[1]!);
    expect(texts.join('')).toBe(text);
    expect(texts.join('')).not.toContain('\uFFFD');
  });

  it('renders a text starting with /me as a CTCP ACTION, in every piece', () => {
    const out = lines(addressed(message('ann', '/me waves').encoded(encoders.direct), 'bob'));
    expect(out).toEqual([':ann!chat@switchboard PRIVMSG bob :\u0001ACTION waves\u0001']);
    const long = lines(addressed(message('ann', `/me ${'w'.repeat(1000)}`).encoded(encoders.direct), 'bob'));
    for (const line of long) expect(parseIrcMessage(line)!.params[1]).toMatch(/^\u0001ACTION w+\u0001$/);
  });

  it('shows invalid UTF-8 from SOH as U+FFFD and a byte name by its escaped nick', () => {
    const out = lines(
      addressed(
        message(Buffer.from([0x62, 0xff]), Buffer.from([0x68, 0xff, 0x69])).encoded(encoders.direct),
        'bob',
      ),
    );
    expect(out).toEqual([':b\\FF!chat@switchboard PRIVMSG bob :h\uFFFDi']);
  });

  it('splitUtf8 never cuts inside a character', () => {
    const bytes = Buffer.from('ab€€€');
    for (const size of [4, 5, 6]) {
      for (const piece of splitUtf8(bytes, size)) expect(piece.toString('utf8')).not.toContain('\uFFFD');
    }
  });
});

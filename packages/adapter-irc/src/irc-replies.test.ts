import { describe, expect, it } from 'vitest';
import { IrcLineDecoder, MAX_LINE_BYTES, parseIrcMessage } from './irc-codec.ts';
import { nickOf } from './irc-names.ts';
import { RPL, ServerReplies } from './irc-replies.ts';

const replies = new ServerReplies('switchboard');
const same = (nick: string) => nick;

/** NAMES as one numeric per line, packed nick by nick: what the one-buffer answer must equal. */
function namesLineByLine(target: string, channel: string, nicks: readonly string[]): string {
  const overhead = Buffer.byteLength(`:switchboard ${RPL.NAMREPLY} ${target} = ${channel} :\r\n`);
  let out = '';
  let line: string[] = [];
  let size = overhead;
  for (const nick of nicks) {
    const bytes = Buffer.byteLength(nick) + 1;
    if (size + bytes > MAX_LINE_BYTES && line.length > 0) {
      out += replies.numeric(RPL.NAMREPLY, target, '=', channel, line.join(' '));
      line = [];
      size = overhead;
    }
    line.push(nick);
    size += bytes;
  }
  if (line.length > 0) out += replies.numeric(RPL.NAMREPLY, target, '=', channel, line.join(' '));
  return out + replies.numeric(RPL.ENDOFNAMES, target, channel, 'End of /NAMES list');
}

describe('the NAMES answer', () => {
  it('is the 353 lines and the 366 that numerics make, however many and however long the nicks', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const nickOfLength = (length: number, i: number) =>
      nickOf(Buffer.from(`${'x'.repeat(Math.max(0, length - String(i).length))}${i}Ё`.slice(-length)));
    for (const count of [0, 1, 2, 60, 61, 333, 2_000]) {
      const nicks = Array.from({ length: count }, (_, i) => nickOfLength(1 + Math.floor(random() * 40), i));
      for (const target of ['*', 'a', 'x'.repeat(64)]) {
        for (const channel of ['#main', '#room\\20two']) {
          const pieces = replies.names(target, channel, nicks, same);
          expect(pieces.join('')).toBe(namesLineByLine(target, channel, nicks));
          // Whole lines in pieces small enough to be written at once.
          for (const piece of pieces) {
            expect(piece.endsWith('\r\n')).toBe(true);
            expect(Buffer.byteLength(piece)).toBeLessThanOrEqual(16 * 1024);
          }
          for (const line of new IrcLineDecoder().push(Buffer.from(pieces.join('')))) {
            expect((line as Buffer).length + 2).toBeLessThanOrEqual(MAX_LINE_BYTES);
          }
        }
      }
    }
  });

  it('sends one nick as a plain last parameter and several as a trailing one', () => {
    const lines = new IrcLineDecoder()
      .push(
        Buffer.from(
          [
            ...replies.names('me', '#main', ['solo'], same),
            ...replies.names('me', '#main', ['a', 'b'], same),
          ].join(''),
        ),
      )
      .map((line) => (line as Buffer).toString('utf8'));
    expect(lines).toEqual([
      ':switchboard 353 me = #main solo',
      ':switchboard 366 me #main :End of /NAMES list',
      ':switchboard 353 me = #main :a b',
      ':switchboard 366 me #main :End of /NAMES list',
    ]);
    expect(parseIrcMessage(lines[2]!)!.params).toEqual(['me', '=', '#main', 'a b']);
  });
});

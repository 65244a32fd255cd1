import {
  type AdapterContractDriver,
  type ContractClient,
  type ContractEnding,
  ContractInbox,
  openRawTcp,
} from '@switchboard/core/testing';
import { nameOfNick, nickOf } from '../irc-names.ts';
import { ACTION_PREFIX } from '../irc-render.ts';
import { IrcTestClient, nickOfPrefix } from './irc-client.ts';

/** Lines a hostile IRC client might send: too long, not UTF-8, unknown, half-empty, pipelined. */
const GARBAGE: (string | Buffer)[] = [
  `PRIVMSG bob :${'x'.repeat(600)}\r\n`,
  Buffer.from([
    0x50, 0x52, 0x49, 0x56, 0x4d, 0x53, 0x47, 0x20, 0xff, 0xfe, 0x20, 0x3a, 0xc3, 0x28, 0x0d, 0x0a,
  ]),
  'FROB a b c\r\nPRIVMSG\r\nJOIN\r\nNICK\r\n\u0000\u0001\r\n:prefix-only\r\n@tags-only\r\n',
  `${'y'.repeat(10_000)}\r\n`,
  'PRIVMSG #nowhere :hi\r\nPART #elsewhere\r\nWHO\r\nNAMES #main\r\nMODE #main +o x\r\n',
];

/** The name behind a nick the server sent, as text (invalid UTF-8 as U+FFFD). */
function nameText(nick: string): string {
  const bytes = nameOfNick(nick);
  return bytes === null ? nick : bytes.toString('utf8');
}

/** A CTCP ACTION as the other protocols see it. */
function deliveredText(text: string): string {
  const action = /^\u0001ACTION (.*)\u0001$/s.exec(text);
  return action ? `${ACTION_PREFIX}${action[1]}` : text;
}

/**
 * The IRC driver of the adapter contract and the interop matrix: a guest registers with NICK and
 * USER under the nick of its name, and every PRIVMSG it gets is a delivery (to its nick: direct;
 * to a channel: broadcast).
 */
export const ircDriver: AdapterContractDriver = {
  identity: 'guest',
  canBroadcast: true,
  canListSeveral: true,
  async connect({ port }, name) {
    const client = new IrcTestClient(port);
    const nick = nickOf(Buffer.from(name, 'utf8'));
    const inbox = new ContractInbox();
    client.send(`NICK ${nick}`, 'USER contract 0 * :contract client');
    try {
      await client.expect(
        (line) => {
          if (['432', '433', '451', 'ERROR'].includes(line.command)) throw new Error(`refused: ${line.raw}`);
          return line.command === '366';
        },
        'the end of the welcome',
        3_000,
      );
    } catch (error) {
      client.socket.destroy();
      throw error;
    }
    client.drain();
    const identifiedAt = client.lines.length;
    let seen = client.lines.length;
    const pull = () => {
      for (; seen < client.lines.length; seen++) {
        const line = client.lines[seen]!;
        if (line.command === 'PING') client.send(`PONG :${line.params[0] ?? ''}`);
        if (line.command !== 'PRIVMSG') continue;
        inbox.push({
          sender: nameText(nickOfPrefix(line.prefix)),
          text: deliveredText(line.params[1] ?? ''),
          direct: !line.params[0]!.startsWith('#'),
        });
      }
    };
    client.socket.on('data', () => queueMicrotask(pull));
    void client.closed.then(() => {
      pull();
      inbox.end();
    });
    const contractClient: ContractClient = {
      sendDirect: (to, text) => client.send(`PRIVMSG ${nickOf(Buffer.from(to, 'utf8'))} :${text}`),
      sendDirectToMany: (to, text) =>
        client.send(`PRIVMSG ${to.map((one) => nickOf(Buffer.from(one, 'utf8'))).join(',')} :${text}`),
      broadcast: (text) => client.send(`PRIVMSG #main :${text}`),
      next: (timeoutMs) => inbox.next(timeoutMs),
      expectNothing: (ms) => inbox.expectNothing(ms),
      pauseReading: () => client.socket.pause(),
      sendGarbage() {
        for (const piece of GARBAGE) client.write(piece);
      },
      closed: () => client.closed,
      close: async () => {
        client.send('QUIT :bye');
        await client.closed;
      },
      destroy: () => client.socket.destroy(),
      ending: async (): Promise<ContractEnding> => {
        await client.closed;
        return { lastWords: client.lines.length > identifiedAt ? client.lines.at(-1)!.raw : '' };
      },
    };
    return contractClient;
  },
  runtime: {
    openRaw: ({ port }, name) =>
      openRawTcp(port, {
        separator: '\r\n',
        ...(name === undefined
          ? {}
          : { hello: `NICK ${nickOf(Buffer.from(name, 'utf8'))}\r\nUSER contract 0 * :contract client\r\n` }),
      }),
    deadlineOption: 'registrationTimeoutMs',
    deadlineNotice: { lastWords: /^ERROR :Closing Link: \S+ \(Registration timed out\)$/ },
    refusal: { lastWords: /^ERROR :Closing Link: \S+ \(Too many connections\)$/ },
    shutdownNotice: { lastWords: /^ERROR :Closing Link: \S+ \(Server shutting down\)$/ },
    closeGraceOption: null,
  },
};

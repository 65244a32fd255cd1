import { Name } from '@switchboard/core';
import {
  type AdapterContractDriver,
  type ContractClient,
  type ContractEnding,
  ContractInbox,
  openRawTcp,
} from '@switchboard/core/testing';
import { LineSplitter } from '../tcp-rooms-codec.ts';
import { LineClient } from './line-client.ts';

const PASSWORD = 'contract-pw';
/** `NICK (HH:MM): TEXT` or `NICK (HH:MM) [private]: TEXT`; the suite's names hold no ` (`. */
const CHAT_LINE = /^(.+?) \((\d\d):(\d\d)\)( \[private\])?: (.*)$/s;

/** Lines a hostile user might type; none may break anyone else's lines or conversation. */
const GARBAGE: Array<string | Buffer> = [
  Buffer.from([0xff, 0xfe, 0xc3, 0x0a]),
  'bell\u0007 and \u001b[2J clear\n',
  'alice (12:00) [private]: forged\n',
  '/msg\n/msg alice\n/msg \u0000 x\n/join\n/create\n/create a b c\n/nonsense\n/who extra\n',
  `${'w'.repeat(5_000)}\n`,
  '\r\r\r\n\u0000\u0000\n',
  Buffer.concat([Buffer.from('half a line, then '), Buffer.from([0xe2, 0x82])]),
];

/** A tcp-rooms user: an account made on the hub, then the login dialogue; chat lines are deliveries. */
export const driver: AdapterContractDriver = {
  identity: 'registered',
  canBroadcast: true,
  canListSeveral: false,
  sampleName: 'tçp-ñick',
  // HH:MM in the server's time zone: read as today in this process's zone, which a test server shares.
  timePrecisionMs: 60_000,
  async connect({ hub, port }, name) {
    await hub.addAccount(Name.fromText(name), PASSWORD); // false when it exists: fine
    const client = await LineClient.open(port);
    const inbox = new ContractInbox();
    const splitter = new LineSplitter(16 * 1024 * 1024);
    let identified = false;
    let lastWords = '';
    const lines = {
      line(text: string) {
        if (identified) lastWords = text;
        const match = CHAT_LINE.exec(text);
        if (!match) return;
        const time = new Date();
        time.setHours(Number(match[2]), Number(match[3]), 0, 0);
        inbox.push({
          sender: match[1]!,
          text: match[5]!,
          direct: match[4] !== undefined,
          time: time.getTime(),
          raw: text,
        });
      },
      tooLong() {},
    };
    client.socket.on('data', (chunk: Buffer) => splitter.push(chunk, lines));
    void client.closed.then(() => inbox.end());
    const expectLine = async (expected: string) => {
      const line = await client.nextLine();
      if (line !== expected) {
        client.destroy();
        throw new Error(`expected ${JSON.stringify(expected)}, got ${JSON.stringify(line)}`);
      }
    };
    await expectLine('Enter your nickname:');
    client.send(name);
    await expectLine('Password:');
    client.send(PASSWORD);
    await expectLine(`Welcome back, ${name}!`);
    identified = true;
    const contractClient: ContractClient = {
      sendDirect: (to, text) => client.send(`/msg ${to} ${text}`),
      broadcast: (text) => client.send(text),
      next: (timeoutMs) => inbox.next(timeoutMs),
      expectNothing: (ms) => inbox.expectNothing(ms),
      pauseReading: () => client.socket.pause(),
      sendGarbage() {
        for (const piece of GARBAGE) client.write(piece);
      },
      closed: () => client.closed,
      close: () => client.end(),
      destroy: () => client.destroy(),
      ending: async (): Promise<ContractEnding> => {
        await client.closed;
        return { lastWords };
      },
    };
    return contractClient;
  },
  runtime: {
    openRaw: ({ port }, name) =>
      openRawTcp(port, { separator: '\n', ...(name === undefined ? {} : { hello: `${name}\n` }) }),
    deadlineOption: 'loginTimeoutMs',
    deadlineNotice: { lastWords: 'Login timed out.' },
    refusal: { lastWords: 'Too many connections.' },
    shutdownNotice: { lastWords: 'Server is shutting down.' },
    closeGraceOption: null,
  },
};

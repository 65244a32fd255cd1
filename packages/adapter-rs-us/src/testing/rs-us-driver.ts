import { Name } from '@switchboard/core';
import {
  type AdapterContractDriver,
  type ContractClient,
  type ContractEnding,
  ContractInbox,
  openRawTcp,
} from '@switchboard/core/testing';
import { RsUsDecoder } from '../rs-us-codec.ts';
import { plain, RS, RsUsTestClient, trailing, US } from './rs-us-test-kit.ts';

const PASSWORD = 'contract-pw';

/** What a hostile client might send; the last two (bad UTF-8, then too large) end its connection. */
const GARBAGE: Array<string | Buffer> = [
  plain('nonsense'),
  plain('send', 'bob'),
  plain('send', 'alice', 'x', 'y'),
  plain('send', '\u0000', 'control'),
  plain('login', 'alice', 'wrong password'),
  trailing('who', 'extra'),
  `${US}${US}${RS}${RS}`,
  plain('invalidate'),
  Buffer.concat([Buffer.from(plain('broadcast', 'ok').slice(0, -1)), Buffer.from([0xff, 0xfe, 0x1e])]),
  `${'x'.repeat(70_000)}${RS}`,
];

/**
 * An rs-us client: an account made on the hub, then `login`; `event␟MS␟SENDER: TEXT` messages are
 * the deliveries, every reply (acks, `unknown_recipient`, ...) is skipped.
 */
export const driver: AdapterContractDriver = {
  identity: 'registered',
  canBroadcast: true,
  canListSeveral: false,
  sampleName: 'rš-用户',
  timePrecisionMs: 1,
  async connect({ hub, port }, name) {
    await hub.addAccount(Name.fromText(name), PASSWORD); // false when it exists: fine
    const client = await RsUsTestClient.connect(port);
    const inbox = new ContractInbox();
    const decoder = new RsUsDecoder(Number.MAX_SAFE_INTEGER);
    let identified = false;
    let lastWords = '';
    client.socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        if (frame.kind === 'message' && identified) lastWords = frame.parts.join(US);
        if (frame.kind !== 'message' || frame.parts[0] !== 'event') continue;
        const text = frame.parts[2] ?? '';
        const colon = text.indexOf(': ');
        inbox.push({
          sender: text.slice(0, colon),
          text: text.slice(colon + 2),
          time: Number(frame.parts[1]),
          raw: frame.parts.join(US),
        });
      }
    });
    void client.closed.then(() => inbox.end());
    const reply = await client.ask(plain('login', name, PASSWORD));
    if (reply !== plain('login_valid')) {
      client.close();
      throw new Error(`login as ${name} refused: ${JSON.stringify(reply)}`);
    }
    identified = true;
    const contractClient: ContractClient = {
      sendDirect: (to, text) => client.write(plain('send', to, text)),
      broadcast: (text) => client.write(plain('broadcast', text)),
      next: (timeoutMs) => inbox.next(timeoutMs),
      expectNothing: (ms) => inbox.expectNothing(ms),
      pauseReading: () => client.socket.pause(),
      sendGarbage() {
        for (const piece of GARBAGE) client.write(piece);
      },
      closed: () => client.closed,
      close: async () => {
        client.socket.end();
        await client.closed;
      },
      destroy: () => client.close(),
      ending: async (): Promise<ContractEnding> => {
        await client.closed;
        return { lastWords };
      },
    };
    return contractClient;
  },
  runtime: {
    openRaw: ({ port }, name) =>
      openRawTcp(port, {
        separator: RS,
        ...(name === undefined ? {} : { hello: plain('login', name, PASSWORD) }),
      }),
    deadlineOption: 'loginTimeoutMs',
    deadlineNotice: { lastWords: 'timeout' },
    refusal: { lastWords: '' },
    shutdownNotice: { lastWords: 'shutdown' },
    closeGraceOption: null,
  },
};

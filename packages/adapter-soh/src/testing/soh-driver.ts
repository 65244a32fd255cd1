import { Name } from '@switchboard/core';
import {
  type AdapterContractDriver,
  type ContractClient,
  type ContractEnding,
  ContractInbox,
  openRawTcp,
} from '@switchboard/core/testing';
import { SohFieldDecoder } from '../soh-codec.ts';
import { SohClient, sleep } from './soh-harness.ts';

const SOH = Buffer.from([0x01]);

/** Fields a hostile client might send; the last one, over the 1 MiB limit, ends its connection. */
const GARBAGE: Buffer[] = [
  Buffer.from('nobody\u0001hello\u0001'),
  Buffer.from('\u0001\u0001\u0001'),
  Buffer.concat([Buffer.alloc(300, 0x61), Buffer.from('\u0001too long a receiver\u0001')]),
  Buffer.from([0xff, 0xfe, 0x00, 0x01, 0xc3, 0x28, 0x01]),
  Buffer.concat([Buffer.from('bob'), Buffer.alloc(1024 * 1024 + 10, 0x7a)]),
];

/**
 * A SOH client: its first field is its name; `SENDER␁TEXT␁` pairs are the deliveries. The
 * protocol never answers, so identification is seen on the hub (the name turns active) or fails
 * when the server closes the connection.
 */
export const driver: AdapterContractDriver = {
  identity: 'guest',
  canBroadcast: false,
  canListSeveral: false,
  sampleName: 'søh-Юзер',
  timePrecisionMs: null,
  async connect({ hub, port }, name) {
    const client = new SohClient(port);
    const inbox = new ContractInbox();
    const decoder = new SohFieldDecoder(Number.MAX_SAFE_INTEGER);
    let sender: Buffer | null = null;
    // SOH says nothing but deliveries: the last field of the last one, if any.
    let lastWords = '';
    client.socket.on('data', (chunk: Buffer) => {
      for (const field of decoder.push(chunk)) {
        lastWords = field.toString('utf8');
        if (sender === null) sender = field;
        else {
          inbox.push({
            sender: sender.toString('utf8'),
            text: field.toString('utf8'),
            raw: Buffer.concat([sender, SOH, field, SOH]).toString('latin1'),
          });
          sender = null;
        }
      }
    });
    void client.closed.then(() => inbox.end());
    client.send(name);
    const key = Name.fromText(name).key;
    for (const deadline = Date.now() + 3_000; ; ) {
      if (client.isClosed) throw new Error(`the server closed the connection of ${name}`);
      if (Date.now() > deadline) {
        client.socket.destroy();
        throw new Error(`${name} did not turn active`);
      }
      if ((await hub.activeNames()).some((active) => active.key === key)) break;
      await sleep(5);
    }
    const contractClient: ContractClient = {
      sendDirect: (to, text) => client.send(to, text),
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
      destroy: () => client.socket.destroy(),
      ending: async (): Promise<ContractEnding> => {
        await client.closed;
        return { lastWords };
      },
    };
    return contractClient;
  },
  // SOH has no words but deliveries: every refusal and every goodbye is a close.
  runtime: {
    openRaw: ({ port }, name) =>
      openRawTcp(port, { separator: '\u0001', ...(name === undefined ? {} : { hello: `${name}\u0001` }) }),
    deadlineOption: 'nameTimeoutMs',
    deadlineNotice: { lastWords: '' },
    refusal: { lastWords: '' },
    shutdownNotice: { lastWords: '' },
    closeGraceOption: null,
  },
};

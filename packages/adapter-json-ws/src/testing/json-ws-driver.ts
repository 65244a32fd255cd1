import {
  type AdapterContractDriver,
  type ContractClient,
  type ContractEnding,
  ContractInbox,
} from '@switchboard/core/testing';
import { openRawWs } from './raw-contract-ws.ts';
import { WsTestClient } from './ws-test-client.ts';

/** Frames a hostile client might send: every one answered with an `error`, the last two close. */
const GARBAGE: Array<string | Buffer> = [
  'not json',
  '{',
  '[]',
  'null',
  '{"type":"nope"}',
  '{"type":42}',
  '{"type":"send_message","data":{"recievers":"bob","text":1}}',
  '{"type":"send_message","data":{"recievers":[],"text":"nobody"}}',
  '{"type":"send_message","data":{"recievers":["\\u0000"],"text":"control"}}',
  // A second hello must not take over someone else's name.
  '{"type":"hello","data":{"user":"alice"}}',
  JSON.stringify({ type: 'send_message', data: { recievers: ['bob'], text: 'y'.repeat(4097) } }),
  `${'['.repeat(10_000)}${']'.repeat(10_000)}`,
];

/** A json-ws client: `hello` to identify, `recieve_message` frames are the deliveries. */
export const driver: AdapterContractDriver = {
  identity: 'guest',
  canBroadcast: true,
  canListSeveral: true,
  sampleName: 'jösé',
  timePrecisionMs: 1_000,
  async connect({ port }, name) {
    const client = await WsTestClient.connect(`ws://127.0.0.1:${port}/`);
    const inbox = new ContractInbox();
    const { ws } = client;
    let identified = false;
    let lastWords = '';
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const raw = String(data);
      if (identified) lastWords = raw;
      const frame = JSON.parse(raw) as {
        type: string;
        data: { sender: string; text: string; timestamp: number };
      };
      if (frame.type !== 'recieve_message') return;
      const { sender, text, timestamp } = frame.data;
      inbox.push({ sender, text, time: timestamp * 1000, raw });
    });
    void client.closed.then(() => inbox.end());
    client.send({ type: 'hello', data: { user: name } });
    const answer = (await client.next()) as { type: string };
    if (answer.type !== 'chat_status') {
      ws.terminate();
      throw new Error(`hello as ${name} refused: ${JSON.stringify(answer)}`);
    }
    identified = true;
    const send = (recievers: readonly string[] | undefined, text: string) =>
      client.send({ type: 'send_message', data: recievers ? { recievers, text } : { text } });
    const contractClient: ContractClient = {
      sendDirect: (to, text) => send([to], text),
      sendDirectToMany: (to, text) => send(to, text),
      broadcast: (text) => send(undefined, text),
      next: (timeoutMs) => inbox.next(timeoutMs),
      expectNothing: (ms) => inbox.expectNothing(ms),
      pauseReading: () => ws.pause(),
      sendGarbage() {
        for (const frame of GARBAGE) client.sendRaw(frame);
        client.sendRaw(Buffer.from('{"type":"recieve_status"}'), true);
        client.sendRaw(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])); // invalid UTF-8 in a text frame: 1007
        client.sendRaw('z'.repeat(1024 * 1024 + 1)); // over the hard limit: 1009
      },
      closed: async () => {
        await client.closed;
      },
      close: async () => {
        await client.close();
      },
      destroy: () => ws.terminate(),
      ending: async (): Promise<ContractEnding> => {
        const { code, reason } = await client.closed;
        return { lastWords, code, reason };
      },
    };
    return contractClient;
  },
  runtime: {
    openRaw: ({ port }, name) =>
      openRawWs(
        `ws://127.0.0.1:${port}/`,
        name === undefined ? undefined : JSON.stringify({ type: 'hello', data: { user: name } }),
      ),
    deadlineOption: 'helloTimeoutMs',
    deadlineNotice: { lastWords: '', code: 4408, reason: 'hello timeout' },
    refusal: { lastWords: '', code: 1013, reason: 'too many connections' },
    shutdownNotice: {
      lastWords: /^\{"type":"error","data":\{"message":"server shutting down"\}\}$/,
      code: 1001,
    },
    closeGraceOption: 'closeGraceMs',
  },
};

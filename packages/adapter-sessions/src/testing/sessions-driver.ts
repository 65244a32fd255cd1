import { openRawWs } from '@switchboard/adapter-json-ws/testing';
import {
  type AdapterContractDriver,
  type ContractClient,
  type ContractEnding,
  ContractInbox,
  openRawTcp,
} from '@switchboard/core/testing';
import { SessionsTestClient } from './sessions-test-kit.ts';

/** Frames a hostile client might send: every one answered with an `error`, the last two close. */
const GARBAGE: Array<string | Buffer> = [
  'not json',
  '{',
  '[]',
  'null',
  '{"type":"nope"}',
  '{"type":"send_message","data":{"recievers":"bob","text":1}}',
  '{"type":"send_message","data":{"recievers":[],"text":"nobody"}}',
  '{"type":"send_message","data":{"recievers":["\\u0000"],"text":"control"}}',
  // Not part of this protocol; above all it must not take over someone else's name.
  '{"type":"hello","data":{"user":"alice"}}',
  JSON.stringify({ type: 'send_message', data: { recievers: ['bob'], text: 'y'.repeat(4097) } }),
  `${'['.repeat(10_000)}${']'.repeat(10_000)}`,
];

/** A sessions client: the `client_id` names it, the session id proves it, json-ws frames follow. */
export const driver: AdapterContractDriver = {
  identity: 'guest',
  canBroadcast: true,
  canListSeveral: true,
  sampleName: 'séss-🎧',
  timePrecisionMs: 1_000,
  async connect({ port }, name) {
    const client = await SessionsTestClient.open(port, name);
    const inbox = new ContractInbox();
    const { ws } = client;
    let identified = false;
    let lastWords = '';
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      if (identified) lastWords = String(data);
      if (!String(data).startsWith('{')) return; // the session id
      const raw = String(data);
      const frame = JSON.parse(raw) as {
        type: string;
        data: { sender: string; text: string; timestamp: number };
      };
      if (frame.type !== 'recieve_message') return;
      const { sender, text, timestamp } = frame.data;
      inbox.push({ sender, text, time: timestamp * 1000, raw });
    });
    void client.closed.then(() => inbox.end());
    await client.nextText(); // the session id: the name is claimed
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
        for (const frame of GARBAGE) ws.send(frame);
        ws.send(Buffer.from('{"type":"recieve_status"}'), { binary: true });
        ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false }); // invalid UTF-8: 1007
        ws.send('z'.repeat(1024 * 1024 + 1)); // over the hard limit: 1009
      },
      closed: async () => {
        await client.closed;
      },
      close: async () => {
        ws.close();
        await client.closed;
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
    // Identifying is the upgrade itself: without a name, an HTTP connection that never asks.
    openRaw: ({ port }, name) =>
      name === undefined
        ? openRawTcp(port, { separator: '\r\n' })
        : openRawWs(`ws://127.0.0.1:${port}/?client_id=${encodeURIComponent(name)}`),
    deadlineOption: 'httpRequestTimeoutMs',
    deadlineNotice: { lastWords: '' },
    refusal: { lastWords: '', code: 1013, reason: 'too many connections' },
    shutdownNotice: { lastWords: '', code: 1001 },
    closeGraceOption: 'closeGraceMs',
  },
};

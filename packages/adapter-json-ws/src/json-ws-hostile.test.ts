import { afterEach, describe, expect, it } from 'vitest';
import { type JsonWsTestServer, startJsonWsTestServer } from './testing/json-ws-test-server.ts';
import { clientFrame, RawWs } from './testing/raw-ws.ts';

const error = (message: string) => ({ type: 'error', data: { message } });
const status = (...names: string[]) => ({ type: 'chat_status', data: { active_clients: names } });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let server: JsonWsTestServer;
const raws: RawWs[] = [];
afterEach(async () => {
  for (const raw of raws.splice(0)) raw.socket.destroy();
  await server.stop();
});

async function raw(): Promise<RawWs> {
  const connection = await RawWs.open(server.running.port);
  raws.push(connection);
  return connection;
}

describe('json-ws hostile input: framing', () => {
  it('reads a hello split at every byte', async () => {
    server = await startJsonWsTestServer();
    const client = await raw();
    const frame = clientFrame('{"type":"hello","data":{"user":"ann"}}');
    await client.writeSplit(
      frame,
      Array.from({ length: frame.length - 1 }, (_, i) => i + 1),
    );
    expect(await client.nextJson()).toEqual(status('ann'));
  });

  it('reads a send_message cut in two at each possible byte', async () => {
    server = await startJsonWsTestServer();
    const bob = await server.client('bob');
    const client = await raw();
    client.socket.write(clientFrame('{"type":"hello","data":{"user":"ann"}}'));
    await client.nextJson();
    const frame = clientFrame('{"type":"send_message","data":{"text":"héllo 😀"}}');
    for (let cut = 1; cut < frame.length; cut++) await client.writeSplit(frame, [cut]);
    for (let cut = 1; cut < frame.length; cut++) {
      expect(await bob.next()).toMatchObject({ data: { sender: 'ann', text: 'héllo 😀' } });
    }
  });

  it('reassembles a message sent in continuation fragments', async () => {
    server = await startJsonWsTestServer();
    const client = await raw();
    client.socket.write(
      Buffer.concat([
        clientFrame('{"type":"hello",', 1, false),
        clientFrame('"data":{"user":', 0, false),
        clientFrame('"ann"}}', 0, true),
      ]),
    );
    expect(await client.nextJson()).toEqual(status('ann'));
  });

  it('releases the name of a client that vanishes in the middle of a frame', async () => {
    server = await startJsonWsTestServer();
    const watcher = await server.client('watcher');
    const client = await raw();
    client.socket.write(clientFrame('{"type":"hello","data":{"user":"ann"}}'));
    await client.nextJson();
    client.socket.end(
      clientFrame('{"type":"send_message","data":{"text":"never finished"}}').subarray(0, 20),
    );
    await expect.poll(() => server.hub.connectionCount).toBe(1);
    watcher.send({ type: 'recieve_status' });
    expect(await watcher.next()).toEqual(status('watcher'));
    expect(server.hub.connectionCount).toBe(1);
  });

  it('closes a text frame that is not valid UTF-8 with 1007, as RFC 6455 requires', async () => {
    server = await startJsonWsTestServer();
    const bystander = await server.client('bystander');
    const client = await server.client('ann');
    client.sendRaw(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), false);
    expect((await client.closed).code).toBe(1007);
    await expect.poll(() => server.hub.connectionCount).toBe(1);
    bystander.send({ type: 'recieve_status' });
    expect(await bystander.next()).toEqual(status('bystander'));
  });
});

describe('json-ws hostile input: sizes', () => {
  it('accepts a frame of exactly maxFrameBytes and closes one byte more with 1009', async () => {
    server = await startJsonWsTestServer({ maxFrameBytes: 1000 });
    const client = await server.client('ann');
    const exact = JSON.stringify({ type: 'recieve_status', pad: '' });
    client.sendRaw(exact.replace('""', `"${'p'.repeat(1000 - exact.length)}"`));
    expect(await client.next()).toEqual(status('ann'));
    client.sendRaw(exact.replace('""', `"${'p'.repeat(1001 - exact.length)}"`));
    expect((await client.closed).code).toBe(1009);
  });

  it('closes a 2 MiB frame with 1009 (default limit 1 MiB) and the others carry on', async () => {
    server = await startJsonWsTestServer();
    const ann = await server.client('ann');
    const bob = await server.client('bob');
    const huge = await server.client('huge');
    huge.sendRaw('x'.repeat(2 * 1024 * 1024));
    expect((await huge.closed).code).toBe(1009);
    ann.send({ type: 'send_message', data: { recievers: ['bob'], text: 'still here' } });
    expect(await bob.next()).toMatchObject({ data: { text: 'still here' } });
  });

  it('closes a message split into a flood of one-byte fragments with 1008, before it costs memory', async () => {
    server = await startJsonWsTestServer();
    const bystander = await server.client('bystander');
    const client = await raw();
    // 100,000 continuation frames of one byte: each would be a Buffer kept until the message ends.
    const one = clientFrame(' ', 0, false);
    client.socket.write(
      Buffer.concat([clientFrame('{', 1, false), ...Array.from({ length: 100_000 }, () => one)]),
    );
    const close = await client.nextFrame();
    expect(close.opcode).toBe(8);
    expect(close.payload.readUInt16BE(0)).toBe(1008);
    bystander.send({ type: 'recieve_status' });
    expect(await bystander.next()).toEqual(status('bystander'));
  });

  it('takes a text of exactly 4096 code points and refuses 4097 (default limit)', async () => {
    server = await startJsonWsTestServer();
    const ann = await server.client('ann');
    const bob = await server.client('bob');
    const exact = '😀'.repeat(4096);
    ann.send({ type: 'send_message', data: { text: exact } });
    expect(await bob.next()).toMatchObject({ data: { text: exact } });
    ann.send({ type: 'send_message', data: { text: `${exact}a` } });
    expect(await ann.next()).toEqual(error('text is longer than 4096 characters; not sent'));
    expect(await bob.quietFor(100)).toEqual([]);
  });
});

describe('json-ws hostile input: shapes', () => {
  it('answers odd JSON shapes with clear errors and never crashes', async () => {
    server = await startJsonWsTestServer();
    const client = await server.client('ann');
    const cases: Array<[string, string]> = [
      ['', 'invalid JSON'],
      ['{', 'invalid JSON'],
      ['{"type":"hello"', 'invalid JSON'],
      ['null', 'a frame must be a JSON object with a "type"'],
      ['[1,2,3]', 'a frame must be a JSON object with a "type"'],
      ['1e999', 'a frame must be a JSON object with a "type"'],
      ['"\\u0000"', 'a frame must be a JSON object with a "type"'],
      ['{"__proto__":{"type":"hello"}}', '"type" must be a string'],
      ['{"type":{"toString":"hello"}}', '"type" must be a string'],
      ['{"type":["hello"]}', '"type" must be a string'],
      ['{"type":"constructor"}', 'unknown type "constructor"'],
      ['{"type":"__proto__"}', 'unknown type "__proto__"'],
      [
        '{"type":"hello","data":{"user":"x"},"type":"send_message"}',
        'invalid send_message: data.text must be a string',
      ],
      ['{"type":"send_message","data":[]}', 'invalid send_message: data must be an object'],
      ['{"type":"send_message","data":{"text":null}}', 'invalid send_message: data.text must be a string'],
      [
        '{"type":"send_message","data":{"text":"x","recievers":{"0":"bob"}}}',
        'invalid send_message: data.recievers must be an array',
      ],
      [
        `{"type":"send_message","data":{"text":${'['.repeat(200_000)}${']'.repeat(200_000)}}}`,
        'invalid JSON: nested deeper than 8 levels',
      ],
      [`${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`, 'invalid JSON: nested deeper than 8 levels'],
      [
        `{"type":"send_message","data":{"text":"x","recievers":[${'1,'.repeat(10_000)}1]}}`,
        'too many recievers: 10001, at most 1000 per message; not sent',
      ],
      [
        `{"type":"send_message","data":{"text":"x","recievers":[${'1,'.repeat(998)}1]}}`,
        'invalid send_message: data.recievers.0 must be a string',
      ],
    ];
    for (const [frame, message] of cases) {
      client.sendRaw(frame);
      expect(await client.next(), frame.slice(0, 80)).toEqual(error(message));
    }
    client.send({ type: 'recieve_status' });
    expect(await client.next()).toEqual(status('ann'));
  });

  it('refuses names with control characters given as JSON escapes, and reads lone surrogates as U+FFFD', async () => {
    server = await startJsonWsTestServer();
    const client = await server.client();
    client.sendRaw('{"type":"hello","data":{"user":"a\\u0000b"}}');
    expect(await client.next()).toEqual(error('the name contains a control character'));
    client.sendRaw('{"type":"hello","data":{"user":"a\\u007f"}}');
    expect(await client.next()).toEqual(error('the name contains a control character'));
    client.sendRaw('{"type":"hello","data":{"user":"x\\ud800"}}');
    expect(await client.next()).toEqual(status('x\ufffd'));
  });

  it('answers a burst of 2000 bad frames one error each, in order, and stays open', async () => {
    server = await startJsonWsTestServer();
    const client = await server.client();
    for (let i = 0; i < 2000; i++)
      client.sendRaw(i % 2 === 0 ? `garbage ${i}` : Buffer.from([i & 0xff]), i % 2 === 1);
    for (let i = 0; i < 2000; i++) {
      expect(await client.next()).toEqual(
        error(i % 2 === 0 ? 'invalid JSON' : 'binary frames are not supported; send JSON text frames'),
      );
    }
    client.send({ type: 'hello', data: { user: 'survivor' } });
    expect(await client.next()).toEqual(status('survivor'));
  });
});

describe('json-ws hostile input: isolation', () => {
  it('one client flooding garbage, huge and binary frames never disturbs a conversation', async () => {
    server = await startJsonWsTestServer();
    const ann = await server.client('ann');
    const bob = await server.client('bob');
    const vandal = await server.client('vandal');
    const vandalDone = (async () => {
      for (let i = 0; i < 500; i++) {
        vandal.sendRaw('{"type":'.repeat(100));
        vandal.sendRaw(Buffer.alloc(1000), true);
        if (i % 50 === 0) await sleep(1);
      }
      vandal.sendRaw('x'.repeat(2 * 1024 * 1024));
      return vandal.closed;
    })();
    for (let i = 0; i < 200; i++)
      ann.send({ type: 'send_message', data: { recievers: ['bob'], text: `m${i}` } });
    for (let i = 0; i < 200; i++)
      expect(await bob.next()).toMatchObject({ data: { sender: 'ann', text: `m${i}` } });
    expect((await vandalDone).code).toBe(1009);
    await expect.poll(() => server.hub.connectionCount).toBe(2);
    bob.send({ type: 'recieve_status' });
    expect(await bob.next()).toEqual(status('ann', 'bob'));
  });
});

import { once } from 'node:events';
import { Name } from '@switchboard/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type JsonWsTestServer,
  otherProtocolUser,
  startJsonWsTestServer,
} from './testing/json-ws-test-server.ts';

const error = (message: string) => ({ type: 'error', data: { message } });
const status = (...names: string[]) => ({ type: 'chat_status', data: { active_clients: names } });
const hello = (user: unknown) => ({ type: 'hello', data: { user } });

let server: JsonWsTestServer;
afterEach(async () => {
  await server.stop();
});

describe('json-ws: hello (SPEC §2)', () => {
  it('answers hello with chat_status: every active name, sorted by bytes, the caller included', async () => {
    server = await startJsonWsTestServer();
    await server.client('ann');
    await otherProtocolUser(server.hub, 'Ölaf');
    const zed = await server.client();
    zed.send(hello('Zed'));
    // By UTF-8 bytes: 'Z' (0x5a) < 'a' (0x61) < 'Ö' (0xc3 0x96).
    expect(await zed.next()).toEqual(status('Zed', 'ann', 'Ölaf'));
  });

  it('answers a plain HTTP request off the web chat page with 426 Upgrade Required', async () => {
    server = await startJsonWsTestServer();
    const response = await fetch(`http://127.0.0.1:${server.running.port}/chat`);
    expect(response.status).toBe(426);
    expect(await response.text()).toBe('this port speaks json-ws over WebSocket\n');
  });

  it('accepts connections on any path', async () => {
    server = await startJsonWsTestServer();
    const client = await server.client(undefined, '/some/where?x=1');
    client.send(hello('ann'));
    expect(await client.next()).toEqual(status('ann'));
  });

  it('closes a connection without hello within helloTimeoutMs with 4408 "hello timeout"', async () => {
    server = await startJsonWsTestServer({ helloTimeoutMs: 300 });
    const client = await server.client();
    const started = Date.now();
    expect(await client.closed).toEqual({ code: 4408, reason: 'hello timeout' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(client.pending()).toEqual([]);
  });

  it('does not close a named connection at the hello timeout', async () => {
    server = await startJsonWsTestServer({ helloTimeoutMs: 300 });
    const client = await server.client('ann');
    expect(await client.quietFor(700)).toEqual([]);
    client.send({ type: 'recieve_status' });
    expect(await client.next()).toEqual(status('ann'));
  });

  it('answers an invalid name with an error, and a retry within the same timeout works', async () => {
    server = await startJsonWsTestServer();
    const client = await server.client();
    client.send(hello(''));
    expect(await client.next()).toEqual(error('the name is empty'));
    client.send(hello('a\nb'));
    expect(await client.next()).toEqual(error('the name contains a control character'));
    client.send(hello('x'.repeat(257)));
    expect(await client.next()).toEqual(error('the name is longer than 256 bytes'));
    client.send(hello('ж'.repeat(128)));
    expect(await client.next()).toEqual(status('ж'.repeat(128)));
  });

  it('refuses a registered name with an error; the client may try another', async () => {
    server = await startJsonWsTestServer();
    await server.hub.addAccount(Name.fromText('root'), 'secret');
    const client = await server.client();
    client.send(hello('root'));
    expect(await client.next()).toEqual(error('the name belongs to a registered user'));
    client.send(hello('guest'));
    expect(await client.next()).toEqual(status('guest'));
  });

  it('keeps the hello timeout running across failed hellos (the same 10 s)', async () => {
    server = await startJsonWsTestServer({ helloTimeoutMs: 500 });
    const client = await server.client();
    client.send(hello(''));
    await client.next();
    await new Promise((resolve) => setTimeout(resolve, 300));
    client.send(hello(''));
    await client.next();
    expect(await client.closed).toEqual({ code: 4408, reason: 'hello timeout' });
  });

  it('tells a connection taken over by a newer claim, and closes it with 4001 "replaced"', async () => {
    server = await startJsonWsTestServer();
    const first = await server.client('ann');
    const second = await server.client('ann');
    expect(await first.next()).toEqual(error('the name was claimed by a newer connection'));
    expect(await first.closed).toEqual({ code: 4001, reason: 'replaced' });
    second.send({ type: 'recieve_status' });
    expect(await second.next()).toEqual(status('ann'));
  });

  it('answers a second hello on an identified connection with an error and keeps the name', async () => {
    server = await startJsonWsTestServer();
    const client = await server.client('ann');
    client.send(hello('bob'));
    expect(await client.next()).toEqual(error('this connection already has a name'));
    client.send({ type: 'recieve_status' });
    expect(await client.next()).toEqual(status('ann'));
  });

  it('answers anything but hello before hello with an error', async () => {
    server = await startJsonWsTestServer();
    await server.client('bob');
    const client = await server.client();
    client.send({ type: 'recieve_status' });
    client.send({ type: 'send_message', data: { text: 'hi' } });
    client.send({ type: 'send_message', data: { recievers: ['bob'], text: 'hi' } });
    const helloFirst = error('say hello first: {"type":"hello","data":{"user":NAME}}');
    expect([await client.next(), await client.next(), await client.next()]).toEqual([
      helloFirst,
      helloFirst,
      helloFirst,
    ]);
  });

  it('handles frames in order: a message sent right after hello, without waiting, goes out under the name', async () => {
    server = await startJsonWsTestServer();
    const bob = await server.client('bob');
    const ann = await server.client();
    ann.send(hello('ann'));
    ann.send({ type: 'send_message', data: { text: 'first' } });
    ann.send({ type: 'recieve_status' });
    expect(await ann.next()).toEqual(status('ann', 'bob'));
    expect(await ann.next()).toEqual(status('ann', 'bob'));
    expect(await bob.next()).toMatchObject({
      type: 'recieve_message',
      data: { sender: 'ann', text: 'first' },
    });
  });
});

describe('json-ws: recieve_status', () => {
  it('lists every active name of the service, other protocols included, sorted, caller included', async () => {
    server = await startJsonWsTestServer();
    const carol = await server.client('carol');
    await server.client('ann');
    await otherProtocolUser(server.hub, 'bob');
    carol.send({ type: 'recieve_status' });
    expect(await carol.next()).toEqual(status('ann', 'bob', 'carol'));
  });

  it('drops names whose connection closed', async () => {
    server = await startJsonWsTestServer();
    const ann = await server.client('ann');
    const bob = await server.client('bob');
    await bob.close();
    await expect.poll(() => server.hub.connectionCount).toBe(1);
    ann.send({ type: 'recieve_status' });
    expect(await ann.next()).toEqual(status('ann'));
  });
});

describe('json-ws: send_message', () => {
  it('broadcasts without recievers to every named connection but the sender', async () => {
    server = await startJsonWsTestServer();
    const ann = await server.client('ann');
    const bob = await server.client('bob');
    const carol = await server.client('carol');
    const anonymous = await server.client();
    const other = await otherProtocolUser(server.hub, 'dave');
    const before = Math.floor(Date.now() / 1000);
    ann.send({ type: 'send_message', data: { text: 'hello all' } });
    for (const client of [bob, carol]) {
      const frame = (await client.next()) as { data: { timestamp: number } };
      expect(frame).toEqual({
        type: 'recieve_message',
        data: { sender: 'ann', timestamp: frame.data.timestamp, text: 'hello all' },
      });
      expect(Number.isInteger(frame.data.timestamp)).toBe(true);
      expect(frame.data.timestamp).toBeGreaterThanOrEqual(before);
      expect(frame.data.timestamp).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    }
    expect(other.received.map((message) => message.text)).toEqual(['hello all']);
    expect(await ann.quietFor(100)).toEqual([]);
    expect(anonymous.pending()).toEqual([]);
  });

  it('sends a direct message only to the names listed', async () => {
    server = await startJsonWsTestServer();
    const ann = await server.client('ann');
    const bob = await server.client('bob');
    const carol = await server.client('carol');
    ann.send({ type: 'send_message', data: { recievers: ['bob'], text: 'psst' } });
    expect(await bob.next()).toMatchObject({
      type: 'recieve_message',
      data: { sender: 'ann', text: 'psst' },
    });
    expect(await carol.quietFor(100)).toEqual([]);
    expect(ann.pending()).toEqual([]);
  });

  it('names the recipients that are not active in one error; the others still get it', async () => {
    server = await startJsonWsTestServer();
    const ann = await server.client('ann');
    const bob = await server.client('bob');
    ann.send({ type: 'send_message', data: { recievers: ['ghost', 'bob', 'nobody'], text: 'hi' } });
    expect(await bob.next()).toMatchObject({ data: { sender: 'ann', text: 'hi' } });
    expect(await ann.next()).toEqual(error('not active, message not delivered to: ghost, nobody'));
    expect(await ann.quietFor(100)).toEqual([]);
  });

  it("skips the sender's own name silently, and delivers once to a name listed twice", async () => {
    server = await startJsonWsTestServer();
    const ann = await server.client('ann');
    const bob = await server.client('bob');
    ann.send({ type: 'send_message', data: { recievers: ['ann', 'bob', 'bob'], text: 'once' } });
    expect(await bob.next()).toMatchObject({ data: { text: 'once' } });
    expect(await bob.quietFor(100)).toEqual([]);
    expect(ann.pending()).toEqual([]);
  });

  it('reaches users of other protocols, and they reach it', async () => {
    server = await startJsonWsTestServer();
    const ann = await server.client('ann');
    const other = await otherProtocolUser(server.hub, 'bob');
    ann.send({ type: 'send_message', data: { recievers: ['bob'], text: 'across' } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(other.received).toHaveLength(1);
    expect(other.received[0]!.direct).toBe(true);
    other.session.broadcast('back');
    expect(await ann.next()).toMatchObject({
      type: 'recieve_message',
      data: { sender: 'bob', text: 'back' },
    });
  });

  it('answers an empty recievers list with an error and delivers nothing', async () => {
    server = await startJsonWsTestServer();
    const ann = await server.client('ann');
    const bob = await server.client('bob');
    ann.send({ type: 'send_message', data: { recievers: [], text: 'to nobody' } });
    expect(await ann.next()).toEqual(error('recievers is empty; leave it out to send to everyone'));
    expect(await bob.quietFor(100)).toEqual([]);
  });

  it('refuses a text over maxTextCodePoints with an error, delivers nothing, and stays open', async () => {
    server = await startJsonWsTestServer({ maxTextCodePoints: 5 });
    const ann = await server.client('ann');
    const bob = await server.client('bob');
    ann.send({ type: 'send_message', data: { text: '123456' } });
    expect(await ann.next()).toEqual(error('text is longer than 5 characters; not sent'));
    ann.send({ type: 'send_message', data: { text: '12345' } });
    expect(await bob.next()).toMatchObject({ data: { text: '12345' } });
    expect(bob.pending()).toEqual([]);
  });
});

describe('json-ws: errors keep the connection open', () => {
  it('answers invalid JSON, a binary frame, an unknown type and a wrong shape with errors', async () => {
    server = await startJsonWsTestServer();
    const ann = await server.client('ann');
    ann.sendRaw('not json');
    expect(await ann.next()).toEqual(error('invalid JSON'));
    ann.sendRaw(Buffer.from('{"type":"recieve_status"}'), true);
    expect(await ann.next()).toEqual(error('binary frames are not supported; send JSON text frames'));
    ann.send({ type: 'shout' });
    expect(await ann.next()).toEqual(error('unknown type "shout"'));
    ann.send({ type: 'send_message', data: { text: 7 } });
    expect(await ann.next()).toEqual(error('invalid send_message: data.text must be a string'));
    ann.send({ type: 'recieve_status' });
    expect(await ann.next()).toEqual(status('ann'));
  });

  it('closes a frame over maxFrameBytes with 1009', async () => {
    server = await startJsonWsTestServer({ maxFrameBytes: 1000 });
    const ann = await server.client('ann');
    ann.sendRaw(JSON.stringify({ type: 'send_message', data: { text: 'x'.repeat(1000) } }));
    expect((await ann.closed).code).toBe(1009);
  });
});

describe('json-ws: idle timeout and pings', () => {
  it('closes a connection silent for idleTimeoutMs with 4410 "idle"', async () => {
    server = await startJsonWsTestServer({ idleTimeoutMs: 400 });
    const ann = await server.client('ann');
    const started = Date.now();
    expect(await ann.closed).toEqual({ code: 4410, reason: 'idle' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
  });

  it('keeps a connection that sends any frame (recieve_status, or a ping) within the timeout', async () => {
    server = await startJsonWsTestServer({ idleTimeoutMs: 500 });
    const talker = await server.client('talker');
    const pinger = await server.client('pinger');
    for (let i = 0; i < 6; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      talker.send({ type: 'recieve_status' });
      pinger.ws.ping();
    }
    for (let i = 0; i < 6; i++) expect(await talker.next()).toEqual(status('pinger', 'talker'));
    expect(talker.ws.readyState).toBe(talker.ws.OPEN);
    expect(pinger.ws.readyState).toBe(pinger.ws.OPEN);
  });

  it('answers WebSocket pings with pongs carrying the same data', async () => {
    server = await startJsonWsTestServer();
    const ann = await server.client('ann');
    ann.ws.ping('are you there');
    const [data] = await once(ann.ws, 'pong');
    expect(String(data)).toBe('are you there');
  });
});

describe('json-ws: shutdown', () => {
  it('sends error "server shutting down", then closes with 1001, named or not', async () => {
    server = await startJsonWsTestServer();
    const ann = await server.client('ann');
    const anonymous = await server.client();
    const closing = server.running.close();
    for (const client of [ann, anonymous]) {
      expect(await client.next()).toEqual(error('server shutting down'));
      expect(await client.closed).toEqual({ code: 1001, reason: 'server shutting down' });
    }
    await closing;
    expect(server.hub.connectionCount).toBe(0);
  });

  it('cuts off a client that does not answer the close frame within a second', async () => {
    // Shutdown waits the close grace of every close (closeGraceMs, 2 s by default): one second here.
    server = await startJsonWsTestServer({ closeGraceMs: 1_000 });
    const ann = await server.client('ann');
    // The client's socket stops reading, so it never sees the close frame nor answers it.
    ann.ws.pause();
    const started = Date.now();
    await server.running.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(server.hub.connectionCount).toBe(0);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { type JsonWsTestServer, startJsonWsTestServer } from './testing/json-ws-test-server.ts';
import { WsTestClient } from './testing/ws-test-client.ts';

const status = (...names: string[]) => ({ type: 'chat_status', data: { active_clients: names } });

let server: JsonWsTestServer;
afterEach(async () => {
  await server.stop();
});

describe('json-ws protection (SPEC §1)', () => {
  it('closes a connection over maxConnections with 1013 and admits one again when a slot frees', async () => {
    server = await startJsonWsTestServer({}, { maxConnections: 2 });
    const ann = await server.client('ann');
    await server.client('bob');
    const third = await server.client();
    expect(await third.closed).toEqual({ code: 1013, reason: 'too many connections' });
    expect(server.hub.stats.refusedConnections).toBe(1);
    await ann.close();
    await expect.poll(() => server.hub.connectionCount).toBe(1);
    await server.client('carol');
  });

  it('closes a connection over maxConnectionsPerAddress with 1013', async () => {
    server = await startJsonWsTestServer({}, { maxConnectionsPerAddress: 1 });
    await server.client('ann');
    const second = await server.client();
    expect((await second.closed).code).toBe(1013);
  });

  it('slows a client over its message rate without losing a frame, and nobody else', async () => {
    server = await startJsonWsTestServer({}, { messagesPerSecond: 50, messageBurst: 5 });
    const flooder = await server.client('flooder');
    const calm = await server.client('calm');
    const started = Date.now();
    for (let i = 0; i < 30; i++) flooder.send({ type: 'recieve_status' });
    calm.send({ type: 'recieve_status' });
    expect(await calm.next()).toEqual(status('calm', 'flooder'));
    expect(Date.now() - started).toBeLessThan(300);
    for (let i = 0; i < 30; i++) expect(await flooder.next()).toEqual(status('calm', 'flooder'));
    // 25 frames over the burst at 50 a second take about half a second.
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    expect(server.hub.stats.rateLimited).toBeGreaterThan(0);
  });

  it('counts frame bytes against the byte rate: big frames are slowed, nothing lost, nobody else slowed', async () => {
    server = await startJsonWsTestServer({}, { bytesPerSecond: 100_000, byteBurst: 10_000 });
    const flooder = await server.client('flooder');
    const calm = await server.client('calm');
    const padded = JSON.stringify({ type: 'recieve_status', pad: 'p'.repeat(20_000) });
    const started = Date.now();
    for (let i = 0; i < 10; i++) flooder.sendRaw(padded);
    calm.send({ type: 'recieve_status' });
    expect(await calm.next()).toEqual(status('calm', 'flooder'));
    expect(Date.now() - started).toBeLessThan(300);
    for (let i = 0; i < 10; i++) expect(await flooder.next(5_000)).toEqual(status('calm', 'flooder'));
    // 200 kB at 100 kB/s with 10 kB saved up: the last frames wait about two seconds.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
    expect(server.hub.stats.rateLimited).toBeGreaterThan(0);
  });

  it('drops a client that stops reading once its queue passes maxQueuedBytes; others get everything', async () => {
    server = await startJsonWsTestServer({}, { maxQueuedBytes: 256 * 1024 });
    const sender = await server.client('sender');
    const reader = await server.client('reader');
    const sleeper = await server.client('sleeper');
    sleeper.ws.pause();
    const text = 'z'.repeat(4000);
    let sent = 0;
    for (let batch = 0; batch < 60 && server.hub.stats.slowReaderDrops === 0; batch++) {
      for (let i = 0; i < 100; i++) sender.send({ type: 'send_message', data: { text } });
      sent += 100;
      for (let i = 0; i < 100; i++)
        expect(await reader.next()).toMatchObject({ data: { sender: 'sender', text } });
    }
    expect(server.hub.stats.slowReaderDrops).toBe(1);
    sleeper.ws.resume();
    expect((await sleeper.closed).code).toBe(1006);
    sender.send({ type: 'recieve_status' });
    expect(await sender.next()).toEqual(status('reader', 'sender'));
    expect(sent).toBeGreaterThan(0);
  });

  it('sends every recipient of a broadcast the same bytes', async () => {
    server = await startJsonWsTestServer();
    const sender = await server.client('sender');
    const readers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => WsTestClient.named(server.url, `reader${i}`)),
    );
    sender.send({ type: 'send_message', data: { text: 'to all of you' } });
    const frames = await Promise.all(readers.map((reader) => reader.nextText()));
    expect(new Set(frames).size).toBe(1);
    expect(JSON.parse(frames[0]!)).toMatchObject({ data: { sender: 'sender', text: 'to all of you' } });
    for (const reader of readers) reader.ws.terminate();
  });
});

import { once } from 'node:events';
import { type Hub, Name, type RunningAdapter } from '@switchboard/core';
import { createTestHub, MemoryCluster } from '@switchboard/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  httpGet,
  listSessions,
  refusedUpgrade,
  SessionsTestClient,
  startSessionsAdapter,
  UUID,
} from './testing/sessions-test-kit.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let hubs: Hub[] = [];
let adapters: RunningAdapter[] = [];
let clients: SessionsTestClient[] = [];

async function start(options: Parameters<typeof startSessionsAdapter>[1] = {}, hub = createTestHub()) {
  hubs.push(hub);
  const running = await startSessionsAdapter(hub, options);
  adapters.push(running);
  return { hub, running, port: running.port };
}

async function session(port: number, clientId: string, options = {}) {
  const opened = await SessionsTestClient.session(port, clientId, options);
  clients.push(opened.client);
  return opened;
}

afterEach(async () => {
  for (const client of clients) client.ws.terminate();
  await Promise.all(adapters.map((running) => running.close()));
  for (const hub of hubs) hub.close();
  hubs = [];
  adapters = [];
  clients = [];
});

describe('sessions: the seed scenario', () => {
  it('three processes, test1 connected to each in turn: only the last stays, the others are closed with 4001', async () => {
    const cluster = new MemoryCluster();
    const nodes = await Promise.all(
      ['a', 'b', 'c'].map((nodeId) => start({}, createTestHub({ nodeId, ...cluster.node(nodeId) }))),
    );
    const first = await session(nodes[0]!.port, 'test1');
    const second = await session(nodes[1]!.port, 'test1');
    expect(await first.client.closed).toEqual({ code: 4001, reason: 'replaced' });
    const third = await session(nodes[2]!.port, 'test1');
    expect(await second.client.closed).toEqual({ code: 4001, reason: 'replaced' });
    expect(third.client.ws.readyState).toBe(third.client.ws.OPEN);
    for (const node of nodes) {
      await expect.poll(() => listSessions(node.port)).toEqual(new Map([['test1', third.sessionId]]));
    }
    expect(await third.client.quietFor(200)).toEqual([]);
    expect(third.client.ws.readyState).toBe(third.client.ws.OPEN);
  });

  it('in one process too, each newer connection of a client id closes the previous one with 4001', async () => {
    const { port } = await start();
    const first = await session(port, 'test1');
    const second = await session(port, 'test1');
    expect(await first.client.closed).toEqual({ code: 4001, reason: 'replaced' });
    const third = await session(port, 'test1');
    expect(await second.client.closed).toEqual({ code: 4001, reason: 'replaced' });
    expect(first.client.pending()).toEqual([]);
    expect(await listSessions(port)).toEqual(new Map([['test1', third.sessionId]]));
  });
});

describe('sessions: the session id', () => {
  it('is a fresh UUID, sent alone as the first text frame, and nothing follows unasked', async () => {
    const { port } = await start();
    const a = await session(port, '370f4521-e499-4e30-8778-5710f0497497');
    const b = await session(port, 'other');
    expect(a.sessionId).toMatch(UUID);
    expect(b.sessionId).toMatch(UUID);
    expect(a.sessionId).not.toBe(b.sessionId);
    expect(await a.client.quietFor(200)).toEqual([]);
  });

  it('comes before the answer to a frame the client sends right after opening', async () => {
    const { port } = await start();
    const client = await SessionsTestClient.open(port, 'eager');
    clients.push(client);
    client.send({ type: 'recieve_status' });
    expect(await client.nextText()).toMatch(UUID);
    expect(await client.next()).toEqual({ type: 'chat_status', data: { active_clients: ['eager'] } });
  });
});

describe('sessions: GET /sessions', () => {
  it('lists live sessions as text/plain CLIENT_ID SESSION_ID lines, through connects, replacements and disconnects', async () => {
    const { port } = await start();
    const empty = await httpGet(port, '/sessions');
    expect(empty).toEqual({ status: 200, type: 'text/plain; charset=utf-8', body: '' });

    const a = await session(port, 'alpha');
    const b = await session(port, 'beta');
    const listed = await httpGet(port, '/sessions');
    expect(listed.type).toBe('text/plain; charset=utf-8');
    expect(listed.body).toBe(`alpha ${a.sessionId}\nbeta ${b.sessionId}\n`);

    const a2 = await session(port, 'alpha');
    await a.client.closed;
    expect(await listSessions(port)).toEqual(
      new Map([
        ['alpha', a2.sessionId],
        ['beta', b.sessionId],
      ]),
    );

    b.client.ws.close();
    await expect.poll(() => listSessions(port)).toEqual(new Map([['alpha', a2.sessionId]]));
    a2.client.ws.terminate();
    await expect.poll(() => listSessions(port)).toEqual(new Map());
  });
});

describe('sessions: keepalive', () => {
  it('pings a silent client that answers, and keeps it', async () => {
    const { port } = await start({ pingIntervalMs: 300, pongTimeoutMs: 300 });
    const { client, sessionId } = await session(port, 'sleepy');
    await sleep(1_500);
    expect(client.pingsReceived).toBeGreaterThanOrEqual(2);
    expect(client.ws.readyState).toBe(client.ws.OPEN);
    expect(await listSessions(port)).toEqual(new Map([['sleepy', sessionId]]));
  });

  it('never pings a client that keeps talking', async () => {
    const { port } = await start({ pingIntervalMs: 300, pongTimeoutMs: 300 });
    const { client } = await session(port, 'chatty');
    for (let i = 0; i < 12; i++) {
      client.send({ type: 'recieve_status' });
      await sleep(100);
    }
    expect(client.pingsReceived).toBe(0);
    expect(client.pending()).toHaveLength(12);
  });

  it('counts the client’s own pings as talking, and answers them', async () => {
    const { port } = await start({ pingIntervalMs: 300, pongTimeoutMs: 300 });
    const { client } = await session(port, 'pinger');
    let pongs = 0;
    client.ws.on('pong', () => {
      pongs += 1;
    });
    for (let i = 0; i < 10; i++) {
      client.ws.ping();
      await sleep(100);
    }
    expect(pongs).toBe(10);
    expect(client.pingsReceived).toBe(0);
  });

  it('terminates a client that does not answer within pongTimeoutMs and deletes its session', async () => {
    const { port, hub } = await start({ pingIntervalMs: 300, pongTimeoutMs: 300 });
    const { client } = await session(port, 'mute', { autoPong: false });
    const started = Date.now();
    const closed = await client.closed;
    const elapsed = Date.now() - started;
    expect(closed.code).toBe(1006);
    expect(client.pingsReceived).toBe(1);
    // Ping after 300 ms of silence, cut off 300 ms later; the timer wheel adds up to 250 ms to each.
    expect(elapsed).toBeGreaterThanOrEqual(550);
    expect(elapsed).toBeLessThan(1_300);
    await expect.poll(() => listSessions(port)).toEqual(new Map());
    expect(await hub.activeNames()).toEqual([]);
  });
});

describe('sessions: refused upgrades', () => {
  it('answers a missing, empty, over-long, control-character or repeated client_id with HTTP 400', async () => {
    const { port, hub } = await start();
    const cases: Array<[string, string]> = [
      ['/', 'client_id is missing\n'],
      ['/?other=1', 'client_id is missing\n'],
      ['/?client_id=', 'client_id is empty\n'],
      [`/?client_id=${'x'.repeat(257)}`, 'client_id is longer than 256 bytes\n'],
      [`/?client_id=${encodeURIComponent('é'.repeat(129))}`, 'client_id is longer than 256 bytes\n'],
      ['/?client_id=a%0Ab', 'client_id contains a control character\n'],
      ['/?client_id=a%00', 'client_id contains a control character\n'],
      ['/?client_id=a&client_id=b', 'client_id is given more than once\n'],
    ];
    for (const [path, body] of cases)
      expect(await refusedUpgrade(port, path), path).toEqual({ status: 400, body });
    expect(hub.connectionCount).toBe(0);
    await session(port, 'x'.repeat(256));
  });

  it('answers a registered name with HTTP 403', async () => {
    const { port, hub } = await start();
    await hub.addAccount(Name.fromText('admin'), 'secret');
    expect(await refusedUpgrade(port, '/?client_id=admin')).toEqual({
      status: 403,
      body: 'client_id is the name of a registered user\n',
    });
    expect(await listSessions(port)).toEqual(new Map());
  });

  it('upgrades only on /, and explains a plain GET', async () => {
    const { port } = await start();
    expect((await refusedUpgrade(port, '/ws?client_id=a')).status).toBe(404);
    expect(await httpGet(port, '/?client_id=a')).toMatchObject({ status: 426 });
    expect(await httpGet(port, '/?client_id=')).toMatchObject({ status: 400, body: 'client_id is empty\n' });
  });

  it('closes a connection over the connection limit with 1013 and lists no session for it', async () => {
    const { port } = await start({}, createTestHub({ limits: { maxConnections: 1 } }));
    await session(port, 'one');
    const second = await SessionsTestClient.open(port, 'two');
    clients.push(second);
    expect((await second.closed).code).toBe(1013);
    expect([...(await listSessions(port)).keys()]).toEqual(['one']);
  });
});

describe('sessions: shutdown', () => {
  it('closes every connection with 1001 and sends nothing else', async () => {
    const { port, running } = await start();
    const a = await session(port, 'a');
    const b = await session(port, 'b');
    await running.close();
    for (const { client } of [a, b]) {
      expect(await client.closed).toEqual({ code: 1001, reason: 'server shutting down' });
      expect(client.pending()).toEqual([]);
    }
  });

  it('cuts off a client that does not answer the close frame', async () => {
    // Shutdown waits the close grace of every close (closeGraceMs, 2 s by default): one second here.
    const { port, running, hub } = await start({ closeGraceMs: 1_000 });
    const { client } = await session(port, 'stuck');
    client.ws.pause();
    const started = Date.now();
    await running.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(hub.connectionCount).toBe(0);
  });
});

describe('sessions: errors keep the connection open', () => {
  it('answers invalid JSON, a binary frame, hello and an unknown type with json-ws errors', async () => {
    const { port } = await start();
    const { client } = await session(port, 'ann');
    const error = (message: string) => ({ type: 'error', data: { message } });
    client.ws.send('nope');
    expect(await client.next()).toEqual(error('invalid JSON'));
    client.ws.send(Buffer.from('{}'), { binary: true });
    expect(await client.next()).toEqual(error('binary frames are not supported; send JSON text frames'));
    client.send({ type: 'hello', data: { user: 'bob' } });
    expect(await client.next()).toEqual(error('this connection already has a name'));
    client.send({ type: 'dance' });
    expect(await client.next()).toEqual(error('unknown type "dance"'));
    client.send({ type: 'recieve_status' });
    expect(await client.next()).toEqual({ type: 'chat_status', data: { active_clients: ['ann'] } });
  });

  it('closes a frame over maxFrameBytes with 1009 and deletes the session', async () => {
    const { port } = await start({ maxFrameBytes: 100 });
    const { client } = await session(port, 'big');
    client.ws.send('x'.repeat(101));
    expect((await client.closed).code).toBe(1009);
    await expect.poll(() => listSessions(port)).toEqual(new Map());
  });

  it('answers a ping from a client before the session id is read', async () => {
    const { port } = await start();
    const client = await SessionsTestClient.open(port, 'early');
    clients.push(client);
    client.ws.ping('x');
    const [data] = await once(client.ws, 'pong');
    expect(String(data)).toBe('x');
  });
});

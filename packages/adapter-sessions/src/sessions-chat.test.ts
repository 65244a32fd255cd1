import { once } from 'node:events';
import { jsonWsAdapter } from '@switchboard/adapter-json-ws';
import { type Hub, type RunningAdapter, silentLogger } from '@switchboard/core';
import { createTestHub } from '@switchboard/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { listSessions, SessionsTestClient, startSessionsAdapter } from './testing/sessions-test-kit.ts';

let hub: Hub;
let sessions: RunningAdapter;
let jsonWs: RunningAdapter;
const sockets: WebSocket[] = [];

beforeEach(async () => {
  hub = createTestHub();
  sessions = await startSessionsAdapter(hub);
  jsonWs = await jsonWsAdapter.start({
    hub,
    logger: silentLogger,
    host: '127.0.0.1',
    port: 0,
    options: jsonWsAdapter.optionsSchema.parse({}),
  });
});

afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await Promise.all([sessions.close(), jsonWs.close()]);
  hub.close();
});

async function sessionClient(clientId: string): Promise<SessionsTestClient> {
  const { client } = await SessionsTestClient.session(sessions.port, clientId);
  sockets.push(client.ws);
  return client;
}

/** A json-ws user, with its frames read in order. */
async function jsonWsUser(name: string): Promise<{ ws: WebSocket; next(): Promise<unknown> }> {
  const ws = new WebSocket(`ws://127.0.0.1:${jsonWs.port}/`);
  sockets.push(ws);
  const frames: unknown[] = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (data) => {
    frames.push(JSON.parse(String(data)));
    waiters.shift()?.();
  });
  await once(ws, 'open');
  const next = async () => {
    if (frames.length === 0) await new Promise<void>((resolve) => waiters.push(resolve));
    return frames.shift();
  };
  ws.send(JSON.stringify({ type: 'hello', data: { user: name } }));
  await next();
  return { ws, next };
}

describe('sessions and json-ws users share one chat', () => {
  it('a sessions client and a json-ws user exchange broadcasts and direct messages', async () => {
    const ann = await jsonWsUser('ann');
    const client = await sessionClient('370f4521');

    client.send({ type: 'send_message', data: { text: 'hi all' } });
    expect(await ann.next()).toMatchObject({
      type: 'recieve_message',
      data: { sender: '370f4521', text: 'hi all' },
    });

    ann.ws.send(JSON.stringify({ type: 'send_message', data: { recievers: ['370f4521'], text: 'hi you' } }));
    const frame = (await client.next()) as { data: { timestamp: number } };
    expect(frame).toEqual({
      type: 'recieve_message',
      data: { sender: 'ann', timestamp: frame.data.timestamp, text: 'hi you' },
    });
    expect(Number.isInteger(frame.data.timestamp)).toBe(true);

    client.send({ type: 'send_message', data: { recievers: ['ann', 'ghost'], text: 'direct' } });
    expect(await ann.next()).toMatchObject({ data: { sender: '370f4521', text: 'direct' } });
    expect(await client.next()).toEqual({
      type: 'error',
      data: { message: 'not active, message not delivered to: ghost' },
    });
  });

  it('recieve_status from a sessions client lists every active name, sorted', async () => {
    await jsonWsUser('zoe');
    await jsonWsUser('ann');
    const client = await sessionClient('mid');
    client.send({ type: 'recieve_status' });
    expect(await client.next()).toEqual({
      type: 'chat_status',
      data: { active_clients: ['ann', 'mid', 'zoe'] },
    });
  });

  it('a client_id is a guest name: it takes over a json-ws guest of that name, and back', async () => {
    const ann = await jsonWsUser('ann');
    const closed = once(ann.ws, 'close');
    const client = await sessionClient('ann');
    expect(await ann.next()).toEqual({
      type: 'error',
      data: { message: 'the name was claimed by a newer connection' },
    });
    const [code, reason] = await closed;
    expect([code, String(reason)]).toEqual([4001, 'replaced']);

    const clientClosed = client.closed;
    await jsonWsUser('ann');
    expect(await clientClosed).toEqual({ code: 4001, reason: 'replaced' });
    await expect.poll(() => listSessions(sessions.port)).toEqual(new Map());
  });

  it('drops a sessions client that stops reading, deletes its session, and the sender carries on', async () => {
    await sessions.close();
    hub.close();
    hub = createTestHub({ limits: { maxQueuedBytes: 128 * 1024 } });
    sessions = await startSessionsAdapter(hub);
    const sleeper = await sessionClient('sleeper');
    const reader = await sessionClient('reader');
    const sender = await sessionClient('sender');
    sleeper.ws.pause();
    const text = 'y'.repeat(4000);
    for (let batch = 0; batch < 60 && hub.stats.slowReaderDrops === 0; batch++) {
      for (let i = 0; i < 100; i++) sender.send({ type: 'send_message', data: { text } });
      for (let i = 0; i < 100; i++)
        expect(await reader.next()).toMatchObject({ data: { sender: 'sender', text } });
    }
    expect(hub.stats.slowReaderDrops).toBe(1);
    expect([...(await listSessions(sessions.port)).keys()]).toEqual(['reader', 'sender']);
  });
});

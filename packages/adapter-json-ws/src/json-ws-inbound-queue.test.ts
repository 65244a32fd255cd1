import { SqliteStore } from '@switchboard/core/sqlite';
import { createTestHub, SwitchableAccounts } from '@switchboard/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type JsonWsTestServer, startJsonWsTestServer } from './testing/json-ws-test-server.ts';
import { clientFrame, RawWs } from './testing/raw-ws.ts';

/** Issue 12, items 1 and 3: input waiting for its turn is bounded, and dies with its connection. */

let server: JsonWsTestServer;
let store: SqliteStore;
const raws: RawWs[] = [];
afterEach(async () => {
  for (const raw of raws.splice(0)) raw.socket.destroy();
  await server.stop();
  await store.close();
});

async function start() {
  store = new SqliteStore(':memory:');
  const accounts = new SwitchableAccounts(store.accounts);
  server = await startJsonWsTestServer({}, {}, createTestHub({ accounts, rooms: store.rooms }));
  return accounts;
}

async function raw(): Promise<RawWs> {
  const connection = await RawWs.open(server.running.port);
  raws.push(connection);
  return connection;
}

describe('json-ws inbound queue (issue 12)', () => {
  it('closes with 1008, answering none of them, a client that piles up frames behind a pending hello', async () => {
    const accounts = await start();
    const watcher = await server.client('watcher');
    accounts.state = 'stalled';
    const flooder = await raw();
    // One write: the hello, then 30,000 empty text frames (6 bytes each) queued behind it.
    const empty = clientFrame('');
    flooder.socket.write(
      Buffer.concat([
        clientFrame('{"type":"hello","data":{"user":"flooder"}}'),
        ...Array.from({ length: 30_000 }, () => empty),
      ]),
    );
    const close = await flooder.nextFrame();
    expect(close.opcode).toBe(8);
    expect(close.payload.readUInt16BE(0)).toBe(1008);
    expect(close.payload.subarray(2).toString()).toBe('too much input at once');
    await expect.poll(() => flooder.ended, { timeout: 4_000 }).toBe(true);
    accounts.state = 'up';
    watcher.send({ type: 'recieve_status' });
    expect(await watcher.next()).toEqual({ type: 'chat_status', data: { active_clients: ['watcher'] } });
  });

  it('runs nothing of a connection that pipelined its chat and hung up while its hello was pending', async () => {
    const accounts = await start();
    const bob = await server.client('bob');
    accounts.state = 'stalled';
    const sender = await raw();
    sender.socket.write(
      Buffer.concat([
        clientFrame('{"type":"hello","data":{"user":"ann"}}'),
        ...Array.from({ length: 50 }, (_, i) =>
          clientFrame(JSON.stringify({ type: 'send_message', data: { recievers: ['bob'], text: `m${i}` } })),
        ),
      ]),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    sender.socket.destroy();
    await expect.poll(() => server.hub.connectionCount).toBe(1);
    accounts.state = 'up';
    expect(await bob.quietFor(300)).toEqual([]);
    expect(server.hub.stats.messages).toBe(0);
  });
});

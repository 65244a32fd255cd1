import { Name } from '@switchboard/core';
import { SqliteStore } from '@switchboard/core/sqlite';
import { createTestHub, recordingLogger, SwitchableAccounts } from '@switchboard/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type JsonWsTestServer, startJsonWsTestServer } from './testing/json-ws-test-server.ts';

/** Issue 12 item 5: an unreachable account store is answered as an outage, never as a crash. */

const error = (message: string) => ({ type: 'error', data: { message } });
const status = (...names: string[]) => ({ type: 'chat_status', data: { active_clients: names } });
const UNAVAILABLE = 'the service is temporarily unavailable; try again shortly';

let server: JsonWsTestServer;
let store: SqliteStore;
afterEach(async () => {
  await server.stop();
  await store.close();
});

describe('json-ws while the account store cannot be reached', () => {
  it('answers hello with "temporarily unavailable", logs nothing at error level, and a later hello works', async () => {
    store = new SqliteStore(':memory:');
    const accounts = new SwitchableAccounts(store.accounts);
    const { logger, lines } = recordingLogger();
    const hub = createTestHub({ accounts, rooms: store.rooms, logger });
    server = await startJsonWsTestServer({}, {}, hub, logger);
    await hub.addAccount(Name.fromText('root'), 'secret');
    const chatting = await server.client('ann');
    accounts.state = 'down';

    const client = await server.client();
    client.send({ type: 'hello', data: { user: 'bob' } });
    expect(await client.next()).toEqual(error(UNAVAILABLE));
    client.send({ type: 'recieve_status' });
    expect(await client.next()).toEqual(error('say hello first: {"type":"hello","data":{"user":NAME}}'));
    // Those already in keep chatting.
    chatting.send({ type: 'recieve_status' });
    expect(await chatting.next()).toEqual(status('ann'));

    accounts.state = 'up';
    client.send({ type: 'hello', data: { user: 'root' } });
    expect(await client.next()).toEqual(error('the name belongs to a registered user'));
    client.send({ type: 'hello', data: { user: 'bob' } });
    expect(await client.next()).toEqual(status('ann', 'bob'));
    expect(lines.filter((line) => line.level === 'error')).toEqual([]);
    expect(lines.filter((line) => line.level === 'warn').length).toBeGreaterThan(0);
  });
});

import {
  type Hub,
  LocalSessionDirectory,
  type RunningAdapter,
  type SessionDirectory,
} from '@switchboard/core';
import { SqliteStore } from '@switchboard/core/sqlite';
import { createTestHub, recordingLogger, SwitchableAccounts } from '@switchboard/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  listSessions,
  refusedUpgradeResponse,
  SessionsTestClient,
  startSessionsAdapter,
} from './testing/sessions-test-kit.ts';

/** Issue 12 item 5: an unreachable account store is answered as an outage, never as HTTP 500. */

let hub: Hub;
let running: RunningAdapter;
let store: SqliteStore;
const clients: SessionsTestClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.ws.terminate();
  await running.close();
  hub.close();
  await store.close();
});

async function start(sessions: SessionDirectory = new LocalSessionDirectory()) {
  store = new SqliteStore(':memory:');
  const accounts = new SwitchableAccounts(store.accounts);
  const recorded = recordingLogger();
  hub = createTestHub({ accounts, rooms: store.rooms, sessions, logger: recorded.logger });
  running = await startSessionsAdapter(hub, {}, recorded.logger);
  return { accounts, lines: recorded.lines, port: running.port };
}

describe('sessions while the account store cannot be reached', () => {
  it('answers the upgrade with 503 and Retry-After, logs nothing at error level, and serves it once back', async () => {
    const { accounts, lines, port } = await start();
    accounts.state = 'down';
    const refused = await refusedUpgradeResponse(port, '/?client_id=alice');
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.body).toBe('the service is temporarily unavailable; try again shortly\n');
    expect(lines.filter((line) => line.level === 'error')).toEqual([]);
    accounts.state = 'up';
    const { client, sessionId } = await SessionsTestClient.session(port, 'alice');
    clients.push(client);
    expect(await listSessions(port)).toEqual(new Map([['alice', sessionId]]));
  });

  it('closes with 1013 when the claim after the upgrade cannot reach the store; no session is listed', async () => {
    const { accounts, lines, port } = await start();
    // The check before the upgrade gets through; the claim's own check finds the store gone.
    accounts.failAfter(1);
    const client = await SessionsTestClient.open(port, 'alice');
    clients.push(client);
    expect(await client.closed).toEqual({ code: 1013, reason: 'service temporarily unavailable' });
    expect(client.pending()).toEqual([]);
    expect(lines.filter((line) => line.level === 'error')).toEqual([]);
    accounts.state = 'up';
    expect(await listSessions(port)).toEqual(new Map());
  });

  it('answers GET /sessions with 503 and Retry-After while the session directory cannot be read', async () => {
    const directory = new OutageDirectory();
    const { lines, port } = await start(directory);
    const { client, sessionId } = await SessionsTestClient.session(port, 'alice');
    clients.push(client);
    directory.down = true;
    const response = await fetch(`http://127.0.0.1:${port}/sessions`);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await response.text()).toBe('the service is temporarily unavailable; try again shortly\n');
    expect(lines.filter((line) => line.level === 'error')).toEqual([]);
    directory.down = false;
    expect(await listSessions(port)).toEqual(new Map([['alice', sessionId]]));
  });
});

/** The in-process directory whose listing fails while `down`, as a lost Redis's does. */
class OutageDirectory extends LocalSessionDirectory {
  down = false;
  override async list() {
    if (this.down) throw new Error('connection lost');
    return super.list();
  }
}

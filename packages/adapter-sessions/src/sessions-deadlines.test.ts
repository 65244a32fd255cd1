import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import type { Hub, RunningAdapter } from '@switchboard/core';
import { SqliteStore } from '@switchboard/core/sqlite';
import { createTestHub, SwitchableAccounts } from '@switchboard/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionsOptions } from './sessions-options.ts';
import { listSessions, SessionsTestClient, startSessionsAdapter, UUID } from './testing/sessions-test-kit.ts';

/** Issue 12, deadlines: silent or half-sent HTTP, stuck upgrades and deaf peers all end. */

let hub: Hub;
let running: RunningAdapter;
let store: SqliteStore;
const sockets: Socket[] = [];
const clients: SessionsTestClient[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const client of clients.splice(0)) client.ws.terminate();
  await running.close();
  hub.close();
  await store.close();
});

async function start(options: Partial<SessionsOptions>) {
  store = new SqliteStore(':memory:');
  const accounts = new SwitchableAccounts(store.accounts);
  hub = createTestHub({ accounts, rooms: store.rooms });
  running = await startSessionsAdapter(hub, options);
  return { accounts, port: running.port };
}

async function tcp(port: number): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => {});
  sockets.push(socket);
  await once(socket, 'connect');
  return socket;
}

/** Everything the server writes until it ends the connection, and how long that took. */
async function untilClosed(socket: Socket): Promise<{ text: string; elapsed: number }> {
  const started = Date.now();
  let text = '';
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('latin1');
  });
  await once(socket, 'close');
  return { text, elapsed: Date.now() - started };
}

const upgradeRequest = (clientId: string) =>
  `GET /?client_id=${clientId} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';

describe('sessions deadlines (issue 12)', () => {
  it('destroys a silent TCP connection and a half-sent request after httpRequestTimeoutMs', async () => {
    const { port } = await start({ httpRequestTimeoutMs: 500 });
    const silent = await tcp(port);
    const half = await tcp(port);
    half.write('GET /sessions HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const [silentEnd, halfEnd] = await Promise.all([untilClosed(silent), untilClosed(half)]);
    for (const end of [silentEnd, halfEnd]) {
      expect(end.text).toBe('');
      expect(end.elapsed).toBeGreaterThanOrEqual(400);
      expect(end.elapsed).toBeLessThan(2_500);
    }
    expect(await listSessions(port)).toEqual(new Map());
  });

  it('answers an upgrade stuck on a hanging store with 503 and Retry-After after upgradeTimeoutMs', async () => {
    const { accounts, port } = await start({ upgradeTimeoutMs: 500, closeGraceMs: 500 });
    accounts.state = 'stalled';
    const socket = await tcp(port);
    socket.write(upgradeRequest('alice'));
    const end = await untilClosed(socket);
    expect(end.text).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    expect(end.text).toContain('\r\nRetry-After: 5\r\n');
    expect(end.text.endsWith('\r\n\r\nthe service is temporarily unavailable; try again shortly\n')).toBe(
      true,
    );
    expect(end.elapsed).toBeLessThan(2_500);
  });

  it('closes with 1013 an upgraded connection whose claim hangs past upgradeTimeoutMs', async () => {
    const { accounts, port } = await start({ upgradeTimeoutMs: 500 });
    // The check before the upgrade answers; the claim's own check then hangs.
    accounts.failAfter(1, 'stalled');
    const client = await SessionsTestClient.open(port, 'alice');
    const started = Date.now();
    clients.push(client);
    expect(await client.closed).toEqual({ code: 1013, reason: 'service temporarily unavailable' });
    // The close handshake completes although reading was paused for the claim: no grace wait.
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(client.pending()).toEqual([]);
  });

  it('cuts off a replaced peer that ignores the close frame, closeGraceMs after 4001', async () => {
    const { port } = await start({ closeGraceMs: 500 });
    const deaf = await tcp(port);
    deaf.write(upgradeRequest('alice'));
    let seen = '';
    deaf.on('data', (chunk: Buffer) => {
      seen += chunk.toString('latin1');
    });
    await expect.poll(() => UUID.test(seen.slice(-36))).toBe(true);
    const closed = once(deaf, 'close');
    const started = Date.now();
    const { client } = await SessionsTestClient.session(port, 'alice');
    clients.push(client);
    await closed;
    // The close frame (4001 "replaced") was sent; the deaf peer never answered it.
    expect(seen).toContain('\x88\x0a\x0f\xa1replaced');
    expect(Date.now() - started).toBeLessThan(2_500);
    await expect.poll(() => hub.connectionCount).toBe(1);
  });
});

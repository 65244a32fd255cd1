import { Name } from '@switchboard/core';
import { createTestHub } from '@switchboard/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createAdminServer } from '../src/admin-http.ts';
import { GatewayMetrics } from '../src/metrics.ts';

const hubs: ReturnType<typeof createTestHub>[] = [];
afterEach(() => {
  for (const hub of hubs.splice(0)) hub.close();
});

function admin(token?: string) {
  const hub = createTestHub();
  hubs.push(hub);
  const metrics = new GatewayMetrics(hub, ['soh'], () => 0);
  return { hub, app: createAdminServer({ hub, metrics, token, ready: async () => true }) };
}

describe('admin API', () => {
  it('adds, lists, changes and deletes accounts; the new password is the only one that works', async () => {
    const { hub, app } = admin();
    const add = await app.inject({
      method: 'POST',
      url: '/admin/accounts',
      payload: { name: 'bob', password: 'old-pw' },
    });
    expect(add.statusCode).toBe(201);
    const again = await app.inject({
      method: 'POST',
      url: '/admin/accounts',
      payload: { name: 'bob', password: 'x' },
    });
    expect(again.statusCode).toBe(409);
    expect((await app.inject({ url: '/admin/accounts' })).json()).toEqual({ accounts: ['bob'] });

    const change = await app.inject({
      method: 'PUT',
      url: '/admin/accounts/bob/password',
      payload: { password: 'new-pw' },
    });
    expect(change.statusCode).toBe(204);
    const bob = Name.fromText('bob');
    expect(await hub.accounts.authenticate(bob, 'old-pw', 'test')).toBe('WRONG_PASSWORD');
    expect(await hub.accounts.authenticate(bob, 'new-pw', 'test')).toBe('ok');

    expect((await app.inject({ method: 'DELETE', url: '/admin/accounts/bob' })).statusCode).toBe(204);
    expect((await app.inject({ method: 'DELETE', url: '/admin/accounts/bob' })).statusCode).toBe(404);
    expect(
      (await app.inject({ method: 'PUT', url: '/admin/accounts/bob/password', payload: { password: 'p' } }))
        .statusCode,
    ).toBe(404);
  });

  it('a password change invalidates the live bindings that opted in', async () => {
    const { hub, app } = admin();
    await hub.addAccount(Name.fromText('carol'), 'pw');
    let invalidated = 0;
    const session = hub.open('rs-us', '10.0.0.1', {
      deliver() {},
      replaced() {},
      invalidated: () => invalidated++,
    })!;
    expect(await session.login(Name.fromText('carol'), 'pw')).toBe('ok');
    await app.inject({ method: 'PUT', url: '/admin/accounts/carol/password', payload: { password: 'pw2' } });
    expect(invalidated).toBe(1);
    expect(session.name).toBeNull();
  });

  it('refuses malformed bodies and invalid names', async () => {
    const { app } = admin();
    expect(
      (await app.inject({ method: 'POST', url: '/admin/accounts', payload: { name: 'x' } })).statusCode,
    ).toBe(400);
    expect(
      (await app.inject({ method: 'POST', url: '/admin/accounts', payload: 'not json' })).statusCode,
    ).toBe(415);
    const control = await app.inject({
      method: 'POST',
      url: '/admin/accounts',
      payload: { name: 'a\nb', password: 'p' },
    });
    expect(control.statusCode).toBe(400);
    const long = await app.inject({
      method: 'POST',
      url: '/admin/accounts',
      payload: { name: 'x'.repeat(257), password: 'p' },
    });
    expect(long.statusCode).toBe(400);
  });

  it('needs the bearer token when one is set, and compares it in constant time', async () => {
    const { app } = admin('0123456789abcdef-token');
    expect((await app.inject({ url: '/admin/accounts' })).statusCode).toBe(401);
    expect(
      (await app.inject({ url: '/admin/accounts', headers: { authorization: 'Bearer wrong' } })).statusCode,
    ).toBe(401);
    const ok = await app.inject({
      url: '/admin/accounts',
      headers: { authorization: 'Bearer 0123456789abcdef-token' },
    });
    expect(ok.statusCode).toBe(200);
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
  });

  it('without a token answers loopback clients only', async () => {
    const { app } = admin();
    const remote = await app.inject({ url: '/admin/accounts', remoteAddress: '203.0.113.9' });
    expect(remote.statusCode).toBe(401);
    expect((await app.inject({ url: '/admin/accounts', remoteAddress: '127.0.0.1' })).statusCode).toBe(200);
  });

  it('lists presence, rooms and sessions', async () => {
    const { hub, app } = admin();
    const session = hub.open('test', '127.0.0.1', { deliver() {}, replaced() {} })!;
    await session.claimGuest(Name.fromText('zoë'));
    hub.sessions.set('client-1', 'session-1');
    expect((await app.inject({ url: '/admin/presence' })).json()).toEqual({ active: ['zoë'] });
    expect((await app.inject({ url: '/admin/sessions' })).json()).toEqual({
      sessions: [{ clientId: 'client-1', sessionId: 'session-1' }],
    });
    expect((await app.inject({ url: '/admin/rooms' })).json()).toEqual({ rooms: [] });
  });
});

import { FakeClock, recordingLogger, SwitchableAccounts } from '@switchboard/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { addAccounts, plain, type RsUsTestServer, startRsUs, trailing } from './testing/rs-us-test-kit.ts';

const servers: RsUsTestServer[] = [];
async function start(...args: Parameters<typeof startRsUs>): Promise<RsUsTestServer> {
  const server = await startRsUs(...args);
  servers.push(server);
  await addAccounts(server.hub, 'alice', 'bob');
  return server;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('rs-us: the login deadline', () => {
  it('tells a connection that never logs in `timeout` after loginTimeoutMs and closes it, not before', async () => {
    const clock = new FakeClock();
    const server = await start({}, { clock });
    const idle = await server.connect();
    // Commands other than a successful login do not extend it.
    expect(await idle.ask(plain('prolongate'))).toBe(plain('prolongate_ack'));
    expect(await idle.ask(plain('login', 'bob', 'wrong'))).toBe(plain('login_invalid'));
    clock.advance(59_000);
    expect(await idle.silentFor(50)).toBe(true);
    clock.advance(1_500);
    expect(await idle.next()).toBe(plain('timeout'));
    await idle.waitClosed();
  });

  it('stops once logged in: a bound connection keeps its 30-minute inactivity timeout only', async () => {
    const clock = new FakeClock();
    const server = await start({}, { clock });
    const bob = await server.login('bob');
    clock.advance(61_000);
    expect(await bob.ask(plain('who'))).toBe(plain('who_ack', 'bob'));
    expect(bob.isClosed).toBe(false);
    // A login then logout leaves it unbound, but it has shown its credentials: no new deadline.
    expect(await bob.ask(plain('logout'))).toBe(plain('logout_ack'));
    clock.advance(120_000);
    expect(await bob.ask(plain('prolongate'))).toBe(plain('prolongate_ack'));
  });

  it('is a setting, answered in the form the client last used', async () => {
    const clock = new FakeClock();
    const server = await start({ loginTimeoutMs: 5_000 }, { clock });
    const idle = await server.connect();
    expect(await idle.ask(trailing('prolongate'))).toBe(trailing('prolongate_ack'));
    clock.advance(5_500);
    expect(await idle.next()).toBe(trailing('timeout'));
    await idle.waitClosed();
  });
});

describe('rs-us: while the account store cannot be reached', () => {
  it('answers login_invalid with the reason service_unavailable, keeps the connection, logs no error', async () => {
    const { logger, lines } = recordingLogger();
    const levels = () => lines.map((line) => line.level);
    const accounts = new SwitchableAccounts();
    const server = await start({}, { accounts, logger, throttle: { maxFailuresPerName: 2 } });
    accounts.state = 'down';
    const client = await server.connect();
    for (let attempt = 0; attempt < 4; attempt += 1) {
      expect(await client.ask(plain('login', 'bob', 'pw'))).toBe(
        plain('login_invalid', 'service_unavailable'),
      );
    }
    expect(await client.ask(trailing('login', 'bob', 'pw'))).toBe(
      trailing('login_invalid', 'service_unavailable'),
    );
    expect(client.isClosed).toBe(false);
    expect(levels()).not.toContain('error');
    expect(levels()).toContain('warn');
    // Refusals are not failures: once the store is back, the right password works at once.
    accounts.state = 'up';
    expect(await client.ask(plain('login', 'bob', 'pw'))).toBe(plain('login_valid'));
    await sleep(10);
    expect(levels()).not.toContain('error');
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import {
  eventually,
  type LineServer,
  type LineServerOptions,
  lineServer,
  sleep,
} from './connection-test-kit.ts';

// The connection runtime's timers and endings, over real TCP sockets with the fake clock: the
// deadline and the idle timeout, graceful close and its grace, shutdown, and half-closed clients.

const servers: LineServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function serve(options: LineServerOptions = {}): Promise<LineServer> {
  const server = await lineServer(options);
  servers.push(server);
  return server;
}

const echoes = (count: number) => Array.from({ length: count }, (_, i) => `echo m${i}`);
const messages = (count: number) => Array.from({ length: count }, (_, i) => `m${i}\n`).join('');

describe('timers on the clock', () => {
  it('closes a connection that does not name itself by the deadline; naming clears the deadline', async () => {
    const line = await serve({ nameDeadlineMs: 5_000 });
    const late = await line.client();
    const prompt = await line.client();
    const lateConnection = await line.connection(0);
    const promptConnection = await line.connection(1);
    prompt.send('name bob');
    expect(await prompt.waitForLines(1)).toEqual(['welcome']);

    line.clock.advance(4_900);
    await sleep(20);
    expect(lateConnection.timeouts).toEqual([]);
    expect(late.isClosed).toBe(false);
    line.clock.advance(350); // the deadline, within one step of the timer wheel
    expect(lateConnection.timeouts).toEqual(['name']);
    await late.closed;
    expect(late.text).toBe('too slow\n');
    expect(late.ended).toBe(true);

    line.clock.advance(60_000);
    expect(promptConnection.timeouts).toEqual([]);
    prompt.send('still here');
    expect(await prompt.waitForLines(2)).toEqual(['welcome', 'echo still here']);
  });

  it('fires the idle timeout after a quiet period, reset by input, then once per period', async () => {
    const line = await serve({ idleMs: 3_000 });
    const client = await line.client();
    const connection = await line.connection(0);
    line.clock.advance(2_000);
    client.send('ping');
    await client.waitForLines(1);
    line.clock.advance(2_000); // 4 s since it opened, 2 s since its input
    expect(connection.timeouts).toEqual([]);
    line.clock.advance(1_250); // 3 s since its input, and a wheel step
    expect(connection.timeouts).toEqual(['idle']);
    line.clock.advance(2_500);
    expect(connection.timeouts).toEqual(['idle']);
    line.clock.advance(750);
    expect(connection.timeouts).toEqual(['idle', 'idle']);
    expect(client.isClosed).toBe(false);
  });
});

describe('graceful close', () => {
  it('writes the farewell after what was written, then FIN; nothing is written after', async () => {
    const line = await serve();
    const client = await line.client();
    const connection = await line.connection(0);
    client.send('name alice');
    await client.waitForLines(1);
    connection.say('one');
    connection.say('two');
    connection.close('bye\n');
    expect(connection.say('late')).toBe(false);
    expect(line.hub.connectionCount).toBe(0); // the session is released at once
    client.send('ignored');
    await client.closed;
    expect(client.text).toBe('welcome\none\ntwo\nbye\n');
    expect(client.ended).toBe(true);
    expect(client.error).toBeNull();
    expect(connection.lines).toEqual([]);
    await eventually(() => expect(connection.closedByTransport).toBe(true));
    expect(line.runtime.size).toBe(0);
  });

  it('destroys a peer that never closes its side once the grace is over', async () => {
    const line = await serve({ settings: { closeGraceMs: 1_000 } });
    const client = await line.client({ halfOpen: true });
    const connection = await line.connection(0);
    connection.close('bye\n');
    await client.endedAt;
    expect(client.text).toBe('bye\n');
    line.clock.advance(900);
    await sleep(50);
    expect(connection.socket.destroyed).toBe(false);
    expect(line.runtime.size).toBe(1);
    line.clock.advance(350);
    expect(connection.socket.destroyed).toBe(true);
    await eventually(() => expect(connection.closedByTransport).toBe(true));
    expect(line.runtime.size).toBe(0);
    // The client learns it when it writes (a reset, then EPIPE).
    await eventually(() => {
      if (!client.isClosed) client.socket.write('anyone?\n');
      expect(client.isClosed).toBe(true);
    });
  });
});

describe('shutdown', () => {
  it('tells every connection, closes them all and resolves once they are closed', async () => {
    const line = await serve();
    const clients = await Promise.all(Array.from({ length: 60 }, () => line.client()));
    await eventually(() => expect(line.runtime.size).toBe(60));
    clients[0]!.send('name alice');
    await clients[0]!.waitForLines(1);
    await line.runtime.shutdown(); // no clock needed: every peer closes on FIN
    expect(line.runtime.shuttingDown).toBe(true);
    expect(line.runtime.size).toBe(0);
    await Promise.all(clients.map((client) => client.closed));
    expect(clients[0]!.text).toBe('welcome\nshutting down\n');
    for (const client of clients.slice(1)) expect(client.text).toBe('shutting down\n');
    expect(line.hub.connectionCount).toBe(0);
    expect((await line.hub.activeNames()).length).toBe(0);
  });

  it('destroys, after the grace, the connections whose peers never close, then resolves', async () => {
    const line = await serve({ settings: { closeGraceMs: 2_000 } });
    const polite = await Promise.all(Array.from({ length: 10 }, () => line.client()));
    const stubborn = await Promise.all(Array.from({ length: 10 }, () => line.client({ halfOpen: true })));
    await eventually(() => expect(line.runtime.size).toBe(20));
    let done = false;
    const shutdown = line.runtime.shutdown().then(() => {
      done = true;
    });
    await Promise.all(polite.map((client) => client.closed));
    await Promise.all(stubborn.map((client) => client.endedAt));
    await eventually(() => expect(line.runtime.size).toBe(10));
    await sleep(50);
    expect(done).toBe(false);
    line.clock.advance(2_000);
    await shutdown;
    expect(line.runtime.size).toBe(0);
    for (const client of [...polite, ...stubborn]) expect(client.text).toBe('shutting down\n');
  });

  it('resolves every caller when shutdown is asked twice', async () => {
    const line = await serve({ settings: { closeGraceMs: 1_000 } });
    const stubborn = await line.client({ halfOpen: true });
    await eventually(() => expect(line.runtime.size).toBe(1));
    const first = line.runtime.shutdown();
    const second = line.runtime.shutdown();
    await stubborn.endedAt;
    line.clock.advance(1_000);
    await Promise.all([first, second]);
    expect(line.runtime.size).toBe(0);
  });

  it('resolves at once with no connection open', async () => {
    const line = await serve();
    await line.runtime.shutdown();
    expect(line.runtime.shuttingDown).toBe(true);
  });
});

describe('half-close', () => {
  it('drainAfterEnd true: a client that sends and half-closes gets every answer at its rate, then FIN', async () => {
    const line = await serve({
      limits: { messagesPerSecond: 10, messageBurst: 2 },
      settings: { drainAfterEnd: true },
      allowHalfOpen: true,
    });
    const client = await line.client({ halfOpen: true });
    client.socket.end(messages(6));
    await client.waitForLines(2);
    await sleep(50);
    expect(client.lines).toEqual(echoes(2));
    for (let i = 3; i <= 6; i++) {
      line.clock.advance(100);
      await client.waitForLines(i);
    }
    await client.closed;
    expect(client.lines).toEqual(echoes(6));
    expect(client.ended).toBe(true);
    expect(client.error).toBeNull();
  });

  it('drainAfterEnd false: only what the rate allows at once is handled, then the connection is closed', async () => {
    const line = await serve({ limits: { messagesPerSecond: 10, messageBurst: 2 }, allowHalfOpen: true });
    const client = await line.client({ halfOpen: true });
    const connection = await line.connection(0);
    client.socket.end(messages(6));
    await client.waitForLines(2);
    line.clock.advance(100); // whether the EOF was seen already or only now, no more waiting for it
    await client.closed;
    expect(client.lines).toEqual(echoes(2));
    expect(connection.lines).toEqual(['m0', 'm1']);
  });

  it('drainAfterEnd false: a half-closed client within its rate gets every answer, then FIN', async () => {
    const line = await serve({ limits: { messagesPerSecond: 10, messageBurst: 5 }, allowHalfOpen: true });
    const client = await line.client({ halfOpen: true });
    client.socket.end(messages(4));
    await client.closed;
    expect(client.lines).toEqual(echoes(4));
    expect(client.ended).toBe(true);
  });
});

import { createServer, type Server, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { tcpRoomsAdapter } from '@switchboard/adapter-tcp-rooms';
import { type Hub, Name, type RunningAdapter, silentLogger } from '@switchboard/core';
import { createTestHub } from '@switchboard/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { connectTcpRooms } from '../src/connect/tcp-rooms.ts';

interface Running {
  hub: Hub;
  server: RunningAdapter;
}
const running: Running[] = [];
const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const { hub, server } of running.splice(0)) {
    await server.close();
    hub.close();
  }
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

async function startTcpRooms(): Promise<Running> {
  const hub = createTestHub();
  const server = await tcpRoomsAdapter.start({
    hub,
    logger: silentLogger,
    host: '127.0.0.1',
    port: 0,
    options: tcpRoomsAdapter.optionsSchema.parse({ timeZone: 'UTC' }),
  });
  const entry = { hub, server };
  running.push(entry);
  return entry;
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The terminal client on piped streams, with what it printed so far. */
function terminal(port: number, graceMs?: number) {
  const input = new PassThrough();
  const output = new PassThrough();
  const errors = new PassThrough();
  const seen = { printed: '', complained: '' };
  output.on('data', (chunk: Buffer) => {
    seen.printed += chunk.toString();
  });
  errors.on('data', (chunk: Buffer) => {
    seen.complained += chunk.toString();
  });
  const exit = connectTcpRooms({ host: '127.0.0.1', port, input, output, errors, graceMs });
  return { input, seen, exit };
}

describe('switchboard connect tcp-rooms (SPEC §3.6)', () => {
  it('sends piped lines, prints every server line, and exits 0 once the server closes', async () => {
    const { server } = await startTcpRooms();
    const client = terminal(server.port);
    client.input.end('alice\npw\npw\n/who\n/rooms\n');
    expect(await client.exit).toBe(0);
    expect(client.seen.printed).toBe(
      [
        'Enter your nickname:',
        'New nickname. Choose a password:',
        'Repeat the password:',
        'Registered. Welcome, alice!',
        'Online: alice',
        'No rooms yet.',
        '',
      ].join('\n'),
    );
    expect(client.seen.complained).toBe('');
  });

  it('sends a last line without its newline', async () => {
    const { server } = await startTcpRooms();
    const client = terminal(server.port);
    client.input.end('bob\npw\npw\n/rooms');
    expect(await client.exit).toBe(0);
    expect(client.seen.printed.endsWith('Registered. Welcome, bob!\nNo rooms yet.\n')).toBe(true);
  });

  it('prints messages as they arrive and exits 0 when the server says Bye.', async () => {
    const { hub, server } = await startTcpRooms();
    const client = terminal(server.port);
    client.input.write('carol\npw\npw\n');
    await waitFor('carol to sign up', () => client.seen.printed.includes('Registered. Welcome, carol!\n'));
    const other = hub.open('other', '192.0.2.1', { deliver() {}, replaced() {} })!;
    expect(await other.claimGuest(Name.fromText('dave'))).toBe('ok');
    other.broadcast('hi carol');
    await waitFor('the message', () => /dave \(\d\d:\d\d\): hi carol\n$/.test(client.seen.printed));
    client.input.write('/quit\n');
    expect(await client.exit).toBe(0);
    expect(client.seen.printed.endsWith('hi carol\nBye.\n')).toBe(true);
    other.close();
  });

  it('exits 0 after Server is shutting down.', async () => {
    const { server } = await startTcpRooms();
    const client = terminal(server.port);
    await waitFor('the greeting', () => client.seen.printed === 'Enter your nickname:\n');
    await server.close();
    expect(await client.exit).toBe(0);
    expect(client.seen.printed).toBe('Enter your nickname:\nServer is shutting down.\n');
  });

  it('exits 1 with a clear message when it cannot connect', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const address = probe.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    await new Promise((resolve) => probe.close(resolve));
    const client = terminal(port);
    expect(await client.exit).toBe(1);
    expect(client.seen.complained).toMatch(
      new RegExp(`^tcp-rooms: cannot connect to 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`),
    );
  });

  it('stops waiting for a server that never closes after the grace period', async () => {
    const received: Buffer[] = [];
    const silent = createServer({ allowHalfOpen: true }, (socket: Socket) => {
      sockets.push(socket);
      socket.on('data', (chunk: Buffer) => received.push(chunk));
      socket.on('error', () => {});
    });
    servers.push(silent);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const client = terminal(port, 200);
    const started = Date.now();
    client.input.end('hello\n');
    expect(await client.exit).toBe(0);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(Buffer.concat(received).toString()).toBe('hello\n');
  });
});

import { connect, createServer, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { sohAdapter } from '@switchboard/adapter-soh';
import { type Hub, Name, type RunningAdapter, silentLogger } from '@switchboard/core';
import { createTestHub } from '@switchboard/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { connectSoh } from '../src/connect/soh.ts';

interface Running {
  hub: Hub;
  server: RunningAdapter;
  closed: boolean;
}
const running: Running[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const { hub, server, closed } of running.splice(0)) {
    if (!closed) await server.close();
    hub.close();
  }
});

async function startSoh(): Promise<Running> {
  const hub = createTestHub();
  const server = await sohAdapter.start({
    hub,
    logger: silentLogger,
    host: '127.0.0.1',
    port: 0,
    options: sohAdapter.optionsSchema.parse({}),
  });
  const entry = { hub, server, closed: false };
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

const isActive = async (hub: Hub, name: string) =>
  (await hub.activeNames()).some((active) => active.equals(Name.fromText(name)));

/** The terminal client on piped streams, with what it printed so far. */
function terminal(port: number) {
  const input = new PassThrough();
  const output = new PassThrough();
  const errors = new PassThrough();
  let printed = '';
  let complained = '';
  output.on('data', (chunk: Buffer) => {
    printed += chunk.toString();
  });
  errors.on('data', (chunk: Buffer) => {
    complained += chunk.toString();
  });
  const exit = connectSoh({ host: '127.0.0.1', port, input, output, errors, graceMs: 2_000 });
  return { input, exit, printed: () => printed, complained: () => complained };
}

/** A raw SOH peer that records what it receives. */
function rawPeer(port: number, name: string) {
  const socket = connect({ host: '127.0.0.1', port });
  sockets.push(socket);
  socket.on('error', () => {});
  let received = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
  });
  socket.write(`${name}\x01`);
  return { socket, received: () => received };
}

describe('switchboard connect soh', () => {
  it('asks for a name, sends RECIPIENT: TEXT lines and prints deliveries as SENDER: TEXT', async () => {
    const { hub, server } = await startSoh();
    const bob = rawPeer(server.port, 'bob');
    await waitFor('bob', () => isActive(hub, 'bob'));
    const alice = terminal(server.port);
    expect(alice.complained()).toBe('Your name: ');
    alice.input.write('alice\n');
    await waitFor('alice', () => isActive(hub, 'alice'));

    alice.input.write('bob: hello: there\n');
    await waitFor('the message', () => bob.received().length > 0);
    expect(bob.received().toString()).toBe('alice\x01hello: there\x01');

    bob.socket.write('alice\x01hi \xff alice\x01', 'latin1');
    await waitFor('the delivery', () => alice.printed().length > 0);
    expect(alice.printed()).toBe('bob: hi \ufffd alice\n');

    alice.input.write('no separator here\n');
    await waitFor('the usage hint', () => alice.complained().includes('usage'));
    expect(alice.complained()).toBe('Your name: usage: RECIPIENT: TEXT\n');
    expect(bob.received().toString()).toBe('alice\x01hello: there\x01');
  });

  it('sends every piped line, then exits 0 when the input ends', async () => {
    const { hub, server } = await startSoh();
    const bob = rawPeer(server.port, 'bob');
    await waitFor('bob', () => isActive(hub, 'bob'));
    const alice = terminal(server.port);
    alice.input.end('alice\nbob: one\nbob: two \u0001 three\r\nbob: \n');
    expect(await alice.exit).toBe(0);
    await waitFor('the messages', () => bob.received().toString().split('\x01').length === 7);
    expect(bob.received().toString()).toBe('alice\x01one\x01alice\x01two  three\x01alice\x01\x01');
    expect(await isActive(hub, 'alice')).toBe(false);
  });

  it('exits 0 when the server closes', async () => {
    const entry = await startSoh();
    const alice = terminal(entry.server.port);
    alice.input.write('alice\n');
    await waitFor('alice', () => isActive(entry.hub, 'alice'));
    entry.closed = true;
    await entry.server.close();
    expect(await alice.exit).toBe(0);
    expect(alice.complained()).toContain('closed the connection');
  });

  it('exits 0 when the server refuses the name by closing', async () => {
    const { hub, server } = await startSoh();
    await hub.addAccount(Name.fromText('bob'), 'pw');
    const client = terminal(server.port);
    client.input.write('bob\n');
    expect(await client.exit).toBe(0);
    expect(client.complained()).toContain('closed the connection');
  });

  it('exits 1 when it cannot connect', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const address = probe.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const client = terminal(port);
    expect(await client.exit).toBe(1);
    expect(client.complained()).toContain('ECONNREFUSED');
  });
});

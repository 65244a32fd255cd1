import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { jsonWsAdapter } from '@switchboard/adapter-json-ws';
import { type Hub, Name, type RunningAdapter, silentLogger } from '@switchboard/core';
import { createTestHub } from '@switchboard/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { connectJsonWs } from '../src/connect/json-ws.ts';

let hub: Hub;
let server: RunningAdapter;
const sockets: WebSocket[] = [];

beforeEach(async () => {
  hub = createTestHub();
  server = await jsonWsAdapter.start({
    hub,
    logger: silentLogger,
    host: '127.0.0.1',
    port: 0,
    options: jsonWsAdapter.optionsSchema.parse({}),
  });
});

afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await server.close();
  hub.close();
});

/** The terminal client on PassThrough streams: what it prints is collected as text. */
function terminal(name: string | undefined, url = `ws://127.0.0.1:${server.port}/`) {
  const input = new PassThrough();
  const output = new PassThrough();
  const errors = new PassThrough();
  let printed = '';
  let complained = '';
  output.on('data', (chunk: Buffer) => {
    printed += chunk.toString('utf8');
  });
  errors.on('data', (chunk: Buffer) => {
    complained += chunk.toString('utf8');
  });
  const exit = connectJsonWs({ url, name, input, output, errors, graceMs: 1_000 });
  return {
    input,
    exit,
    printed: () => printed,
    complained: () => complained,
    type: (line: string) => input.write(`${line}\n`),
  };
}

/** Another chat user, a plain ws client. */
async function peer(name: string) {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/`);
  sockets.push(ws);
  const frames: Array<{ type: string; data: Record<string, unknown> }> = [];
  ws.on('message', (data) => frames.push(JSON.parse(String(data))));
  await once(ws, 'open');
  ws.send(JSON.stringify({ type: 'hello', data: { user: name } }));
  await expect.poll(() => frames.length).toBe(1);
  frames.length = 0;
  return { ws, frames };
}

describe('switchboard connect json-ws', () => {
  it('says hello, prints who is online, and sends broadcasts, direct messages and /who', async () => {
    const bob = await peer('bob');
    const carol = await peer('carol');
    const ann = terminal('ann');
    await expect.poll(ann.printed).toBe('online: ann, bob, carol\n');
    ann.type('hello everyone');
    ann.type('@bob just you');
    ann.type('@bob,carol you two');
    ann.type('/who');
    await expect
      .poll(() => bob.frames.map((frame) => frame.data.text))
      .toEqual(['hello everyone', 'just you', 'you two']);
    expect(carol.frames.map((frame) => frame.data.text)).toEqual(['hello everyone', 'you two']);
    expect(bob.frames[0]).toMatchObject({ type: 'recieve_message', data: { sender: 'ann' } });
    await expect.poll(ann.printed).toBe('online: ann, bob, carol\nonline: ann, bob, carol\n');
    ann.input.end();
    expect(await ann.exit).toBe(0);
  });

  it('prints incoming messages as [HH:MM] SENDER: TEXT, control characters escaped', async () => {
    const bob = await peer('bob');
    const ann = terminal('ann');
    await expect.poll(ann.printed).toContain('online:');
    bob.ws.send(JSON.stringify({ type: 'send_message', data: { text: 'hi ann' } }));
    bob.ws.send(
      JSON.stringify({ type: 'send_message', data: { recievers: ['ann'], text: 'two\nlines \u001b[31m' } }),
    );
    await expect
      .poll(ann.printed)
      .toMatch(/\[\d\d:\d\d\] bob: hi ann\n\[\d\d:\d\d\] bob: two\\nlines \\u001b\[31m\n$/);
    ann.input.end();
    expect(await ann.exit).toBe(0);
  });

  it('asks "Your name: " when no name is given, and again after a refused one', async () => {
    await hub.addAccount(Name.fromText('root'), 'pw');
    const client = terminal(undefined);
    await expect.poll(client.printed).toBe('Your name: ');
    client.type('root');
    await expect
      .poll(client.printed)
      .toBe('Your name: error: the name belongs to a registered user\nYour name: ');
    client.type('ann');
    await expect.poll(client.printed).toContain('online: ann\n');
    client.input.end();
    expect(await client.exit).toBe(0);
  });

  it('works with piped input: lines wait for the name, and errors for the last lines print before exit', async () => {
    const bob = await peer('bob');
    const client = terminal(undefined);
    client.input.end('ann\nfirst\n@ghost anyone there?\n@bob last\n');
    expect(await client.exit).toBe(0);
    expect(client.printed()).toBe(
      'Your name: online: ann, bob\nerror: not active, message not delivered to: ghost\n',
    );
    expect(bob.frames.map((frame) => frame.data.text)).toEqual(['first', 'last']);
    expect(client.complained()).toBe('');
  });

  it('ends with 0 when the server closes the connection, saying why', async () => {
    const ann = terminal('ann');
    await expect.poll(ann.printed).toContain('online: ann');
    await peer('ann');
    expect(await ann.exit).toBe(0);
    expect(ann.printed()).toContain('error: the name was claimed by a newer connection\n');
    expect(ann.complained()).toBe('json-ws: connection closed (4001 replaced)\n');
  });

  it('ends with 1 when it cannot connect', async () => {
    const probe = await peer('probe');
    probe.ws.terminate();
    const port = server.port;
    await server.close();
    const client = terminal('ann', `ws://127.0.0.1:${port}/`);
    expect(await client.exit).toBe(1);
    expect(client.complained()).toMatch(/^json-ws: .*ECONNREFUSED/);
  });

  it('explains an @ line without text instead of sending it', async () => {
    const ann = terminal('ann');
    await expect.poll(ann.printed).toContain('online: ann');
    ann.type('@bob');
    await expect.poll(ann.complained).toBe('usage: @NAME[,NAME...] TEXT\n');
    ann.input.end();
    expect(await ann.exit).toBe(0);
  });
});

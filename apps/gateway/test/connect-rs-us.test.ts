import { createServer } from 'node:net';
import { PassThrough } from 'node:stream';
import { rsUsAdapter } from '@switchboard/adapter-rs-us';
import { type ChatMessage, type Hub, Name, type RunningAdapter, silentLogger } from '@switchboard/core';
import { createTestHub } from '@switchboard/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectRsUs, parseLine, render } from '../src/connect/rs-us.ts';

let hub: Hub;
let running: RunningAdapter;

beforeEach(async () => {
  hub = createTestHub();
  await hub.addAccount(Name.fromText('bob'), 'pw');
  running = await rsUsAdapter.start({
    hub,
    logger: silentLogger,
    host: '127.0.0.1',
    port: 0,
    options: rsUsAdapter.optionsSchema.parse({}),
  });
});

afterEach(async () => {
  await running.close();
  hub.close();
});

/** A terminal made of streams: what the client printed, and a way to wait for a line. */
function terminal() {
  const input = new PassThrough();
  const output = new PassThrough();
  const errors = new PassThrough();
  let printed = '';
  let complaints = '';
  output.on('data', (chunk: Buffer) => {
    printed += chunk.toString('utf8');
  });
  errors.on('data', (chunk: Buffer) => {
    complaints += chunk.toString('utf8');
  });
  return {
    input,
    output,
    errors,
    lines: () => printed.split('\n').filter((line) => line !== ''),
    complaints: () => complaints,
    async waitFor(pattern: RegExp, timeoutMs = 3_000): Promise<string> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const line = printed.split('\n').find((candidate) => pattern.test(candidate));
        if (line !== undefined) return line;
        if (Date.now() > deadline) throw new Error(`no line like ${pattern} in ${JSON.stringify(printed)}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
  };
}

/** Another protocol's user, straight on the hub. */
async function guest(
  name: string,
): Promise<{ received: ChatMessage[]; send(to: string, text: string): void }> {
  const received: ChatMessage[] = [];
  const session = hub.open('other', '10.0.0.9', {
    deliver: (message) => received.push(message),
    replaced() {},
  })!;
  expect(await session.claimGuest(Name.fromText(name))).toBe('ok');
  return { received, send: (to, text) => void session.sendDirect([Name.fromText(to)], text) };
}

describe('connectRsUs', () => {
  it('sends piped lines as commands, prints the replies, and exits 0 after the input ends', async () => {
    const alice = await guest('alice');
    const term = terminal();
    term.input.end(
      'login bob pw\nwho\n\nsend alice hello  there, world\nbroadcast hi all \nfrobnicate a b\nlogout extra\n',
    );
    const started = Date.now();
    const code = await connectRsUs({ host: '127.0.0.1', port: running.port, ...term });
    expect(code).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(term.lines()).toEqual([
      'login_valid',
      'who_ack alice bob',
      'send_ack',
      'broadcast_ack',
      'unknown_command',
      'invalid_args_count',
    ]);
    expect(alice.received.map((message) => message.text)).toEqual(['hello  there, world', 'hi all ']);
    expect(term.complaints()).toBe('');
  });

  it('prints events as [HH:MM:SS] TEXT and exits 0 when the server closes after disconnect', async () => {
    const alice = await guest('alice');
    const term = terminal();
    const exit = connectRsUs({ host: '127.0.0.1', port: running.port, ...term });
    term.input.write('login bob pw\n');
    await term.waitFor(/^login_valid$/);
    alice.send('bob', 'knock knock');
    const event = await term.waitFor(/knock knock/);
    expect(event).toMatch(/^\[\d\d:\d\d:\d\d\] alice: knock knock$/);
    term.input.write('disconnect\n');
    expect(await exit).toBe(0);
    expect(term.lines().at(-1)).toBe('disconnect_ack');
  });

  it('prints shutdown and exits 0 when the server stops', async () => {
    const term = terminal();
    const exit = connectRsUs({ host: '127.0.0.1', port: running.port, ...term });
    term.input.write('prolongate\n');
    await term.waitFor(/^prolongate_ack$/);
    await running.close();
    expect(await exit).toBe(0);
    expect(term.lines()).toEqual(['prolongate_ack', 'shutdown']);
  });

  it('exits 1 with a message when it cannot connect', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const term = terminal();
    expect(await connectRsUs({ host: '127.0.0.1', port, ...term })).toBe(1);
    expect(term.complaints()).toMatch(/ECONNREFUSED/);
  });
});

describe('parseLine', () => {
  it('splits commands on spaces but keeps the TEXT of send and broadcast whole', () => {
    expect(parseLine('login bob pw')).toEqual(['login', 'bob', 'pw']);
    expect(parseLine('  who  ')).toEqual(['who']);
    expect(parseLine('send bob  two  spaces ')).toEqual(['send', 'bob', ' two  spaces ']);
    expect(parseLine('send bob')).toEqual(['send', 'bob']);
    expect(parseLine('broadcast hello world')).toEqual(['broadcast', 'hello world']);
    expect(parseLine('broadcast')).toEqual(['broadcast']);
    expect(parseLine('who\r')).toEqual(['who']);
    expect(parseLine('broadcast a\u001eb\u001fc')).toEqual(['broadcast', 'abc']);
    expect(parseLine('   ')).toBeNull();
  });
});

describe('render', () => {
  it('joins parts with spaces and shows events with their local time', () => {
    expect(render(['who_ack', 'alice', 'bob'])).toBe('who_ack alice bob');
    const at = new Date(2026, 0, 2, 3, 4, 5).getTime();
    expect(render(['event', String(at), 'alice: hi'])).toBe('[03:04:05] alice: hi');
    expect(render(['event', 'soon', 'x'])).toBe('event soon x');
  });
});

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { selfSignedCertificate } from '@switchboard/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  BIN,
  FREE_PORTS,
  type GatewayProcess,
  startGatewayProcess,
  stopGatewayProcess,
  tempDir,
} from './gateway-process.ts';

/**
 * `switchboard connect sessions URL CLIENT_ID`: the real CLI as a child process against a real
 * gateway process, with a json-ws user on the other side of the chat.
 */
const UUID = /^session: [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// Short ping timings: a client that did not answer pings would lose its session within 0.6 s.
const PINGS = { SWITCHBOARD_SESSIONS_PING_INTERVAL_MS: '300', SWITCHBOARD_SESSIONS_PONG_TIMEOUT_MS: '300' };

let gateway: GatewayProcess;
const children: ChildProcess[] = [];
const peers: WebSocket[] = [];

beforeAll(async () => {
  gateway = await startGatewayProcess(
    ['serve', ...FREE_PORTS, '--only=json-ws,sessions', `--data-dir=${tempDir()}`],
    PINGS,
  );
});
afterAll(async () => {
  if (gateway) await stopGatewayProcess(gateway);
});
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const peer of peers.splice(0)) peer.terminate();
});

const sessionsUrl = () => `ws://127.0.0.1:${gateway.ports.sessions}/`;

/** The CLI with a pipe for its input; what it prints is collected. */
function terminal(args: string[]) {
  const child = spawn(process.execPath, [BIN, 'connect', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    exited,
    lines: () => stdout.split('\n').filter((line) => line !== ''),
    stdout: () => stdout,
    stderr: () => stderr,
    type: (line: string) => child.stdin!.write(`${line}\n`),
    end: () => child.stdin!.end(),
  };
}

/** A json-ws chat user: the frames it receives, by type. */
async function jsonWsPeer(name: string) {
  const ws = new WebSocket(`ws://127.0.0.1:${gateway.ports['json-ws']}/`);
  peers.push(ws);
  const frames: Array<{ type: string; data: Record<string, unknown> }> = [];
  ws.on('message', (data) => frames.push(JSON.parse(String(data))));
  await once(ws, 'open');
  ws.send(JSON.stringify({ type: 'hello', data: { user: name } }));
  await expect.poll(() => frames.length).toBe(1);
  frames.length = 0;
  return {
    frames,
    broadcast: (text: string) => ws.send(JSON.stringify({ type: 'send_message', data: { text } })),
  };
}

async function sessionList(): Promise<string[]> {
  const response = await fetch(`http://127.0.0.1:${gateway.ports.sessions}/sessions`);
  return (await response.text()).split('\n').filter((line) => line !== '');
}

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, 'connect', ...args],
      { timeout: 15_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end();
  });
}

describe('switchboard connect sessions', () => {
  it('prints the session id, then chats as the json-ws client does', async () => {
    const bob = await jsonWsPeer('bob');
    const ann = terminal(['sessions', sessionsUrl(), 'ann']);
    await expect.poll(() => ann.lines()[0] ?? '').toMatch(UUID);
    const sessionId = ann.lines()[0]!.slice('session: '.length);
    expect(await sessionList()).toContain(`ann ${sessionId}`);

    bob.broadcast('hello sessions');
    await expect.poll(() => ann.lines()[1] ?? '').toMatch(/^\[\d\d:\d\d\] bob: hello sessions$/);
    ann.type('@bob just you');
    ann.type('to everyone');
    ann.type('/who');
    await expect.poll(() => bob.frames.map((frame) => frame.data.text)).toEqual(['just you', 'to everyone']);
    expect(bob.frames.map((frame) => frame.data.sender)).toEqual(['ann', 'ann']);
    await expect.poll(() => ann.lines()[2]).toBe('online: ann, bob');
    // An absent recipient is named back, as on json-ws; the end of the input waits for it.
    ann.type('@nobody are you there');
    ann.end();
    expect(await ann.exited).toBe(0);
    expect(ann.lines().slice(3)).toEqual([
      'error: not active, message not delivered to: nobody',
      'online: ann, bob',
    ]);
    expect(ann.stderr()).toBe('');
  });

  it('answers the server’s pings: an idle client keeps its session and still gets messages', async () => {
    const bob = await jsonWsPeer('bob2');
    const idle = terminal(['sessions', sessionsUrl(), 'idler']);
    await expect.poll(() => idle.lines()[0] ?? '').toMatch(UUID);
    const sessionId = idle.lines()[0]!.slice('session: '.length);
    // More than three ping intervals and pong timeouts of silence from the client's side.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await sessionList()).toContain(`idler ${sessionId}`);
    bob.broadcast('still there?');
    await expect.poll(() => idle.lines()[1] ?? '').toMatch(/\] bob2: still there\?$/);
    expect(idle.stderr()).toBe('');
  });

  it('says so and exits 0 when a newer connection takes its client id', async () => {
    const first = terminal(['sessions', sessionsUrl(), 'twice']);
    await expect.poll(() => first.lines()[0] ?? '').toMatch(UUID);
    const second = terminal(['sessions', sessionsUrl(), 'twice']);
    await expect.poll(() => second.lines()[0] ?? '').toMatch(UUID);
    expect(await first.exited).toBe(0);
    expect(first.stderr()).toBe('sessions: connection closed (4001 replaced)\n');
  });

  it('takes an http:// URL of the same service, and a refused client id is an error (exit 1)', async () => {
    const http = await run(['sessions', `http://127.0.0.1:${gateway.ports.sessions}/`, 'via-http']);
    expect(http.code).toBe(0);
    expect(http.stdout.split('\n')[0]).toMatch(UUID);
    const refused = await run(['sessions', sessionsUrl(), 'x'.repeat(300)]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('sessions: refused (HTTP 400: client_id is longer than 256 bytes)\n');
  });

  it('answers bad arguments with a usage error (exit 2)', async () => {
    const bare = await run(['sessions']);
    expect([bare.code, bare.stdout]).toEqual([2, '']);
    expect(bare.stderr).toMatch(/missing required argument/);
    for (const args of [
      ['sessions', 'ftp://127.0.0.1/', 'ann'],
      ['sessions', '127.0.0.1', '8880'],
      ['sessions', sessionsUrl()],
      ['sessions', sessionsUrl(), ''],
      ['sessions', sessionsUrl(), 'ann', 'extra'],
    ]) {
      const { code, stdout, stderr } = await run(args);
      expect(code, args.join(' ')).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(/^switchboard connect: sessions needs .*\nusage: switchboard connect/);
      expect(stderr).toContain('sessions URL CLIENT_ID');
    }
  });
});

describe('switchboard connect sessions over TLS', () => {
  it('speaks wss:// with --ca, refuses the self-signed certificate without it, and --insecure skips the check', async () => {
    const certificate = selfSignedCertificate();
    const tls = await startGatewayProcess([
      'serve',
      ...FREE_PORTS,
      '--only=sessions',
      `--data-dir=${tempDir()}`,
      `--tls-cert=${certificate.cert}`,
      `--tls-key=${certificate.key}`,
    ]);
    try {
      const port = tls.ports.sessions;
      const trusted = await run(['sessions', '--ca', certificate.cert, `wss://localhost:${port}/`, 'secure']);
      expect(trusted.code).toBe(0);
      expect(trusted.stdout.split('\n')[0]).toMatch(UUID);
      // --tls turns a ws:// URL into the same server over TLS.
      const upgraded = await run([
        'sessions',
        '--tls',
        '--ca',
        certificate.cert,
        `ws://127.0.0.1:${port}/`,
        's2',
      ]);
      expect(upgraded.stdout.split('\n')[0]).toMatch(UUID);
      const refused = await run(['sessions', `wss://localhost:${port}/`, 'unsure']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^sessions: .*self-signed certificate/);
      const insecure = await run(['sessions', '--insecure', `wss://localhost:${port}/`, 'brave']);
      expect(insecure.stdout.split('\n')[0]).toMatch(UUID);
    } finally {
      await stopGatewayProcess(tls);
    }
  });
});

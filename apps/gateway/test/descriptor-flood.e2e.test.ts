import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { get } from 'node:http';
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, FREE_PORTS, tempDir } from './gateway-process.ts';

const DESCRIPTORS = 256;

let child: ChildProcess | null = null;
const flood: Socket[] = [];
afterEach(() => {
  for (const socket of flood.splice(0)) socket.destroy();
  child?.kill('SIGKILL');
  child = null;
});

/** `switchboard serve` under `ulimit -n`, resolved with its ready record once it is up. */
async function startLimited(): Promise<Record<string, unknown> & { ports: Record<string, number> }> {
  const args = [BIN, 'serve', ...FREE_PORTS, `--data-dir=${tempDir()}`];
  child = spawn('bash', ['-c', `ulimit -n ${DESCRIPTORS} && exec "$@"`, 'bash', process.execPath, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, SWITCHBOARD_SCRYPT_COST: '1024' },
  });
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) {
    const record = JSON.parse(line) as Record<string, unknown> & { ports: Record<string, number> };
    if (String(record.msg).startsWith('switchboard ready')) return record;
  }
  throw new Error('the gateway exited before it was ready');
}

function healthz(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = get(
      { host: '127.0.0.1', port, path: '/healthz', agent: false, timeout: 3_000 },
      (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      },
    );
    request.on('timeout', () => request.destroy(new Error('healthz timed out')));
    request.on('error', reject);
  });
}

describe('a connection flood under a low descriptor limit (ulimit -n 256)', () => {
  it('the default connection limit engages first, so /healthz and a chat pair keep working', async () => {
    const ready = await startLimited();
    // 256 - max(128, 256/16) = 128 connections: the rest of the descriptors are the reserve.
    expect(ready.maxConnections).toBe(128);
    const { soh, admin } = ready.ports;

    // A pair that chats before, during and after the flood.
    const bob = connect({ host: '127.0.0.1', port: soh! });
    const alice = connect({ host: '127.0.0.1', port: soh! });
    bob.write('bob\x01');
    alice.write('alice\x01');
    await sleep(200);

    // Three times the descriptor limit in connections, all held open by the flood.
    for (let i = 0; i < 3 * DESCRIPTORS; i += 1) {
      const socket = connect({ host: '127.0.0.1', port: soh! });
      socket.on('error', () => {});
      flood.push(socket);
    }
    await Promise.all(flood.map((socket) => once(socket, 'connect').catch(() => {})));
    await sleep(300);

    for (let round = 0; round < 5; round += 1) expect(await healthz(admin!)).toBe(200);
    const delivered = once(bob, 'data');
    alice.write(`bob\x01during the flood\x01`);
    const [bytes] = (await delivered) as [Buffer];
    expect(bytes.toString()).toBe('alice\x01during the flood\x01');
    expect(child!.exitCode).toBeNull();
    bob.destroy();
    alice.destroy();
  });
});

import { type ChildProcess, spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { dial, receive } from './edge-test-kit.ts';

const CHILD = fileURLToPath(new URL('./emfile-child.ts', import.meta.url));
const DESCRIPTORS = 64;

interface Child {
  process: ChildProcess;
  records: Array<Record<string, unknown>>;
  send(line: string): void;
}

async function startChild(): Promise<Child & { port: number }> {
  const child = spawn('bash', ['-c', `ulimit -n ${DESCRIPTORS} && exec "$0" "$1"`, process.execPath, CHILD], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const records: Array<Record<string, unknown>> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => records.push(JSON.parse(line)));
  await expect.poll(() => records.find((r) => r.msg === 'listening'), { timeout: 10_000 }).toBeTruthy();
  const ready = records.find((r) => r.msg === 'listening')!;
  expect(ready.limit).toBe(DESCRIPTORS);
  return {
    process: child,
    records,
    port: ready.port as number,
    send: (line) => child.stdin!.write(`${line}\n`),
  };
}

let child: ChildProcess | null = null;
const clients: Socket[] = [];
afterEach(() => {
  child?.kill('SIGKILL');
  child = null;
  for (const socket of clients.splice(0)) socket.destroy();
});

describe('out of file descriptors (EMFILE), in a child with ulimit -n 64', () => {
  it('keeps serving open connections, warns once, and accepts again when descriptors are free', async () => {
    const server = await startChild();
    child = server.process;
    // Far more connections than descriptors: those past the limit are closed at once.
    const closedEarly: Socket[] = [];
    for (let i = 0; i < 120; i += 1) {
      const socket = await dial(server.port);
      socket.once('close', () => closedEarly.push(socket));
      clients.push(socket);
    }
    await sleep(300);
    const alive = clients.filter((socket) => !closedEarly.includes(socket));
    expect(closedEarly.length).toBeGreaterThan(40);
    expect(alive.length).toBeGreaterThan(10);
    expect(alive.length).toBeLessThan(DESCRIPTORS);

    // Every connection it did take still works; the process is alive and said so once.
    for (const socket of alive) {
      socket.write('still here\n');
      await receive(socket, 'still here\n');
    }
    await expect
      .poll(
        () =>
          server.records.filter(
            (r) => r.level === 'warn' && String(r.msg).includes('out of file descriptors'),
          ),
        {
          timeout: 3_000,
        },
      )
      .toHaveLength(1);
    expect(server.records.filter((r) => r.level === 'error')).toEqual([]);

    // Free ten descriptors: new connections are served again.
    server.send('close 10');
    await sleep(200);
    const fresh = await dial(server.port);
    clients.push(fresh);
    fresh.write('new one\n');
    expect(await receive(fresh, 'new one\n')).toBe('new one\n');
    expect(child.exitCode).toBeNull();
  });
});

import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { residentBytes } from '../servers/process-stats.ts';

const BIN = fileURLToPath(new URL('../../../apps/gateway/bin/switchboard.js', import.meta.url));

/**
 * Settings the campaign changes from the shipped defaults, and why. Rate limits, frame limits
 * and queue limits stay as shipped: they are what is under attack.
 * - scrypt cost: hostile clients log in thousands of times; at the shipped cost the campaign
 *   would measure scrypt, not the gateway;
 * - failed logins per address: every hostile client comes from 127.0.0.1, so the shipped 20
 *   would lock the whole campaign out after its first wrong passwords (per name stays as shipped).
 */
export const FUZZ_ENVIRONMENT: Readonly<Record<string, string>> = {
  SWITCHBOARD_SCRYPT_COST: '1024',
  SWITCHBOARD_THROTTLE_MAX_FAILURES_PER_ADDRESS: '1000000000',
};

export interface FuzzedGateway {
  readonly pid: number;
  readonly ports: Readonly<Record<string, number>>;
  readonly logFile: string;
  /** Null while it runs; how it ended once it exited (a crash, unless {@link stop} asked for it). */
  exit(): { code: number | null; signal: NodeJS.Signals | null } | null;
  rss(): number;
  /** Runs a full garbage collection in the gateway (through its inspector), so RSS and heap show what is alive. */
  collectGarbage(): Promise<void>;
  /** V8 heap in use and memory outside it (buffers), from the admin server's /metrics. */
  heap(): Promise<{ heapUsed: number; external: number }>;
  /** The gateway's own event-loop delay since it started (p99 and max, ms), from /metrics. */
  loopDelay(): Promise<{ p99: number; max: number }>;
  stop(): Promise<void>;
}

export async function startFuzzedGateway(dir: string): Promise<FuzzedGateway> {
  mkdirSync(dir, { recursive: true });
  const logFile = join(dir, 'gateway.log');
  const log = openSync(logFile, 'w');
  const child: ChildProcess = spawn(
    process.execPath,
    [
      // The inspector on a free loopback port lets the campaign force a full GC before it reads memory.
      '--inspect=127.0.0.1:0',
      BIN,
      'serve',
      '--host=127.0.0.1',
      // Every registered adapter on a free port, so a new one is bound (and reported as not fuzzed) without an edit here.
      '--ports=0',
      '--admin-port=0',
      `--data-dir=${join(dir, 'data')}`,
    ],
    { stdio: ['ignore', log, log], env: { ...process.env, ...FUZZ_ENVIRONMENT } },
  );
  closeSync(log);
  let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve();
    }),
  );
  const deadline = Date.now() + 20_000;
  let ports: Record<string, number> | null = null;
  while (ports === null) {
    if (exit !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`switchboard did not start: ${tail(logFile)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    ports = readyPorts(logFile);
  }
  return {
    pid: child.pid!,
    ports,
    logFile,
    exit: () => exit,
    rss: () => (exit === null ? residentBytes(child.pid!) : Number.NaN),
    heap: () => heapMetrics(ports.admin!),
    loopDelay: () => loopDelay(ports.admin!),
    collectGarbage: () => collectGarbage(logFile),
    stop: async () => {
      if (exit !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 8_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The last lines of the gateway's log (what it said before a crash). */
export function tail(logFile: string, lines = 8): string {
  try {
    return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

function readyPorts(logFile: string): Record<string, number> | null {
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.includes('switchboard ready')) continue;
    try {
      const record = JSON.parse(line) as { ports?: Record<string, number> };
      if (record.ports) return record.ports;
    } catch {
      // a partial line: read again next time
    }
  }
  return null;
}

async function heapMetrics(adminPort: number): Promise<{ heapUsed: number; external: number }> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
    const read = (name: string) =>
      Number(new RegExp(`^switchboard_process_${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
    return { heapUsed: read('heap_used_bytes'), external: read('external_memory_bytes') };
  } catch {
    return { heapUsed: Number.NaN, external: Number.NaN };
  }
}

/** `HeapProfiler.collectGarbage` over the inspector protocol, twice (the second pass frees what the first one finalized). */
async function collectGarbage(logFile: string): Promise<void> {
  const url = /Debugger listening on (ws:\/\/\S+)/.exec(readFileSync(logFile, 'utf8'))?.[1];
  if (!url) throw new Error('the gateway has no inspector to collect garbage with');
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  for (const id of [1, 2]) {
    socket.send(JSON.stringify({ id, method: 'HeapProfiler.collectGarbage' }));
    await new Promise<void>((resolve) => {
      const onMessage = (data: Buffer) => {
        if ((JSON.parse(data.toString()) as { id?: number }).id === id) {
          socket.off('message', onMessage);
          resolve();
        }
      };
      socket.on('message', onMessage);
    });
  }
  socket.close();
}

async function loopDelay(adminPort: number): Promise<{ p99: number; max: number }> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
    const read = (quantile: string) =>
      Number(
        new RegExp(
          `^switchboard_process_event_loop_delay_seconds\\{quantile="${quantile}"\\} (\\S+)$`,
          'm',
        ).exec(text)?.[1] ?? Number.NaN,
      ) * 1000;
    return { p99: read('0.99'), max: read('1') };
  } catch {
    return { p99: Number.NaN, max: Number.NaN };
  }
}

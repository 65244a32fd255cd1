import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pinnedCommand, residentBytes } from './process-stats.ts';
import type { ServerUnderTest } from './server.ts';

const BIN = fileURLToPath(new URL('../../../apps/gateway/bin/switchboard.js', import.meta.url));

/**
 * Settings the benchmark changes from the defaults, and why. Everything else is as shipped.
 * - message rate per connection: the default 1 000/s would cap a saturation run at the policy,
 *   not the router (the baselines have no such limit);
 * - scrypt cost: only account set-up (sign-up/login before a run) pays it, and set-up is not measured;
 * - json-ws idle timeout: benchmark receivers stay silent for minutes (a real client pings every minute).
 */
export const BENCH_ENVIRONMENT: Readonly<Record<string, string>> = {
  SWITCHBOARD_LIMITS_MESSAGES_PER_SECOND: '1000000',
  SWITCHBOARD_LIMITS_MESSAGE_BURST: '2000000',
  SWITCHBOARD_SCRYPT_COST: '1024',
  SWITCHBOARD_JSON_WS_IDLE_TIMEOUT_MS: '1800000',
};

export interface GatewayOptions {
  /** Directory for the data dir and the log file. */
  dir: string;
  core: number | null;
  redis?: string;
  /** Write a V8 CPU profile here when the process exits. */
  cpuProfileDir?: string;
  label?: string;
}

/** Starts `switchboard serve` on free ports (its log goes to a file, so reading it costs the harness nothing). */
export async function startGateway(options: GatewayOptions): Promise<ServerUnderTest> {
  mkdirSync(options.dir, { recursive: true });
  const logFile = join(options.dir, 'gateway.log');
  const log = openSync(logFile, 'w');
  const nodeArgs = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
  const [command, args] = pinnedCommand(options.core, process.execPath, [
    ...nodeArgs,
    BIN,
    'serve',
    '--host=127.0.0.1',
    '--ports=0',
    '--admin-port=0',
    `--data-dir=${join(options.dir, 'data')}`,
    '--log-level=info',
    ...(options.redis ? [`--redis=${options.redis}`] : []),
  ]);
  const child = spawn(command, args, {
    stdio: ['ignore', log, log],
    env: { ...process.env, ...BENCH_ENVIRONMENT },
  });
  closeSync(log);
  const exited = once(child, 'exit');
  let ports: Record<string, number> | null = null;
  const deadline = Date.now() + 20_000;
  while (ports === null) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      const tail = readFileSync(logFile, 'utf8').split('\n').slice(-5).join('\n');
      throw new Error(`switchboard did not start (exit ${child.exitCode}): ${tail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    ports = readyPorts(logFile);
  }
  const admin = ports.admin!;
  return {
    label: options.label ?? 'switchboard',
    pids: [child.pid!],
    ports,
    memory: async () => ({ rss: residentBytes(child.pid!), heapUsed: await heapUsed(admin) }),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 8_000);
      await exited;
      clearTimeout(timer);
    },
  };
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

/** V8 heap used, from the admin server's Prometheus metrics. */
async function heapUsed(adminPort: number): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${adminPort}/metrics`);
  const text = await response.text();
  const match = /^switchboard_process_heap_used_bytes (\S+)$/m.exec(text);
  return match ? Number(match[1]) : Number.NaN;
}

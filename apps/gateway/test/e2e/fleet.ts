/**
 * Gateway processes for the end-to-end tests: started with short cluster timers and cheap
 * password hashing, watched for crashes, and driven through the admin API and the `user` CLI.
 */
import { spawn } from 'node:child_process';
import { expect } from 'vitest';
import {
  BIN,
  FREE_PORTS,
  type GatewayProcess,
  startGatewayProcess,
  stopGatewayProcess,
} from '../gateway-process.ts';

/** Timers short enough for a test, long enough for a loaded 2-core machine. */
export const FAST_ENV: NodeJS.ProcessEnv = {
  SWITCHBOARD_SCRYPT_COST: '1024',
  SWITCHBOARD_CLUSTER_HEARTBEAT_MS: '200',
  SWITCHBOARD_CLUSTER_NODE_TTL_MS: '1500',
  SWITCHBOARD_LOG_LEVEL: 'info',
};

export interface Gateway extends GatewayProcess {
  readonly label: string;
  port(adapter: 'json-ws' | 'tcp-rooms' | 'sessions' | 'rs-us' | 'soh' | 'admin'): number;
}

/** Every gateway a test file started, so `stopAll` can clean up whatever a failure left. */
const started: Gateway[] = [];

export async function startGateway(
  label: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<Gateway> {
  const child = await startGatewayProcess(['serve', ...FREE_PORTS, ...args], { ...FAST_ENV, ...env });
  const gateway: Gateway = {
    ...child,
    label,
    port: (adapter) => {
      const port = child.ports[adapter];
      if (port === undefined) throw new Error(`${label} has no ${adapter} port`);
      return port;
    },
  };
  started.push(gateway);
  return gateway;
}

export function isRunning(gateway: GatewayProcess): boolean {
  return gateway.child.exitCode === null && gateway.child.signalCode === null;
}

/** Fails naming every gateway that is no longer running (a crash) and what it last logged. */
export function expectAllRunning(gateways: readonly Gateway[]): void {
  const dead = gateways.filter((gateway) => !isRunning(gateway));
  const describe = dead.map(
    (gateway) =>
      `${gateway.label} exited (code ${gateway.child.exitCode}, signal ${gateway.child.signalCode}):\n` +
      gateway.lines.slice(-5).join('\n'),
  );
  expect(describe).toEqual([]);
}

/** Log lines that betray a swallowed failure. */
export function troubleLines(gateway: Gateway): string[] {
  return gateway.lines.filter((line) => /unhandled rejection|uncaught/i.test(line));
}

/** SIGTERM: resolves with the exit code and how long the exit took. */
export async function terminate(gateway: Gateway): Promise<{ code: number | null; ms: number }> {
  const before = performance.now();
  const { code } = await stopGatewayProcess(gateway, 'SIGTERM');
  return { code, ms: Math.round(performance.now() - before) };
}

export async function killAll(): Promise<void> {
  await Promise.all(started.splice(0).map((gateway) => stopGatewayProcess(gateway, 'SIGKILL')));
}

/** Polls until `check` stops throwing; rethrows its last failure after `timeoutMs`. */
export async function eventually<T>(
  check: () => T | Promise<T>,
  timeoutMs = 5_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(everyMs);
    }
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---- admin API ------------------------------------------------------------------------------

export function adminUrl(gateway: Gateway): string {
  return `http://127.0.0.1:${gateway.port('admin')}`;
}

export async function addAccount(gateway: Gateway, name: string, password: string): Promise<void> {
  const response = await fetch(`${adminUrl(gateway)}/admin/accounts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, password }),
  });
  if (response.status !== 201) throw new Error(`adding ${name}: HTTP ${response.status}`);
}

export async function presence(gateway: Gateway): Promise<string[]> {
  const response = await fetch(`${adminUrl(gateway)}/admin/presence`);
  return ((await response.json()) as { active: string[] }).active;
}

// ---- the `switchboard user` CLI -------------------------------------------------------------

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `switchboard user ACTION [NAME]` against `gateway`'s admin API with `stdin` piped (not a
 * terminal: one line is the password). The fallback store is a path that cannot exist, so a
 * gateway that does not answer fails the command instead of silently editing some ./data.
 */
export function userCli(gateway: Gateway, args: string[], stdin = ''): Promise<CliResult> {
  const options = ['--admin-url', adminUrl(gateway), '--data-dir', '/nonexistent/switchboard-e2e'];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'user', ...args, ...options], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, SWITCHBOARD_REDIS: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data) => {
      stdout += data;
    });
    child.stderr.on('data', (data) => {
      stderr += data;
    });
    child.stdin.end(stdin);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

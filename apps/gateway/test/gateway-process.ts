import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'switchboard.js');

export interface GatewayProcess {
  child: ChildProcess;
  ports: Record<string, number>;
  /** Every stdout line so far (JSON log lines). */
  lines: string[];
  /** Milliseconds from spawn to the ready line. */
  readyAfterMs: number;
  /** Resolves with the exit code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function tempDir(prefix = 'switchboard-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Every port on a free one, so tests never collide with each other or a running gateway. */
export const FREE_PORTS = ['--ports=0', '--admin-port=0', '--host=127.0.0.1'];

/** Runs `switchboard ARGS` and resolves once its ready line names the bound ports. */
export function startGatewayProcess(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  cwd?: string,
): Promise<GatewayProcess> {
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...env },
    ...(cwd !== undefined && { cwd }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        lines.push(line);
        try {
          const record = JSON.parse(line) as { msg?: string; ports?: Record<string, number> };
          if (record.msg?.startsWith('switchboard ready') && record.ports) {
            resolve({ child, ports: record.ports, lines, readyAfterMs: performance.now() - started, exited });
          }
        } catch {
          // not a JSON line: kept in `lines` for the test to look at
        }
        newline = buffered.indexOf('\n');
      }
    });
    exited.then(({ code }) =>
      reject(new Error(`gateway exited with ${code} before it was ready: ${stderr}${lines.join('\n')}`)),
    );
  });
}

export async function stopGatewayProcess(gateway: GatewayProcess, signal: NodeJS.Signals = 'SIGTERM') {
  if (gateway.child.exitCode !== null || gateway.child.signalCode !== null) return gateway.exited;
  gateway.child.kill(signal);
  return gateway.exited;
}

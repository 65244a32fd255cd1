import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, totalmem } from 'node:os';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  kernel: string;
  openFilesLimit: string;
  versions: Record<string, string>;
}

const require = createRequire(import.meta.url);

function packageVersion(name: string): string {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function shell(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/** The machine a run measured, as the report states it. */
export function describeMachine(): Machine {
  const model =
    /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model;
  return {
    cpu: model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: totalmem() / 2 ** 30,
    node: process.version,
    kernel: shell('uname', ['-r']),
    openFilesLimit: shell('bash', ['-c', 'echo "soft $(ulimit -Sn), hard $(ulimit -Hn)"']),
    versions: {
      ws: packageVersion('ws'),
      'socket.io': packageVersion('socket.io'),
      'socket.io-client': packageVersion('socket.io-client'),
      '@socket.io/redis-adapter': packageVersion('@socket.io/redis-adapter'),
      ioredis: packageVersion('ioredis'),
      'redis-server': shell('redis-server', ['--version']).replace(/^Redis server /, ''),
    },
  };
}

/** How many connections one process can hold: its open-files limit, less headroom for everything else. */
export function connectionsPerProcess(): number {
  const soft = Number(shell('bash', ['-c', 'ulimit -Sn']));
  return Number.isFinite(soft) ? Math.max(100, soft - 500) : 10_000;
}

import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { pinnedCommand } from './process-stats.ts';

export interface PrivateRedis {
  url: string;
  pid: number;
  /** Commands the server has run so far (INFO commandstats), the INFO calls that asked left out. */
  commandCalls(): Promise<number>;
  stop(): Promise<void>;
}

/** A throwaway redis-server on a free port: no persistence, loopback only. */
export async function startRedis(core: number | null): Promise<PrivateRedis> {
  const port = await freePort();
  const [command, args] = pinnedCommand(core, 'redis-server', [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
  ]);
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) =>
      reject(new Error(`redis-server exited with ${code}: ${output.slice(-300)}`)),
    );
  });
  child.stdout!.resume();
  return {
    url: `redis://127.0.0.1:${port}`,
    // taskset execs redis-server: the child's pid is the server's.
    pid: child.pid!,
    commandCalls: () => commandCalls(port),
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
  };
}

function commandCalls(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile('redis-cli', ['-p', String(port), 'INFO', 'commandstats'], (error, stdout) => {
      if (error) return reject(error);
      let total = 0;
      for (const match of stdout.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
        if (match[1] !== 'info') total += Number(match[2]);
      resolve(total);
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

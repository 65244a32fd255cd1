import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { BaselineMemory, BaselineReady } from '../baselines/baseline-process.ts';
import { pinnedCommand, residentBytes } from './process-stats.ts';
import type { ServerUnderTest } from './server.ts';

export type BaselineKind = 'ws-relay' | 'soh-relay' | 'socket-io-relay';

const FILES: Record<BaselineKind, { file: string; label: string; protocol: string }> = {
  'ws-relay': { file: 'ws-relay.ts', label: 'raw ws', protocol: 'json-ws' },
  'soh-relay': { file: 'soh-relay.ts', label: 'raw net', protocol: 'soh' },
  'socket-io-relay': { file: 'socket-io-relay.ts', label: 'Socket.IO', protocol: 'socket.io' },
};

/** Starts one baseline process (pinned to `core`) and waits until it listens. */
export async function startBaseline(
  kind: BaselineKind,
  options: { core: number | null; redis?: string; label?: string },
): Promise<ServerUnderTest> {
  const { file, label, protocol } = FILES[kind];
  const path = fileURLToPath(new URL(`../baselines/${file}`, import.meta.url));
  const [command, args] = pinnedCommand(options.core, process.execPath, [
    path,
    ...(options.redis ? ['--redis', options.redis] : []),
  ]);
  const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await readyPort(child, kind);
  let nextId = 1;
  return {
    label: options.label ?? label,
    pids: [child.pid!],
    ports: { [protocol]: port },
    memory: async () => {
      const id = nextId++;
      const reply = new Promise<BaselineMemory>((resolve) => {
        const listener = (message: BaselineMemory & { id?: number }) => {
          if (message.id !== id) return;
          child.off('message', listener);
          resolve(message);
        };
        child.on('message', listener);
      });
      child.send({ op: 'memory', id });
      const { heapUsed } = await reply;
      return { rss: residentBytes(child.pid!), heapUsed };
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
  };
}

function readyPort(child: ChildProcess, kind: string): Promise<number> {
  return new Promise((resolve, reject) => {
    child.once('message', (message: BaselineReady) => resolve(message.port));
    child.once('exit', (code) => reject(new Error(`${kind} exited with ${code} before it listened`)));
  });
}

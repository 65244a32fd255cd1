// Process plumbing shared by the CI checks: free ports, a gateway started until its ready line,
// waiting for a listener, and stopping children so nothing outlives a check.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { connect, createServer } from 'node:net';

export const GATEWAY_READY = 'switchboard ready';

/** Every adapter and the admin server on a free loopback port, so checks never collide. */
export const FREE_PORT_FLAGS = ['--host=127.0.0.1', '--ports=0', '--admin-port=0'];

/** `count` distinct free TCP ports on 127.0.0.1 (held together while chosen, so all differ). */
export async function freePorts(count) {
  const servers = [];
  try {
    for (let i = 0; i < count; i += 1) {
      const server = createServer();
      servers.push(server);
      await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
    }
    return servers.map((server) => server.address().port);
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

/** Tracks every child a check starts; `stopAll` ends them (SIGTERM, then SIGKILL). */
export class Children {
  #children = [];

  /** Spawns `command args`, its output appended to `logFile`. */
  spawn(command, args, { logFile, ...options } = {}) {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    if (logFile) {
      const log = createWriteStream(logFile, { flags: 'a' });
      child.stdout.pipe(log, { end: false });
      child.stderr.pipe(log, { end: false });
      exited.then(() => setTimeout(() => log.end(), 50));
    }
    const entry = { child, exited, name: `${command} ${args.slice(0, 2).join(' ')}` };
    this.#children.push(entry);
    return entry;
  }

  /** Every child started so far, in order. */
  get list() {
    return [...this.#children];
  }

  async stopAll(graceMs = 5_000) {
    await Promise.all(this.#children.map((entry) => stop(entry, 'SIGTERM', graceMs)));
  }
}

/** Sends `signal`, waits up to `graceMs`, then SIGKILLs; resolves with the exit. */
export async function stop(entry, signal = 'SIGTERM', graceMs = 5_000) {
  const { child, exited } = entry;
  if (child.exitCode === null && child.signalCode === null) {
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const result = await exited;
    clearTimeout(timer);
    return result;
  }
  return exited;
}

/**
 * Resolves with the gateway's ready record ({ ports, mode, ... }) once its JSON ready line is out;
 * rejects when it exits first or `timeoutMs` passes. Every stdout line is kept in `entry.lines`.
 */
export function waitForReadyLine(entry, timeoutMs = 20_000) {
  const lines = [];
  entry.lines = lines;
  let stderr = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no ready line within ${timeoutMs} ms:\n${lines.join('\n')}\n${stderr}`)),
      timeoutMs,
    );
    let buffered = '';
    entry.child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    entry.child.stdout.on('data', (chunk) => {
      buffered += chunk;
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        lines.push(line);
        try {
          const record = JSON.parse(line);
          if (typeof record.msg === 'string' && record.msg.startsWith(GATEWAY_READY) && record.ports) {
            clearTimeout(timer);
            resolve(record);
          }
        } catch {
          // not JSON: kept in `lines` for the error message
        }
        newline = buffered.indexOf('\n');
      }
    });
    entry.exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code ?? signal}) before it was ready:\n${lines.join('\n')}\n${stderr}`));
    });
  });
}

/** Resolves once 127.0.0.1:port accepts a connection; rejects after `timeoutMs`. */
export async function waitForPort(port, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Runs `body`, and runs `cleanup` afterwards also on SIGINT/SIGTERM, so no child is left behind. */
export async function withCleanup(cleanup, body) {
  let cleaning = null;
  const clean = () => {
    cleaning ??= Promise.resolve()
      .then(cleanup)
      .catch((error) => process.stderr.write(`cleanup: ${error.message}\n`));
    return cleaning;
  };
  const onSignal = (signal) => {
    process.stderr.write(`${signal}: cleaning up\n`);
    clean().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await body();
  } finally {
    await clean();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

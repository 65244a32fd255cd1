import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import type { Logger } from '../ports/logger.ts';
import { type EdgeOptions, EdgeRuntime } from './edge.ts';
import type { TcpListener } from './tcp-listener.ts';

/** A logger that keeps what it was told, to check warnings. */
export class RecordingLogger implements Logger {
  readonly lines: Array<{ level: string; msg: string | undefined; obj: object }> = [];
  debug(obj: object, msg?: string) {
    this.lines.push({ level: 'debug', msg, obj });
  }
  info(obj: object, msg?: string) {
    this.lines.push({ level: 'info', msg, obj });
  }
  warn(obj: object, msg?: string) {
    this.lines.push({ level: 'warn', msg, obj });
  }
  error(obj: object, msg?: string) {
    this.lines.push({ level: 'error', msg, obj });
  }
  child(): Logger {
    return this;
  }
}

export interface EchoServer {
  runtime: EdgeRuntime;
  listener: TcpListener;
  /** Client addresses in the order their connections reached the protocol. */
  clients: string[];
  logger: RecordingLogger;
  close(): Promise<void>;
}

/**
 * A protocol stand-in: says `hello ADDRESS\n` on connect (a server that speaks first, like
 * tcp-rooms) and echoes every byte back.
 */
export async function startEchoServer(options: EdgeOptions = {}): Promise<EchoServer> {
  const logger = new RecordingLogger();
  const runtime = new EdgeRuntime({ logger, ...options });
  const clients: string[] = [];
  const sockets = new Set<Socket>();
  const listener = await runtime.forAdapter().listenTcp({ host: '127.0.0.1', port: 0 }, (socket, address) => {
    clients.push(address);
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
    socket.write(`hello ${address}\n`);
    socket.on('data', (chunk: Buffer) => socket.write(chunk));
  });
  return {
    runtime,
    listener,
    clients,
    logger,
    async close() {
      const closed = listener.close();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** Everything a socket receives until it closes (or `ms` pass). */
export async function readAll(socket: Socket, ms = 3_000): Promise<string> {
  let text = '';
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('latin1');
  });
  const timer = setTimeout(() => socket.destroy(), ms);
  await once(socket, 'close');
  clearTimeout(timer);
  return text;
}

/** Waits until `socket` has received `expected` (as text), returns all it received. */
export function receive(socket: Socket, expected: string, ms = 3_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(
      () => reject(new Error(`no ${JSON.stringify(expected)} in ${JSON.stringify(text)}`)),
      ms,
    );
    const onData = (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (!text.includes(expected)) return;
      clearTimeout(timer);
      socket.off('data', onData);
      resolve(text);
    };
    socket.on('data', onData);
  });
}

export async function dial(port: number, localAddress?: string): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port, ...(localAddress && { localAddress }) });
  socket.on('error', () => {});
  await once(socket, 'connect');
  return socket;
}

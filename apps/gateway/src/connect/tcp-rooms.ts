import { type ClientTls, openClientSocket } from './transport.ts';

export interface TcpRoomsClientOptions {
  host: string;
  port: number;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  errors: NodeJS.WritableStream;
  /** Connect over TLS (`--tls`). */
  tls?: ClientTls | undefined;
  /** How long to wait for the server to close after the input ends. */
  graceMs?: number;
}

const NEWLINE = 0x0a;

/**
 * `switchboard connect tcp-rooms HOST PORT`, the seed's client.py: everything the server sends
 * is printed as it arrives, every input line is sent as typed. The protocol is plain lines both
 * ways, so bytes pass through untouched. Resolves 0 when the server closes or the input ends
 * (after a half-close, once the server has answered and closed, at most `graceMs` later), 1 on
 * a connection error.
 */
export function connectTcpRooms(options: TcpRoomsClientOptions): Promise<number> {
  const { input, output, errors } = options;
  const target = `${options.host}:${options.port}`;
  const graceMs = options.graceMs ?? 2_000;
  return new Promise((resolve) => {
    const socket = openClientSocket(options.host, options.port, options.tls);
    let connected = false;
    let lastByte = NEWLINE;
    let graceTimer: NodeJS.Timeout | undefined;
    let done = false;

    const onInput = (chunk: Buffer | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (bytes.length === 0 || !socket.writable) return;
      lastByte = bytes[bytes.length - 1]!;
      // Backpressure: read the input no faster than the server takes it.
      if (!socket.write(bytes)) input.pause();
    };
    const onInputEnd = () => {
      if (done) return;
      // A last line without its newline is still a line the user typed.
      if (lastByte !== NEWLINE && socket.writable) socket.write('\n');
      // Half-close: the server answers what was sent, then closes its side.
      socket.end();
      graceTimer = setTimeout(() => finish(0), graceMs);
    };
    const finish = (code: number) => {
      if (done) return;
      done = true;
      clearTimeout(graceTimer);
      input.off('data', onInput);
      input.off('end', onInputEnd);
      input.pause();
      socket.destroy();
      resolve(code);
    };

    socket.setNoDelay(true);
    socket.on('connect', () => {
      connected = true;
      input.on('data', onInput);
      input.on('end', onInputEnd);
      input.resume();
    });
    socket.on('drain', () => input.resume());
    socket.on('data', (chunk: Buffer) => output.write(chunk));
    socket.on('error', (error) => {
      const problem = connected ? 'connection lost' : `cannot connect to ${target}`;
      errors.write(`tcp-rooms: ${problem}: ${error.message}\n`);
      finish(1);
    });
    socket.on('close', () => finish(0));
  });
}

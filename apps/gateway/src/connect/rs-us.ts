import { createInterface } from 'node:readline';
import { encodeRsUs, RsUsDecoder } from '@switchboard/adapter-rs-us';
import { type ClientTls, openClientSocket } from './transport.ts';

export interface RsUsClientOptions {
  host: string;
  port: number;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  errors: NodeJS.WritableStream;
  /** Connect over TLS (`--tls`). */
  tls?: ClientTls | undefined;
  /** How long to wait for replies after the input ends. */
  graceMs?: number;
}

/** Generous: the client prints whatever the server sends, so it must not cut a long `who_ack`. */
const MAX_SERVER_MESSAGE_BYTES = 16 * 1024 * 1024;

/**
 * `switchboard connect rs-us HOST PORT`: each input line is a command, its words separated by
 * spaces (`send NAME TEXT` and `broadcast TEXT` keep the rest of the line as TEXT); each server
 * message is printed with its parts joined by spaces, events as `[HH:MM:SS] TEXT`.
 * Resolves 0 when the server closes or the input ends, 1 on a connection error.
 */
export function connectRsUs(options: RsUsClientOptions): Promise<number> {
  const { output, errors } = options;
  const graceMs = options.graceMs ?? 1_000;
  return new Promise((resolve) => {
    const socket = openClientSocket(options.host, options.port, options.tls);
    const decoder = new RsUsDecoder(MAX_SERVER_MESSAGE_BYTES);
    const lines = createInterface({ input: options.input, crlfDelay: Number.POSITIVE_INFINITY });
    let graceTimer: NodeJS.Timeout | undefined;
    let exitCode = 0;
    let done = false;

    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(graceTimer);
      lines.close();
      socket.destroy();
      resolve(exitCode);
    };

    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        if (frame.kind === 'error') {
          errors.write(`rs-us: unreadable message from the server (${frame.error})\n`);
          exitCode = 1;
          finish();
          return;
        }
        output.write(`${render(frame.parts)}\n`);
      }
    });
    socket.on('error', (error) => {
      errors.write(`rs-us: ${error.message}\n`);
      exitCode = 1;
      finish();
    });
    socket.on('close', finish);

    lines.on('line', (line) => {
      const parts = parseLine(line);
      if (parts && socket.writable) socket.write(encodeRsUs(parts, false));
    });
    lines.on('close', () => {
      if (!done) graceTimer = setTimeout(finish, graceMs);
    });
  });
}

/** A typed line as message parts, or null for a blank line. Delimiters typed in are dropped. */
export function parseLine(line: string): string[] | null {
  const clean = line.replace(/[\u001e\u001f\r]/g, '').trimStart();
  if (clean.trim() === '') return null;
  const [command = ''] = clean.split(' ', 1);
  const rest = clean.slice(command.length + 1);
  if (command === 'broadcast' && clean.length > command.length) return [command, rest];
  if (command === 'send') {
    const space = rest.indexOf(' ');
    if (space !== -1) return [command, rest.slice(0, space), rest.slice(space + 1)];
  }
  return clean.trimEnd().split(/ +/);
}

/** One server message as a terminal line. */
export function render(parts: readonly string[]): string {
  if (parts[0] === 'event' && parts.length === 3) {
    const time = new Date(Number(parts[1]));
    return Number.isNaN(time.getTime()) ? parts.join(' ') : `[${clock(time)}] ${parts[2]}`;
  }
  return parts.join(' ');
}

function clock(time: Date): string {
  const two = (value: number) => String(value).padStart(2, '0');
  return `${two(time.getHours())}:${two(time.getMinutes())}:${two(time.getSeconds())}`;
}

import { createInterface } from 'node:readline';
import { encodeSohFields, SohFieldDecoder } from '@switchboard/adapter-soh';
import { type ClientTls, openClientSocket } from './transport.ts';

export interface SohClientOptions {
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

/** Generous: the client prints whatever the server delivers. */
const MAX_SERVER_FIELD_BYTES = 16 * 1024 * 1024;
const SEPARATOR = ': ';
const NEWLINE = Buffer.from('\n');
const COLON = Buffer.from(SEPARATOR);

/**
 * `switchboard connect soh HOST PORT`: the first input line is the name, then each line
 * `RECIPIENT: TEXT` is sent as `RECIPIENT 0x01 TEXT 0x01`; each delivery is printed as
 * `SENDER: TEXT`, its bytes as they came. Resolves 0 when the server closes or the input ends
 * (after the server has closed, so the last messages go out), 1 on a connection error.
 */
export function connectSoh(options: SohClientOptions): Promise<number> {
  const { output, errors } = options;
  const graceMs = options.graceMs ?? 1_000;
  return new Promise((resolve) => {
    const socket = openClientSocket(options.host, options.port, options.tls);
    const decoder = new SohFieldDecoder(MAX_SERVER_FIELD_BYTES);
    const lines = createInterface({ input: options.input, crlfDelay: Number.POSITIVE_INFINITY });
    let sender: Buffer | null = null;
    let named = false;
    let inputEnded = false;
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

    errors.write('Your name: ');
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      for (const field of decoder.push(chunk)) {
        if (sender === null) {
          sender = field;
        } else {
          output.write(Buffer.concat([sender, COLON, field, NEWLINE]));
          sender = null;
        }
      }
      if (decoder.failed) {
        errors.write('soh: a delivery from the server is too large\n');
        exitCode = 1;
        finish();
      }
    });
    socket.on('error', (error) => {
      errors.write(`soh: ${error.message}\n`);
      exitCode = 1;
      finish();
    });
    socket.on('close', () => {
      // SOH gives no reason; an empty, registered or too long name ends here too.
      if (!done && !inputEnded) errors.write('soh: the server closed the connection\n');
      finish();
    });

    lines.on('line', (line) => {
      if (!socket.writable) return;
      if (!named) {
        named = true;
        socket.write(encodeSohFields([Buffer.from(line)]));
        return;
      }
      const colon = line.indexOf(SEPARATOR);
      if (colon === -1) {
        errors.write('usage: RECIPIENT: TEXT\n');
        return;
      }
      const recipient = Buffer.from(line.slice(0, colon));
      socket.write(encodeSohFields([recipient, Buffer.from(line.slice(colon + SEPARATOR.length))]));
    });
    lines.on('close', () => {
      inputEnded = true;
      if (done) return;
      // Half-close: the server still reads what was sent, then closes its side.
      socket.end();
      graceTimer = setTimeout(finish, graceMs);
    });
  });
}

import { connect, type Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';

interface Waiter {
  resolve(line: string): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** A real TCP client for tests: reads the server's lines, one at a time, with timeouts. */
export class LineClient {
  readonly socket: Socket;
  /** Every byte received, for exact-byte assertions. */
  readonly received: Buffer[] = [];
  readonly closed: Promise<void>;
  readonly #decoder = new StringDecoder('utf8');
  readonly #lines: string[] = [];
  readonly #waiters: Waiter[] = [];
  #partial = '';
  #isClosed = false;
  #discarding = false;
  /** Bytes received since {@link LineClient.discard} (counted, not kept). */
  discardedBytes = 0;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.#isClosed = true;
        for (const waiter of this.#waiters.splice(0)) {
          clearTimeout(waiter.timer);
          waiter.reject(
            new Error(
              `connection closed while waiting for a line (partial: ${JSON.stringify(this.#partial)})`,
            ),
          );
        }
        resolve();
      }),
    );
  }

  static open(port: number, host = '127.0.0.1'): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new LineClient(socket));
      });
    });
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  /** The next line from the server, without its `\n`. */
  nextLine(timeoutMs = 3_000): Promise<string> {
    const line = this.#lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.#isClosed) return Promise.reject(new Error('connection closed'));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
          reject(new Error(`no line within ${timeoutMs} ms (partial: ${JSON.stringify(this.#partial)})`));
        }, timeoutMs),
      };
      this.#waiters.push(waiter);
    });
  }

  /** The next `count` lines. */
  async nextLines(count: number, timeoutMs = 3_000): Promise<string[]> {
    const lines: string[] = [];
    for (let i = 0; i < count; i++) lines.push(await this.nextLine(timeoutMs));
    return lines;
  }

  /** Lines received and not yet read. */
  get unread(): readonly string[] {
    return this.#lines;
  }

  send(line: string): void {
    this.socket.write(`${line}\n`);
  }

  write(data: string | Uint8Array): void {
    this.socket.write(data);
  }

  /** Half-closes (EOF to the server) and waits for the server to close. */
  async end(): Promise<void> {
    this.socket.end();
    await this.closed;
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** From now on only counts what arrives: for floods that would fill memory. */
  discard(): void {
    this.#discarding = true;
  }

  #onData(chunk: Buffer): void {
    if (this.#discarding) {
      this.discardedBytes += chunk.length;
      return;
    }
    this.received.push(chunk);
    const text = this.#partial + this.#decoder.write(chunk);
    const parts = text.split('\n');
    this.#partial = parts.pop() ?? '';
    for (const line of parts) {
      const waiter = this.#waiters.shift();
      if (waiter) {
        clearTimeout(waiter.timer);
        waiter.resolve(line);
      } else {
        this.#lines.push(line);
      }
    }
  }
}

import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import type { Pacer } from '../pacer.ts';
import type { Tally } from '../tally.ts';

/**
 * One hostile TCP connection. Writes wait for the socket to drain (the gateway stops reading a
 * connection over its rate, so a client that ignored backpressure would only fill its own
 * memory), and inputs are counted in the write callback, once Node has handed them to the kernel:
 * what was still queued when the connection died was not sent and is not counted.
 */
export class HostileConnection {
  readonly socket: Socket;
  readonly #tally: Tally;
  readonly #protocol: string;
  readonly #pacer: Pacer | null;
  #closed = false;
  /** Everything received, when the episode asked to keep it (for handshakes and replies). */
  #received: Buffer[] = [];
  #keep = 0;
  #waiters: (() => void)[] = [];

  private constructor(socket: Socket, tally: Tally, protocol: string, pacer: Pacer | null) {
    this.socket = socket;
    this.#pacer = pacer;
    this.#tally = tally;
    this.#protocol = protocol;
    socket.on('error', () => {});
    socket.on('close', () => {
      this.#closed = true;
      this.#wake();
    });
    socket.on('drain', () => this.#wake());
    socket.on('data', (chunk: Buffer) => {
      if (this.#keep > 0) {
        this.#received.push(chunk);
        this.#keep -= chunk.length;
        this.#wake();
      }
    });
  }

  static async open(
    port: number,
    tally: Tally,
    protocol: string,
    pacer: Pacer | null = null,
  ): Promise<HostileConnection> {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.setNoDelay(true);
    await Promise.race([
      once(socket, 'connect'),
      once(socket, 'error').then(([error]) => Promise.reject(error)),
    ]);
    return new HostileConnection(socket, tally, protocol, pacer);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Writes `bytes` holding `inputs` inputs of `inputClass`; false once the connection is gone. */
  async send(bytes: Uint8Array, inputs: number, inputClass: string): Promise<boolean> {
    if (this.#pacer) await this.#pacer.take(inputs);
    if (this.#closed || this.socket.destroyed || this.socket.writableEnded) return false;
    const flushed = this.socket.write(bytes, (error) => {
      if (!error) this.#tally.add(this.#protocol, inputClass, inputs);
    });
    if (!flushed) await this.#drainOrClose();
    return !this.#closed;
  }

  /** Reads nothing from now on: the kernel's buffers fill and the gateway's queue for it grows. */
  stopReading(): void {
    this.socket.pause();
  }

  /** Keeps what arrives (up to `bytes`) so {@link waitFor} can look at it. */
  keep(bytes = 1 << 20): void {
    this.#keep = bytes;
  }

  received(): Buffer {
    return Buffer.concat(this.#received);
  }

  /** Waits until what was received holds `needle`, the connection closes, or `ms` pass. */
  waitFor(needle: string | Buffer, ms: number): Promise<boolean> {
    return this.#until(() => this.received().includes(needle), ms);
  }

  /** Waits until what was received (as UTF-8) matches `pattern`; the match, or null. */
  async waitForMatch(pattern: RegExp, ms: number): Promise<RegExpExecArray | null> {
    const match = () => pattern.exec(this.received().toString('utf8'));
    await this.#until(() => match() !== null, ms);
    return match();
  }

  /** Waits for the gateway to close the connection, up to `ms`; true when it did. */
  async waitClosed(ms: number): Promise<boolean> {
    await this.#until(() => false, ms);
    return this.#closed;
  }

  /** Sends FIN and keeps reading: a half-closed client. */
  halfClose(): void {
    if (!this.socket.destroyed) this.socket.end();
  }

  /** Hangs up at once (RST when there is unsent data). */
  hangUp(): void {
    this.socket.destroy();
  }

  async #drainOrClose(): Promise<void> {
    while (!this.#closed && this.socket.writableNeedDrain) await this.#nextEvent(60_000);
  }

  /** True as soon as `done()` holds; false when the connection closed first or `ms` passed. */
  async #until(done: () => boolean, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!done()) {
      if (this.#closed || Date.now() >= deadline) return false;
      await this.#nextEvent(deadline - Date.now());
    }
    return true;
  }

  /** Resolves on the next data, drain or close, or after `ms`. */
  #nextEvent(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}

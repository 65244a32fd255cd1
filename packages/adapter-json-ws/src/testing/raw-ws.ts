import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';

/**
 * A WebSocket client written by hand over a TCP socket, for what a well-behaved library will
 * not do: frames split at any byte, truncated frames, invalid UTF-8 in a text frame.
 */
export class RawWs {
  readonly socket: Socket;
  #buffer = Buffer.alloc(0);
  #waiter: (() => void) | null = null;
  ended = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      this.#waiter?.();
    });
    socket.on('close', () => {
      this.ended = true;
      this.#waiter?.();
    });
  }

  static async open(port: string | number, path = '/'): Promise<RawWs> {
    const socket = connect({ host: '127.0.0.1', port: Number(port) });
    await once(socket, 'connect');
    const raw = new RawWs(socket);
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    const head = await raw.#until(() => {
      const end = raw.#buffer.indexOf('\r\n\r\n');
      return end === -1 ? undefined : end;
    });
    const response = raw.#buffer.subarray(0, head).toString('latin1');
    raw.#buffer = raw.#buffer.subarray(head + 4);
    if (!response.startsWith('HTTP/1.1 101')) throw new Error(`upgrade refused: ${response}`);
    return raw;
  }

  /** Writes `bytes` in pieces cut at `cuts`, each piece its own TCP segment. */
  async writeSplit(bytes: Buffer, cuts: readonly number[]): Promise<void> {
    let from = 0;
    for (const cut of [...cuts, bytes.length]) {
      this.socket.write(bytes.subarray(from, cut));
      from = cut;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  /** The next server frame: its opcode and payload. */
  async nextFrame(): Promise<{ opcode: number; payload: Buffer }> {
    return this.#until(() => {
      const frame = parseServerFrame(this.#buffer);
      if (frame) this.#buffer = this.#buffer.subarray(frame.size);
      return frame ?? undefined;
    });
  }

  async nextJson(): Promise<unknown> {
    const frame = await this.nextFrame();
    if (frame.opcode !== 1) throw new Error(`expected a text frame, got opcode ${frame.opcode}`);
    return JSON.parse(frame.payload.toString('utf8'));
  }

  async #until<T>(take: () => T | undefined, timeoutMs = 2_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = take();
      if (value !== undefined) return value;
      if (this.ended) throw new Error('connection closed');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#waiter = null;
    }
  }
}

/** A masked client frame, as RFC 6455 requires of clients. */
export function clientFrame(payload: Buffer | string, opcode = 1, fin = true): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const mask = randomBytes(4);
  let header: Buffer;
  if (data.length < 126) {
    header = Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | data.length]);
  } else if (data.length < 65_536) {
    header = Buffer.alloc(4);
    header[0] = (fin ? 0x80 : 0) | opcode;
    header[1] = 0x80 | 126;
    header.writeUInt16BE(data.length, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = (fin ? 0x80 : 0) | opcode;
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(data.length), 2);
  }
  const masked = Buffer.alloc(data.length);
  for (let i = 0; i < data.length; i++) masked[i] = data[i]! ^ mask[i % 4]!;
  return Buffer.concat([header, mask, masked]);
}

function parseServerFrame(buffer: Buffer): { opcode: number; payload: Buffer; size: number } | null {
  if (buffer.length < 2) return null;
  const opcode = buffer[0]! & 0x0f;
  let length = buffer[1]! & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (buffer.length < 4) return null;
    length = buffer.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (buffer.length < 10) return null;
    length = Number(buffer.readBigUInt64BE(2));
    offset = 10;
  }
  if (buffer.length < offset + length) return null;
  return { opcode, payload: buffer.subarray(offset, offset + length), size: offset + length };
}

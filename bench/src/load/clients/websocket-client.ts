import { connect, type Socket } from 'node:net';
import { StampScanner } from '../../stamp.ts';
import type { Client, ClientEvents, ClientSpec } from './client.ts';
import { OutBuffer } from './out-buffer.ts';

/**
 * A WebSocket client on raw `net`, lean enough that one generator core can outrun a server:
 * frames go out masked with a zero key (valid per RFC 6455, so the payload is written as is),
 * and delivered text is scanned for stamps as it streams in, without assembling frames.
 * One class speaks three dialects over it: json-ws, sessions, and Socket.IO (Engine.IO v4 /
 * Socket.IO v5 text packets), so every WebSocket server is measured with the same client cost.
 */
type Dialect = 'json-ws' | 'sessions' | 'socket.io';

const OPCODE_CLOSE = 0x8;
const EMPTY = Buffer.alloc(0);
const OPCODE_PING = 0x9;

export class WebSocketClient implements Client {
  readonly ready: Promise<void>;
  readonly #socket: Socket;
  readonly #out: OutBuffer;
  readonly #dialect: Dialect;
  readonly #name: string;
  readonly #scanner: StampScanner;
  #identified = false;
  #upgraded = false;
  #handshake = '';
  // Frame parser state.
  #header = EMPTY;
  #opcode = 0;
  #remaining = 0;
  #collect: Buffer[] | null = null;
  #onFrame: (opcode: number, payload: string) => void = () => {};

  constructor(spec: ClientSpec, events: ClientEvents) {
    this.#dialect = spec.protocol as Dialect;
    this.#name = spec.name;
    this.#scanner = new StampScanner((micros) => events.onStamp(micros));
    this.#socket = connect({
      host: spec.host,
      port: spec.port,
      localAddress: spec.localAddress,
      noDelay: true,
    });
    this.#socket.setNoDelay(true);
    this.#out = new OutBuffer(this.#socket);
    const path =
      this.#dialect === 'sessions'
        ? `/?client_id=${encodeURIComponent(spec.name)}`
        : this.#dialect === 'socket.io'
          ? '/socket.io/?EIO=4&transport=websocket'
          : '/';
    this.ready = new Promise((resolve, reject) => {
      const identified = () => {
        this.#identified = true;
        resolve();
      };
      this.#onFrame = (opcode, payload) =>
        this.#handshakeFrame(spec.name, opcode, payload, identified, reject);
      this.#socket.on('connect', () => {
        this.#socket.write(
          `GET ${path} HTTP/1.1\r\nHost: ${spec.host}:${spec.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
        );
      });
      this.#socket.on('data', (chunk: Buffer) => this.#onData(chunk, reject));
      this.#socket.on('error', (error) => reject(error));
      this.#socket.on('close', () => {
        reject(new Error('closed during the handshake'));
        if (this.#identified) events.onLost('closed');
      });
    });
  }

  sendDirect(to: string, text: string): void {
    if (this.#dialect === 'socket.io')
      this.#sendText(`42["send_message",{"recievers":["${to}"],"text":"${text}"}]`);
    else this.#sendText(`{"type":"send_message","data":{"recievers":["${to}"],"text":"${text}"}}`);
  }

  sendBroadcast(text: string): void {
    if (this.#dialect === 'socket.io') this.#sendText(`42["send_message",{"text":"${text}"}]`);
    else this.#sendText(`{"type":"send_message","data":{"text":"${text}"}}`);
  }

  close(): void {
    this.#socket.destroy();
  }

  #handshakeFrame(
    name: string,
    opcode: number,
    payload: string,
    identified: () => void,
    fail: (error: Error) => void,
  ): void {
    if (opcode === OPCODE_CLOSE) {
      fail(new Error('closed by the server during the handshake'));
    } else if (this.#dialect === 'sessions') {
      identified(); // the first frame is the session id
    } else if (this.#dialect === 'json-ws') {
      if (payload.startsWith('{"type":"chat_status"')) identified();
      else fail(new Error(`hello refused: ${payload.slice(0, 200)}`));
    } else if (payload.startsWith('0{')) {
      this.#sendText('40'); // Engine.IO open → connect to the namespace "/"
    } else if (payload.startsWith('40')) {
      this.#sendText(`420["hello",${JSON.stringify(name)}]`);
    } else if (payload.startsWith('430')) {
      identified(); // the hello ack
    } else if (payload === '2') {
      this.#sendText('3');
    } else {
      fail(new Error(`unexpected Socket.IO packet: ${payload.slice(0, 200)}`));
    }
  }

  #onData(chunk: Buffer, fail: (error: Error) => void): void {
    if (!this.#upgraded) {
      this.#handshake += chunk.toString('latin1');
      const end = this.#handshake.indexOf('\r\n\r\n');
      if (end < 0) return;
      if (!this.#handshake.startsWith('HTTP/1.1 101')) {
        fail(new Error(`upgrade refused: ${this.#handshake.split('\r\n')[0]}`));
        this.#socket.destroy();
        return;
      }
      this.#upgraded = true;
      chunk = Buffer.from(this.#handshake.slice(end + 4), 'latin1');
      this.#handshake = '';
      if (this.#dialect === 'json-ws')
        this.#sendText(`{"type":"hello","data":{"user":${JSON.stringify(this.#name)}}}`);
    }
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#remaining === 0 && this.#collect === null) {
        offset = this.#readHeader(chunk, offset);
        continue;
      }
      const end = Math.min(chunk.length, offset + this.#remaining);
      const slice = chunk.subarray(offset, end);
      this.#remaining -= slice.length;
      offset = end;
      if (this.#collect) this.#collect.push(slice);
      else this.#scanner.feed(slice);
      if (this.#remaining === 0) this.#endFrame();
    }
  }

  /** Consumes header bytes; once a header is whole, sets up its payload and returns the new offset. */
  #readHeader(chunk: Buffer, offset: number): number {
    // Common case: the whole header is in this chunk; a header split across reads is stitched first.
    const split = this.#header.length > 0 || chunk.length - offset < 10;
    const bytes = split ? Buffer.concat([this.#header, chunk.subarray(offset, offset + 10)]) : chunk;
    const start = split ? 0 : offset;
    const have = bytes.length - start;
    const short = have >= 2 ? bytes[start + 1]! & 0x7f : 0;
    const size = short === 126 ? 4 : short === 127 ? 10 : 2;
    if (have < size) {
      this.#header = Buffer.from(bytes.subarray(start));
      return chunk.length;
    }
    const consumed = size - this.#header.length;
    this.#header = EMPTY;
    this.#opcode = bytes[start]! & 0x0f;
    this.#remaining =
      short === 126
        ? bytes.readUInt16BE(start + 2)
        : short === 127
          ? Number(bytes.readBigUInt64BE(start + 2))
          : short;
    // Before identification, for control frames and for Socket.IO packets, the payload is wanted
    // whole; json-ws deliveries stream straight into the stamp scanner.
    const whole = !this.#identified || this.#opcode >= OPCODE_CLOSE || this.#dialect === 'socket.io';
    this.#collect = whole ? [] : null;
    if (this.#remaining === 0) this.#endFrame();
    return offset + consumed;
  }

  #endFrame(): void {
    const parts = this.#collect;
    this.#collect = null;
    if (!parts) return;
    const payload = Buffer.concat(parts);
    if (this.#opcode === OPCODE_PING) {
      this.#sendFrame(0x8a, payload.toString('latin1')); // pong with the same payload
      return;
    }
    if (!this.#identified) {
      this.#onFrame(this.#opcode, payload.toString('utf8'));
      return;
    }
    if (this.#opcode === OPCODE_CLOSE) {
      this.#socket.end();
      return;
    }
    // Socket.IO: answer Engine.IO pings, scan event packets.
    if (this.#dialect === 'socket.io' && payload.length === 1 && payload[0] === 0x32) this.#sendText('3');
    else this.#scanner.feed(payload);
  }

  #sendText(text: string): void {
    this.#sendFrame(0x81, text);
  }

  /** One client frame, masked with a zero key; `payload` is latin1 (all generator text is ASCII). */
  #sendFrame(first: number, payload: string): void {
    const length = payload.length;
    const header =
      length < 126
        ? String.fromCharCode(first, 0x80 | length, 0, 0, 0, 0)
        : String.fromCharCode(first, 0x80 | 126, length >> 8, length & 0xff, 0, 0, 0, 0);
    this.#out.push(header + payload);
  }
}

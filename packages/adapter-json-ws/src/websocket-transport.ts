import type { Socket } from 'node:net';
import type { Transport, TransportReceiver } from '@switchboard/core';
import { type RawData, WebSocket } from 'ws';

/** A WebSocket goodbye: the close frame's code and reason. */
export interface CloseFrame {
  code: number;
  reason: string;
}

const RECEIVER = Symbol('switchboard.receiver');
type ReceivingWebSocket = WebSocket & { [RECEIVER]?: TransportReceiver };

/** Binary messages as the receiver is handed them: it can tell them apart with {@link isBinaryMessage}. */
const binaryMessages = new WeakSet<Buffer>();

/** True for a message that came in a binary frame (json-ws and sessions speak text only). */
export function isBinaryMessage(message: Buffer): boolean {
  return binaryMessages.has(message);
}

/** True for the error `ws` reports for a message over `maxPayload` (it closes the connection with 1009). */
export function isMessageTooBig(error: Error): boolean {
  return (error as { code?: string }).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH';
}

const PAYLOAD_BYTES = Symbol('switchboard.payloadBytes');
/** A whole server-to-client text frame, header included; it knows the size of its payload. */
type EncodedFrame = Buffer & { [PAYLOAD_BYTES]?: number };

/**
 * One whole unmasked text frame (RFC 6455 §5.2: FIN, opcode 1, the length, then `payload`), to be
 * written as it is to every recipient of a message: a broadcast is framed once, not once per socket
 * (engine.io's pre-encoded frames). Write it with {@link WebSocketTransport.write}.
 */
export function encodeTextFrame(payload: string): Buffer {
  const length = Buffer.byteLength(payload);
  const header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame: EncodedFrame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x81;
  if (header === 2) {
    frame[1] = length;
  } else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(0, 2);
    frame.writeUInt32BE(length, 6);
  }
  frame.write(payload, header, 'utf8');
  frame[PAYLOAD_BYTES] = length;
  return frame;
}

/** The payload size of a frame from {@link encodeTextFrame} (what the byte counters count). */
export function framePayloadBytes(frame: Buffer): number {
  return (frame as EncodedFrame)[PAYLOAD_BYTES] ?? frame.length;
}

/** The parts of `ws`'s sender a pre-encoded frame goes through (not public API; checked on use). */
interface WsSender {
  _state: number;
}
/** The sender's idle state: nothing being compressed or read from a Blob, nothing queued. */
const SENDER_IDLE = 0;
/** Buffers from the codecs are UTF-8 JSON: they go out as text frames. */
const TEXT_FRAME = { binary: false } as const;

function asBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

// Writes are batched per turn: the turn is what runs before the next `process.nextTick` (a read
// of one socket, with the microtasks of the answers it started). A socket written in a turn is
// corked, and uncorked when it ends.

/** A corked socket holding this much is written at once. */
const MAX_CORKED_BYTES = 64 * 1024;
let turnEnding = false;
let corked: Socket[] = [];

function endWriteTurn(): void {
  turnEnding = false;
  const sockets = corked;
  corked = [];
  for (const socket of sockets) socket.uncork();
}

/**
 * Writes one text message: a frame from {@link encodeTextFrame} as it is, anything else through
 * `ws`. Writes are corked and go out together when the turn ends: a burst to one reader (the
 * answers to pipelined frames, the broadcasts of one chunk) in one system call instead of one each.
 */
function writeMessage(ws: WebSocket, data: Buffer | string): void {
  const socket = (ws as unknown as { _socket: Socket })._socket;
  if (socket.writableCorked === 0 && socket.writableLength < MAX_CORKED_BYTES) {
    socket.cork();
    corked.push(socket);
    if (!turnEnding) {
      turnEnding = true;
      process.nextTick(endWriteTurn);
    }
  }
  send(ws, socket, data);
  // A big burst goes out as it comes, as uncorked writes would: held back, it would look like
  // a slow reader's backlog.
  if (socket.writableCorked !== 0 && socket.writableLength >= MAX_CORKED_BYTES) socket.uncork();
}

function send(ws: WebSocket, socket: Socket, data: Buffer | string): void {
  if (typeof data !== 'string') {
    const payloadBytes = (data as EncodedFrame)[PAYLOAD_BYTES];
    if (payloadBytes !== undefined) {
      const sender = (ws as unknown as { _sender: WsSender | null })._sender;
      // Idle, `ws` would frame it the same way and write it at once: write the frame ourselves.
      // (Never busy here: per-message deflate is off and nothing sends Blobs.)
      if (sender !== null && sender._state === SENDER_IDLE) {
        socket.write(data);
        return;
      }
      data = data.subarray(data.length - payloadBytes);
    }
  }
  ws.send(data, TEXT_FRAME);
}

/** Starts the closing handshake (saying `farewell`), and reads on so the peer's answer arrives. */
function closeGracefully(ws: WebSocket, farewell: CloseFrame | undefined): void {
  if (ws.readyState !== WebSocket.OPEN) return;
  if (farewell === undefined) ws.close();
  else ws.close(farewell.code, farewell.reason);
  // Reading may be paused (an answer pending, the rate): the peer's close frame must be read.
  if (ws.isPaused) ws.resume();
}

// One function each for every socket: `this` is the WebSocket, which carries its receiver.
function onMessage(this: ReceivingWebSocket, data: RawData, isBinary: boolean): void {
  const message = asBuffer(data);
  if (isBinary) binaryMessages.add(message);
  this[RECEIVER]?.received(message);
}
function onControlFrame(this: ReceivingWebSocket, data: Buffer): void {
  this[RECEIVER]?.receivedControl(data.length);
}
function onClose(this: ReceivingWebSocket): void {
  const receiver = this[RECEIVER];
  this[RECEIVER] = undefined;
  receiver?.closed();
}
function onError(this: ReceivingWebSocket, error: Error): void {
  this[RECEIVER]?.failed(error);
}

/**
 * A `ws` WebSocket as a {@link Transport}: one message per write (text frames; a frame from
 * {@link encodeTextFrame} goes out as it is), pings and pongs count against the rate, and a graceful
 * close is the closing handshake. The close grace of the runtime bounds a peer that never answers
 * the close frame (`ws` would wait 30 s).
 */
export class WebSocketTransport implements Transport<CloseFrame> {
  readonly ws: WebSocket;

  constructor(ws: WebSocket) {
    this.ws = ws;
  }

  write(data: Buffer | string): void {
    writeMessage(this.ws, data);
  }

  get bufferedBytes(): number {
    return this.ws.bufferedAmount;
  }

  get writable(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  pause(): void {
    this.ws.pause();
  }

  resume(): void {
    this.ws.resume();
  }

  end(farewell?: CloseFrame): void {
    closeGracefully(this.ws, farewell);
  }

  destroy(): void {
    this.ws.terminate();
  }

  /** A WebSocket ends with its closing handshake, which `closed` reports. */
  get peerEnded(): boolean {
    return this.ws.readyState === WebSocket.CLOSED;
  }

  attach(receiver: TransportReceiver): void {
    const ws = this.ws as ReceivingWebSocket;
    ws[RECEIVER] = receiver;
    ws.on('message', onMessage);
    ws.on('ping', onControlFrame);
    ws.on('pong', onControlFrame);
    ws.on('close', onClose);
    ws.on('error', onError);
  }
}

/**
 * `ws`'s WebSocket that is its own runtime {@link Transport}: give it to the server
 * (`new WebSocketServer({ WebSocket: TransportWebSocket })`) and pass the socket itself to the
 * connection. Its events go straight to the connection from {@link emit}, with no listener on the
 * socket and no wrapper object: an idle connection is ~130 B smaller than with
 * {@link WebSocketTransport} (`ws`'s listener table grows past three events, and the wrapper).
 * Listeners added as usual still hear every event.
 */
export class TransportWebSocket extends WebSocket implements Transport<CloseFrame> {
  #receiver: TransportReceiver | undefined = undefined;
  write(data: Buffer | string): void {
    writeMessage(this, data);
  }

  get bufferedBytes(): number {
    return this.bufferedAmount;
  }

  get writable(): boolean {
    return this.readyState === WebSocket.OPEN;
  }

  end(farewell?: CloseFrame): void {
    closeGracefully(this, farewell);
  }

  destroy(): void {
    this.terminate();
  }

  /** A WebSocket ends with its closing handshake, which `closed` reports. */
  get peerEnded(): boolean {
    return this.readyState === WebSocket.CLOSED;
  }

  attach(receiver: TransportReceiver): void {
    this.#receiver = receiver;
  }

  /** Every event `ws` raises passes here: the connection's first, then the usual listeners. */
  override emit(event: string | symbol, a?: unknown, b?: unknown): boolean {
    const receiver = this.#receiver;
    switch (event) {
      case 'message': {
        if (receiver === undefined) break;
        const message = asBuffer(a as RawData);
        if (b === true) binaryMessages.add(message);
        receiver.received(message);
        break;
      }
      case 'ping':
      case 'pong':
        receiver?.receivedControl((a as Buffer).length);
        break;
      case 'close':
        this.#receiver = undefined;
        receiver?.closed();
        break;
      case 'error':
        receiver?.failed(a as Error);
        // Told to the connection: without listeners of its own, an error is not thrown.
        if (this.listenerCount('error') === 0) return receiver !== undefined;
        break;
    }
    return super.emit(event, a, b);
  }
}

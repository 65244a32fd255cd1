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

function asBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
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
 * A `ws` WebSocket as a {@link Transport}: one message per write (text frames), pings and pongs
 * count against the rate, and a graceful close is the closing handshake. The close grace of the
 * runtime bounds a peer that never answers the close frame (`ws` would wait 30 s).
 */
export class WebSocketTransport implements Transport<CloseFrame> {
  readonly ws: WebSocket;

  constructor(ws: WebSocket) {
    this.ws = ws;
  }

  write(data: Buffer | string): void {
    this.ws.send(data, TEXT_FRAME);
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
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (farewell === undefined) this.ws.close();
    else this.ws.close(farewell.code, farewell.reason);
    // Reading may be paused (an answer pending, the rate): the peer's close frame must be read.
    if (this.ws.isPaused) this.ws.resume();
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

/** Buffers from the codecs are UTF-8 JSON: they go out as text frames. */
const TEXT_FRAME = { binary: false } as const;

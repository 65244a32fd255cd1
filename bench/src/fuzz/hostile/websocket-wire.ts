import type { Random } from '../random.ts';

/**
 * Client-side WebSocket bytes written by hand, so frames can be wrong on purpose (bad opcodes,
 * reserved bits, unmasked, lying lengths) — a library would refuse to write them.
 */

export const TEXT = 0x1;
export const BINARY = 0x2;
export const CLOSE = 0x8;
export const PING = 0x9;

export function upgradeRequest(path: string, key: string, extraHeaders = ''): string {
  return (
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${extraHeaders}\r\n`
  );
}

export function websocketKey(random: Random): string {
  return random.bytes(16).toString('base64');
}

export interface FrameOptions {
  opcode?: number;
  fin?: boolean;
  /** RSV1–3 bits (0–7): only extensions may set them, so the server must refuse. */
  reserved?: number;
  /** A client must mask; false sends an unmasked frame the server must refuse. */
  masked?: boolean;
  /** Claim a length other than the payload's (a truncated or lying frame). */
  claimedLength?: number;
}

/** One client frame (masked, as a client must, unless told otherwise). */
export function encodeFrame(payload: Uint8Array, options: FrameOptions = {}): Buffer {
  const opcode = options.opcode ?? TEXT;
  const masked = options.masked ?? true;
  const length = options.claimedLength ?? payload.length;
  const headLength = 2 + (length < 126 ? 0 : length < 65_536 ? 2 : 8) + (masked ? 4 : 0);
  const frame = Buffer.allocUnsafe(headLength + payload.length);
  frame[0] = ((options.fin ?? true) ? 0x80 : 0) | ((options.reserved ?? 0) << 4) | (opcode & 0x0f);
  let at = 2;
  if (length < 126) frame[1] = length;
  else if (length < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
    at = 4;
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
    at = 10;
  }
  if (masked) {
    frame[1]! |= 0x80;
    // A zero mask keeps the payload as is: the server unmasks the same way, and writing is cheaper.
    frame.writeUInt32BE(0, at);
    at += 4;
  }
  frame.set(payload, at);
  return frame;
}

export function textFrame(text: string): Buffer {
  return encodeFrame(Buffer.from(text, 'utf8'));
}

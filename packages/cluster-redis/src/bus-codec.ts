import type { BusEvent } from '@switchboard/core';

/**
 * Bus events as compact binary frames, so names and texts travel as the bytes they are.
 *
 *   u8 kind (1 direct, 2 broadcast, 3 claim, 4 invalidate)
 *   u8 node id length, node id (UTF-8)          the publisher, so it can skip its own frames
 *   direct:     name sender, f64 timestamp, u32 count, count x name, u32 text length, text
 *   broadcast:  name sender, f64 timestamp, u8 has room, [u16 room length, room (UTF-8)], u32 text length, text
 *   claim:      name, f64 token
 *   invalidate: name
 *
 * A `name` is u16 length + its bytes (a name key holds one char per byte). Integers are big-endian.
 * Pure: no Redis, no core routing.
 */

export interface BusFrame {
  nodeId: string;
  event: BusEvent;
}

const DIRECT = 1;
const BROADCAST = 2;
const CLAIM = 3;
const INVALIDATE = 4;

export const MAX_NODE_ID_BYTES = 255;

export class BusFrameError extends Error {}

export function encodeBusFrame(nodeId: string, event: BusEvent): Buffer {
  const node = Buffer.from(nodeId, 'utf8');
  if (node.length > MAX_NODE_ID_BYTES) throw new RangeError(`node id over ${MAX_NODE_ID_BYTES} bytes`);
  const room = event.kind === 'broadcast' && event.room !== null ? Buffer.from(event.room, 'utf8') : null;
  const frame = Buffer.allocUnsafe(frameSize(node.length, event, room));
  let at = frame.writeUInt8(kindCode(event), 0);
  at = frame.writeUInt8(node.length, at);
  at += node.copy(frame, at);
  switch (event.kind) {
    case 'direct':
      at = writeName(frame, at, event.sender);
      at = frame.writeDoubleBE(event.timestamp, at);
      at = frame.writeUInt32BE(event.to.length, at);
      for (const to of event.to) at = writeName(frame, at, to);
      at = frame.writeUInt32BE(event.text.length, at);
      at += event.text.copy(frame, at);
      break;
    case 'broadcast':
      at = writeName(frame, at, event.sender);
      at = frame.writeDoubleBE(event.timestamp, at);
      at = frame.writeUInt8(room ? 1 : 0, at);
      if (room) {
        if (room.length > 0xffff) throw new RangeError('room name over 65535 bytes');
        at = frame.writeUInt16BE(room.length, at);
        at += room.copy(frame, at);
      }
      at = frame.writeUInt32BE(event.text.length, at);
      at += event.text.copy(frame, at);
      break;
    case 'claim':
      at = writeName(frame, at, event.name);
      at = frame.writeDoubleBE(event.token, at);
      break;
    case 'invalidate':
      at = writeName(frame, at, event.name);
      break;
  }
  return frame;
}

/** Decodes one frame; throws {@link BusFrameError} on anything truncated, oversized or unknown. */
export function decodeBusFrame(frame: Buffer): BusFrame {
  const reader = new FrameReader(frame);
  const kind = reader.u8();
  const nodeId = reader.bytes(reader.u8()).toString('utf8');
  let event: BusEvent;
  switch (kind) {
    case DIRECT: {
      const sender = reader.name();
      const timestamp = reader.f64();
      const count = reader.u32();
      // Each recipient takes at least two bytes: a bogus count fails before allocating.
      if (count * 2 > reader.remaining) throw new BusFrameError('recipient count exceeds the frame');
      const to: string[] = [];
      for (let i = 0; i < count; i++) to.push(reader.name());
      event = { kind: 'direct', to, sender, text: reader.bytes(reader.u32()), timestamp };
      break;
    }
    case BROADCAST: {
      const sender = reader.name();
      const timestamp = reader.f64();
      const hasRoom = reader.u8();
      if (hasRoom > 1) throw new BusFrameError('bad room flag');
      const room = hasRoom ? reader.bytes(reader.u16()).toString('utf8') : null;
      event = { kind: 'broadcast', room, sender, text: reader.bytes(reader.u32()), timestamp };
      break;
    }
    case CLAIM:
      event = { kind: 'claim', name: reader.name(), token: reader.f64() };
      break;
    case INVALIDATE:
      event = { kind: 'invalidate', name: reader.name() };
      break;
    default:
      throw new BusFrameError(`unknown event kind ${kind}`);
  }
  if (reader.remaining !== 0) throw new BusFrameError('trailing bytes after the event');
  return { nodeId, event };
}

function kindCode(event: BusEvent): number {
  switch (event.kind) {
    case 'direct':
      return DIRECT;
    case 'broadcast':
      return BROADCAST;
    case 'claim':
      return CLAIM;
    case 'invalidate':
      return INVALIDATE;
  }
}

function frameSize(nodeBytes: number, event: BusEvent, room: Buffer | null): number {
  const head = 2 + nodeBytes;
  switch (event.kind) {
    case 'direct': {
      let size = head + 2 + event.sender.length + 8 + 4 + 4 + event.text.length;
      for (const to of event.to) size += 2 + to.length;
      return size;
    }
    case 'broadcast':
      return head + 2 + event.sender.length + 8 + 1 + (room ? 2 + room.length : 0) + 4 + event.text.length;
    case 'claim':
      return head + 2 + event.name.length + 8;
    case 'invalidate':
      return head + 2 + event.name.length;
  }
}

function writeName(frame: Buffer, at: number, nameKey: string): number {
  if (nameKey.length > 0xffff) throw new RangeError('name over 65535 bytes');
  const next = frame.writeUInt16BE(nameKey.length, at);
  return next + frame.write(nameKey, next, 'latin1');
}

/** Reads fields front to back, refusing to run past the end. */
class FrameReader {
  readonly #frame: Buffer;
  #at = 0;

  constructor(frame: Buffer) {
    this.#frame = frame;
  }

  get remaining(): number {
    return this.#frame.length - this.#at;
  }

  u8(): number {
    return this.#frame.readUInt8(this.#advance(1));
  }
  u16(): number {
    return this.#frame.readUInt16BE(this.#advance(2));
  }
  u32(): number {
    return this.#frame.readUInt32BE(this.#advance(4));
  }
  f64(): number {
    return this.#frame.readDoubleBE(this.#advance(8));
  }
  name(): string {
    const length = this.u16();
    const at = this.#advance(length);
    return this.#frame.toString('latin1', at, at + length);
  }

  /** A view into the frame, not a copy: the frame belongs to this event alone. */
  bytes(length: number): Buffer {
    const at = this.#advance(length);
    return this.#frame.subarray(at, at + length);
  }

  /** Moves past `length` bytes and returns where they start. */
  #advance(length: number): number {
    if (length > this.remaining) throw new BusFrameError('truncated frame');
    const at = this.#at;
    this.#at += length;
    return at;
  }
}

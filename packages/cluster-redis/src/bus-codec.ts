import type { BusEvent } from '@switchboard/core';

/**
 * Bus events as compact binary frames, so names and texts travel as the bytes they are.
 *
 *   u8 kind (1 direct, 2 broadcast, 3 claim, 4 invalidate, 5-8 presence, 9 beat, 10 handoff, 11-12 rooms)
 *   u8 node id length, node id (UTF-8)          the origin, so it can skip its own frames
 *   direct:     u8 flags, name sender, f64 timestamp, u32 count, count x name, u32 text length, text
 *   broadcast:  name sender, f64 timestamp, u8 has room, [u16 room length, room (UTF-8)], u32 text length, text
 *   claim:      name, f64 token
 *   invalidate: name
 *   5 name added:      f64 seq, name, f64 claim token (0: registered)
 *   6 name removed:    f64 seq, name
 *   7 session set:     f64 seq, str client id, str session id
 *   8 session deleted: f64 seq, str client id, str session id
 *   9 beat:            f64 seq, u8 leaving
 *   10 handoff:        name, str node id of the name's new holder
 *   11 room joined:    f64 seq, str room (the node's first member of that private room)
 *   12 room left:      f64 seq, str room (its last)
 *
 * A `name` is u16 length + its bytes (a name key holds one char per byte), a `str` u16 length +
 * UTF-8. Integers are big-endian. Kinds 5-12 are the cluster layer's own (presence mirror, owner
 * routing); the hub never sees them.
 *
 * A batch carries the events one node publishes to one channel in one event-loop turn, so a burst
 * costs one PUBLISH (and one decode of the node id) instead of one per event:
 *
 *   u8 0, u8 node id length, node id, u32 count (at least 1), count x entry: u32 length, u8 kind,
 *   the event's fields as in a frame of that kind (everything after the node id)
 *
 * Pure: no Redis, no core routing.
 */

/** The cluster layer's own events, numbered per origin (`seq`) so a receiver can see a gap. */
export type MirrorEvent =
  | { kind: 'name-added'; seq: number; name: string; token: number }
  | { kind: 'name-removed'; seq: number; name: string }
  | { kind: 'session-set'; seq: number; clientId: string; sessionId: string }
  | { kind: 'session-deleted'; seq: number; clientId: string; sessionId: string }
  | { kind: 'room-joined'; seq: number; room: string }
  | { kind: 'room-left'; seq: number; room: string }
  /** Sent with every heartbeat: the origin is alive and its last event number is `seq`. */
  | { kind: 'beat'; seq: number; leaving: boolean };

/** Owner routing: the origin stopped sending `name` to the receiver and sends it to `to` now. */
export interface HandoffEvent {
  kind: 'handoff';
  name: string;
  to: string;
}

export type WireEvent = BusEvent | MirrorEvent | HandoffEvent;

export interface BusFrame {
  nodeId: string;
  event: WireEvent;
  /** Direct frames only (0 otherwise), see `DirectFlags`. */
  flags: number;
}

/** Bits of a direct frame's flags byte. */
export const DirectFlags = {
  /** Every recipient was routed to this receiver alone: it may forward what it no longer holds. */
  SOLE: 1,
  /** Forwarded by the recipient's previous holder: delivered where it lands, never forwarded again. */
  FORWARDED: 2,
  /** The origin's first frame for its recipient after it moved here: wait for the handoff. */
  AFTER_MOVE: 4,
} as const;

const DIRECT = 1;
const BROADCAST = 2;
const CLAIM = 3;
const INVALIDATE = 4;
const NAME_ADDED = 5;
const NAME_REMOVED = 6;
const SESSION_SET = 7;
const SESSION_DELETED = 8;
const BEAT = 9;
const HANDOFF = 10;
const ROOM_JOINED = 11;
const ROOM_LEFT = 12;
/** Not an event: the kind byte of a batch of entries (see above). */
const BATCH = 0;

export const MAX_NODE_ID_BYTES = 255;

export class BusFrameError extends Error {}

/** Where a direct frame's flags byte is (right after the node id, so it can be patched in place). */
export const flagsOffset = (frame: Buffer): number => 2 + frame[1]!;

export function encodeBusFrame(nodeId: string, event: WireEvent, flags = 0): Buffer {
  const node = nodeBytes(nodeId);
  const extra = extraBytes(event);
  const frame = Buffer.allocUnsafe(2 + node.length + bodySize(event, extra));
  frame[0] = kindCode(event);
  frame[1] = node.length;
  node.copy(frame, 2);
  writeBody(frame, 2 + node.length, event, flags, extra);
  return frame;
}

/**
 * The events one node sends to one channel in one turn, written as they come into one growing
 * buffer (see the batch layout above). `frame` is the PUBLISH payload.
 */
export class FrameBatch {
  #buffer: Buffer;
  #length: number;
  #count = 0;

  readonly #countAt: number;

  /** `head` is {@link batchHead} of the sending node. */
  constructor(head: Buffer, expectedBytes = 256) {
    this.#buffer = Buffer.allocUnsafe(Math.max(head.length + 4 + expectedBytes, 64));
    head.copy(this.#buffer, 0);
    this.#countAt = head.length;
    this.#length = head.length + 4;
  }

  get count(): number {
    return this.#count;
  }

  add(event: WireEvent, flags = 0): void {
    const extra = extraBytes(event);
    const size = 1 + bodySize(event, extra);
    this.#reserve(4 + size);
    const buffer = this.#buffer;
    let at = buffer.writeUInt32BE(size, this.#length);
    buffer[at++] = kindCode(event);
    at = writeBody(buffer, at, event, flags, extra);
    this.#length = at;
    this.#count += 1;
  }

  /** What to publish: a view of the bytes written so far (at least one event must be). */
  get frame(): Buffer {
    this.#buffer.writeUInt32BE(this.#count, this.#countAt);
    return this.#buffer.subarray(0, this.#length);
  }

  #reserve(bytes: number): void {
    const needed = this.#length + bytes;
    if (needed <= this.#buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(needed, this.#buffer.length * 2));
    this.#buffer.copy(grown, 0, 0, this.#length);
    this.#buffer = grown;
  }
}

/** The first bytes of every batch a node sends: made once per node. */
export function batchHead(nodeId: string): Buffer {
  const node = nodeBytes(nodeId);
  const head = Buffer.allocUnsafe(2 + node.length);
  head[0] = BATCH;
  head[1] = node.length;
  node.copy(head, 2);
  return head;
}

function nodeBytes(nodeId: string): Buffer {
  const node = Buffer.from(nodeId, 'utf8');
  if (node.length > MAX_NODE_ID_BYTES) throw new RangeError(`node id over ${MAX_NODE_ID_BYTES} bytes`);
  return node;
}

/** Writes the event's fields (everything after the node id of a frame); returns where they end. */
function writeBody(frame: Buffer, start: number, event: WireEvent, flags: number, extra: Buffer[]): number {
  let at = start;
  switch (event.kind) {
    case 'direct':
      at = frame.writeUInt8(flags, at);
      at = writeName(frame, at, event.sender);
      at = frame.writeDoubleBE(event.timestamp, at);
      at = frame.writeUInt32BE(event.to.length, at);
      for (const to of event.to) at = writeName(frame, at, to);
      at = frame.writeUInt32BE(event.text.length, at);
      at += event.text.copy(frame, at);
      break;
    case 'broadcast': {
      const room = extra[0] ?? null;
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
    }
    case 'claim':
      at = writeName(frame, at, event.name);
      at = frame.writeDoubleBE(event.token, at);
      break;
    case 'invalidate':
      at = writeName(frame, at, event.name);
      break;
    case 'name-added':
      at = frame.writeDoubleBE(event.seq, at);
      at = writeName(frame, at, event.name);
      at = frame.writeDoubleBE(event.token, at);
      break;
    case 'name-removed':
      at = frame.writeDoubleBE(event.seq, at);
      at = writeName(frame, at, event.name);
      break;
    case 'session-set':
    case 'session-deleted':
      at = frame.writeDoubleBE(event.seq, at);
      at = writeBytes(frame, at, extra[0]!);
      at = writeBytes(frame, at, extra[1]!);
      break;
    case 'beat':
      at = frame.writeDoubleBE(event.seq, at);
      at = frame.writeUInt8(event.leaving ? 1 : 0, at);
      break;
    case 'room-joined':
    case 'room-left':
      at = frame.writeDoubleBE(event.seq, at);
      at = writeBytes(frame, at, extra[0]!);
      break;
    case 'handoff':
      at = writeName(frame, at, event.name);
      at = writeBytes(frame, at, extra[0]!);
      break;
  }
  return at;
}

/** Decodes one frame; throws {@link BusFrameError} on anything truncated, oversized or unknown. */
export function decodeBusFrame(frame: Buffer): BusFrame {
  const reader = new FrameReader(frame);
  const kind = reader.u8();
  const nodeId = reader.bytes(reader.u8()).toString('utf8');
  const [event, flags] = readBody(reader, kind);
  if (reader.remaining !== 0) throw new BusFrameError('trailing bytes after the event');
  return { nodeId, event, flags };
}

/** What one PUBLISH carried: a frame or a batch, its origin and its events in order. */
export interface BusMessage {
  nodeId: string;
  events: Array<{ event: WireEvent; flags: number }>;
}

/**
 * Decodes a PUBLISH payload, a single frame or a batch; throws {@link BusFrameError} on anything
 * malformed anywhere in it (then none of its events is used: a batch is whole or refused).
 */
export function decodeBusMessage(message: Buffer): BusMessage {
  if (message.length === 0 || message[0] !== BATCH) {
    const { nodeId, event, flags } = decodeBusFrame(message);
    return { nodeId, events: [{ event, flags }] };
  }
  const reader = new FrameReader(message);
  reader.u8();
  const nodeId = reader.bytes(reader.u8()).toString('utf8');
  const count = reader.u32();
  if (count === 0) throw new BusFrameError('empty batch');
  // Each entry takes at least five bytes: a bogus count fails before reading on.
  if (count * 5 > reader.remaining) throw new BusFrameError('entry count exceeds the batch');
  const events: BusMessage['events'] = [];
  for (let i = 0; i < count; i++) {
    const length = reader.u32();
    if (length > reader.remaining) throw new BusFrameError('batch entry exceeds the frame');
    const entry = new FrameReader(reader.bytes(length));
    const [event, flags] = readBody(entry, entry.u8());
    if (entry.remaining !== 0) throw new BusFrameError('trailing bytes after a batch entry');
    events.push({ event, flags });
  }
  if (reader.remaining !== 0) throw new BusFrameError('trailing bytes after the batch');
  return { nodeId, events };
}

/** Reads the fields of an event of `kind` (everything after a frame's node id). */
function readBody(reader: FrameReader, kind: number): [WireEvent, number] {
  let event: WireEvent;
  let flags = 0;
  switch (kind) {
    case DIRECT: {
      flags = reader.u8();
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
    case NAME_ADDED:
      event = { kind: 'name-added', seq: reader.f64(), name: reader.name(), token: reader.f64() };
      break;
    case NAME_REMOVED:
      event = { kind: 'name-removed', seq: reader.f64(), name: reader.name() };
      break;
    case SESSION_SET:
    case SESSION_DELETED: {
      const seq = reader.f64();
      const clientId = reader.str();
      const sessionId = reader.str();
      event = { kind: kind === SESSION_SET ? 'session-set' : 'session-deleted', seq, clientId, sessionId };
      break;
    }
    case BEAT: {
      const seq = reader.f64();
      const leaving = reader.u8();
      if (leaving > 1) throw new BusFrameError('bad leaving flag');
      event = { kind: 'beat', seq, leaving: leaving === 1 };
      break;
    }
    case HANDOFF:
      event = { kind: 'handoff', name: reader.name(), to: reader.str() };
      break;
    case ROOM_JOINED:
    case ROOM_LEFT: {
      const seq = reader.f64();
      event = { kind: kind === ROOM_JOINED ? 'room-joined' : 'room-left', seq, room: reader.str() };
      break;
    }
    default:
      throw new BusFrameError(`unknown event kind ${kind}`);
  }
  if ('seq' in event && !(Number.isSafeInteger(event.seq) && event.seq >= 0))
    throw new BusFrameError('bad event number');
  return [event, flags];
}

const KIND_CODES: Record<WireEvent['kind'], number> = {
  direct: DIRECT,
  broadcast: BROADCAST,
  claim: CLAIM,
  invalidate: INVALIDATE,
  'name-added': NAME_ADDED,
  'name-removed': NAME_REMOVED,
  'session-set': SESSION_SET,
  'session-deleted': SESSION_DELETED,
  beat: BEAT,
  handoff: HANDOFF,
  'room-joined': ROOM_JOINED,
  'room-left': ROOM_LEFT,
};

const kindCode = (event: WireEvent): number => KIND_CODES[event.kind];

const NO_EXTRA: Buffer[] = [];

/** The UTF-8 strings of an event, encoded once for both sizing and writing. */
function extraBytes(event: WireEvent): Buffer[] {
  switch (event.kind) {
    case 'broadcast':
      return event.room === null ? NO_EXTRA : [Buffer.from(event.room, 'utf8')];
    case 'session-set':
    case 'session-deleted':
      return [Buffer.from(event.clientId, 'utf8'), Buffer.from(event.sessionId, 'utf8')];
    case 'handoff':
      return [Buffer.from(event.to, 'utf8')];
    case 'room-joined':
    case 'room-left':
      return [Buffer.from(event.room, 'utf8')];
    default:
      return NO_EXTRA;
  }
}

/** Bytes of an event's fields (everything after a frame's node id). */
function bodySize(event: WireEvent, extra: Buffer[]): number {
  let strings = 0;
  for (const bytes of extra) strings += 2 + bytes.length;
  switch (event.kind) {
    case 'direct': {
      let size = 1 + 2 + event.sender.length + 8 + 4 + 4 + event.text.length;
      for (const to of event.to) size += 2 + to.length;
      return size;
    }
    case 'broadcast':
      return 2 + event.sender.length + 8 + 1 + strings + 4 + event.text.length;
    case 'claim':
      return 2 + event.name.length + 8;
    case 'invalidate':
      return 2 + event.name.length;
    case 'name-added':
      return 8 + 2 + event.name.length + 8;
    case 'name-removed':
      return 8 + 2 + event.name.length;
    case 'session-set':
    case 'session-deleted':
      return 8 + strings;
    case 'beat':
      return 8 + 1;
    case 'room-joined':
    case 'room-left':
      return 8 + strings;
    case 'handoff':
      return 2 + event.name.length + strings;
  }
}

function writeBytes(frame: Buffer, at: number, bytes: Buffer): number {
  if (bytes.length > 0xffff) throw new RangeError('string over 65535 bytes');
  const next = frame.writeUInt16BE(bytes.length, at);
  return next + bytes.copy(frame, next);
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
  str(): string {
    const length = this.u16();
    const at = this.#advance(length);
    return this.#frame.toString('utf8', at, at + length);
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

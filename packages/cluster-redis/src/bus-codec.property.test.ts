import type { BusEvent } from '@switchboard/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BusFrameError,
  batchHead,
  decodeBusFrame,
  decodeBusMessage,
  encodeBusFrame,
  FrameBatch,
  MAX_NODE_ID_BYTES,
  type WireEvent,
} from './bus-codec.ts';

/** Properties of the bus frame codec over generated events and bytes, shrunk by fast-check on failure. */

const RUNS = { numRuns: 1000 };

/** A name key: one char per byte of the name (latin1), any byte. */
const nameKey = fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes).toString('latin1'));
const text = fc.uint8Array({ maxLength: 80 }).map((bytes) => Buffer.from(bytes));
const timestamp = fc.oneof(fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.double());
const seq = fc.maxSafeNat();
const utf8 = fc.string({ maxLength: 20 });
const event: fc.Arbitrary<WireEvent> = fc.oneof(
  fc.record({
    kind: fc.constant('direct' as const),
    to: fc.array(nameKey, { maxLength: 6 }),
    sender: nameKey,
    text,
    timestamp,
  }),
  fc.record({
    kind: fc.constant('broadcast' as const),
    room: fc.option(fc.string({ unit: 'binary', maxLength: 20 }), { nil: null }),
    sender: nameKey,
    text,
    timestamp,
  }),
  fc.record({ kind: fc.constant('claim' as const), name: nameKey, token: timestamp }),
  fc.record({ kind: fc.constant('invalidate' as const), name: nameKey }),
  fc.record({ kind: fc.constant('name-added' as const), seq, name: nameKey, token: timestamp }),
  fc.record({ kind: fc.constant('name-removed' as const), seq, name: nameKey }),
  fc.record({ kind: fc.constant('session-set' as const), seq, clientId: utf8, sessionId: utf8 }),
  fc.record({ kind: fc.constant('session-deleted' as const), seq, clientId: utf8, sessionId: utf8 }),
  fc.record({ kind: fc.constant('beat' as const), seq, leaving: fc.boolean() }),
  fc.record({ kind: fc.constant('handoff' as const), name: nameKey, to: utf8 }),
  fc.record({ kind: fc.constant('room-joined' as const), seq, room: utf8 }),
  fc.record({ kind: fc.constant('room-left' as const), seq, room: utf8 }),
);
const flags = fc.integer({ min: 0, max: 255 });
const nodeId = fc
  .string({ unit: 'binary', maxLength: 30 })
  .filter((id) => Buffer.byteLength(id) <= MAX_NODE_ID_BYTES);

/** Decodes, and proves any failure is the codec's own error, never a RangeError from reading past the end. */
function decodeOrError(frame: Buffer, decode: (frame: Buffer) => unknown = decodeBusFrame) {
  try {
    return decode(frame);
  } catch (error) {
    expect(error).toBeInstanceOf(BusFrameError);
    return error as BusFrameError;
  }
}

const entries = fc.array(fc.tuple(event, flags), { minLength: 1, maxLength: 8 });

function batchOf(node: string, list: Array<[WireEvent, number]>): Buffer {
  const batch = new FrameBatch(batchHead(node), 8);
  for (const [one, bits] of list) batch.add(one, bits);
  return batch.frame;
}

describe('bus frame properties', () => {
  it('round-trips every event with its bytes, from any node id', () => {
    fc.assert(
      fc.property(nodeId, event, flags, (node, original, bits) => {
        // Decoded out of a copy, so the test also proves the frame carries everything itself.
        expect(decodeBusFrame(Buffer.from(encodeBusFrame(node, original, bits)))).toEqual({
          nodeId: node,
          event: original,
          flags: original.kind === 'direct' ? bits : 0,
        });
      }),
      RUNS,
    );
  });

  it('refuses every truncation and every extension of a valid frame with a BusFrameError', () => {
    fc.assert(
      fc.property(
        nodeId,
        event,
        fc.nat(),
        fc.uint8Array({ minLength: 1, maxLength: 8 }),
        (node, original, cut, extra) => {
          const frame = encodeBusFrame(node, original);
          expect(decodeOrError(frame.subarray(0, cut % frame.length))).toBeInstanceOf(BusFrameError);
          expect(decodeOrError(Buffer.concat([frame, extra]))).toBeInstanceOf(BusFrameError);
        },
      ),
      RUNS,
    );
  });

  it('round-trips every batch of events, in order, from any node id', () => {
    fc.assert(
      fc.property(nodeId, entries, (node, list) => {
        expect(decodeBusMessage(Buffer.from(batchOf(node, list)))).toEqual({
          nodeId: node,
          events: list.map(([one, bits]) => ({ event: one, flags: one.kind === 'direct' ? bits : 0 })),
        });
      }),
      RUNS,
    );
  });

  it('refuses every truncation and every extension of a batch with a BusFrameError', () => {
    fc.assert(
      fc.property(
        nodeId,
        entries,
        fc.nat(),
        fc.uint8Array({ minLength: 1, maxLength: 8 }),
        (node, list, cut, extra) => {
          const frame = batchOf(node, list);
          const cutAt = cut % frame.length;
          expect(decodeOrError(frame.subarray(0, cutAt), decodeBusMessage)).toBeInstanceOf(BusFrameError);
          expect(decodeOrError(Buffer.concat([frame, extra]), decodeBusMessage)).toBeInstanceOf(
            BusFrameError,
          );
        },
      ),
      RUNS,
    );
  });

  it('decodes or refuses any bytes with a BusFrameError, never another error', () => {
    const kindFirst = fc
      .tuple(fc.integer({ min: 0, max: 13 }), fc.uint8Array({ maxLength: 120 }))
      .map(([kind, rest]) => Buffer.from([kind, ...rest]));
    fc.assert(
      fc.property(
        fc.oneof(
          kindFirst,
          fc.uint8Array({ maxLength: 120 }).map((b) => Buffer.from(b)),
        ),
        (bytes) => {
          decodeOrError(bytes);
          decodeOrError(bytes, decodeBusMessage);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('refuses a huge recipient count before allocating for it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 0xffffffff }),
        fc.uint8Array({ maxLength: 16 }),
        (count, rest) => {
          const head = encodeBusFrame('n', {
            kind: 'direct',
            to: [],
            sender: 's',
            text: Buffer.alloc(0),
            timestamp: 0,
          });
          // Kind, node id, flags, sender and timestamp, then the bogus count.
          const frame = Buffer.concat([
            head.subarray(0, 2 + 1 + 1 + 2 + 1 + 8),
            Buffer.from([count >>> 24, count >>> 16, count >>> 8, count].map((b) => b & 0xff)),
            rest,
          ]);
          fc.pre(count * 2 > rest.length);
          const result = decodeOrError(frame);
          expect(result).toBeInstanceOf(BusFrameError);
        },
      ),
      RUNS,
    );
  });

  it('takes a node id of exactly 255 bytes and refuses 256, and names up to 65535 bytes', () => {
    fc.assert(
      fc.property(fc.constantFrom('a', 'é', '€', '🦊'), (unit) => {
        const size = Buffer.byteLength(unit);
        const node = unit.repeat(Math.floor(MAX_NODE_ID_BYTES / size)) + 'a'.repeat(MAX_NODE_ID_BYTES % size);
        const claim: BusEvent = { kind: 'claim', name: 'x', token: 1 };
        expect(decodeBusFrame(encodeBusFrame(node, claim)).nodeId).toBe(node);
        expect(() => encodeBusFrame(`${node}a`, claim)).toThrow(RangeError);
      }),
      { numRuns: 20 },
    );
    const longest = 'n'.repeat(0xffff);
    expect(decodeBusFrame(encodeBusFrame('a', { kind: 'invalidate', name: longest })).event).toEqual({
      kind: 'invalidate',
      name: longest,
    });
    expect(() => encodeBusFrame('a', { kind: 'invalidate', name: `${longest}n` })).toThrow(RangeError);
    const room = 'r'.repeat(0xffff);
    const broadcast: BusEvent = {
      kind: 'broadcast',
      room,
      sender: 's',
      text: Buffer.from('t'),
      timestamp: 1,
    };
    expect(decodeBusFrame(encodeBusFrame('a', broadcast)).event).toEqual(broadcast);
    expect(() => encodeBusFrame('a', { ...broadcast, room: `${room}r` })).toThrow(RangeError);
  });
});

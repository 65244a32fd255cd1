import type { BusEvent } from '@switchboard/core';
import { describe, expect, it } from 'vitest';
import {
  BusFrameError,
  batchHead,
  DirectFlags,
  decodeBusFrame,
  decodeBusMessage,
  encodeBusFrame,
  FrameBatch,
  flagsOffset,
  type WireEvent,
} from './bus-codec.ts';

const key = (...bytes: number[]) => Buffer.from(bytes).toString('latin1');
const everyByte = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

const events: BusEvent[] = [
  {
    kind: 'direct',
    to: ['bob', key(0x00, 0xff), everyByte.toString('latin1')],
    sender: 'alice',
    text: everyByte,
    timestamp: 1_767_225_600_123,
  },
  { kind: 'direct', to: [], sender: key(0x80), text: Buffer.alloc(0), timestamp: 0 },
  { kind: 'broadcast', room: null, sender: 'alice', text: Buffer.from('hi\u001e\u0001 é'), timestamp: 1 },
  { kind: 'broadcast', room: '', sender: 'alice', text: Buffer.from([0xc3, 0x28]), timestamp: 2 },
  { kind: 'broadcast', room: 'кухня 🚀', sender: key(0xff, 0xfe), text: Buffer.from('x'), timestamp: 3 },
  { kind: 'claim', name: 'sam', token: 1_767_225_600_123_456 },
  { kind: 'claim', name: key(0x00), token: 1 },
  { kind: 'invalidate', name: 'rita' },
  { kind: 'invalidate', name: everyByte.toString('latin1') },
];

describe('bus frames', () => {
  it.each(
    events.map((event) => [event.kind, event] as const),
  )('round-trips a %s event with its bytes', (_, event) => {
    const frame = encodeBusFrame('node-ü', event, event.kind === 'direct' ? 5 : 0);
    expect(decodeBusFrame(frame)).toEqual({
      nodeId: 'node-ü',
      event,
      flags: event.kind === 'direct' ? 5 : 0,
    });
  });

  it('keeps texts and names as bytes, not as UTF-8 text', () => {
    const text = Buffer.from([0xff, 0x00, 0xfe]);
    const { event } = decodeBusFrame(
      encodeBusFrame('n', { kind: 'broadcast', room: null, sender: key(0xe9), text, timestamp: 5 }),
    );
    if (event.kind !== 'broadcast') throw new Error('wrong kind');
    expect(Buffer.isBuffer(event.text)).toBe(true);
    expect(event.text).toEqual(text);
    expect(Buffer.from(event.sender, 'latin1')).toEqual(Buffer.from([0xe9]));
  });

  it('is compact: a direct "hi" from a to b is 28 bytes with a one-byte node id', () => {
    const frame = encodeBusFrame('n', {
      kind: 'direct',
      to: ['b'],
      sender: 'a',
      text: Buffer.from('hi'),
      timestamp: 1,
    });
    // kind 1 + node 2 + flags 1 + sender 3 + timestamp 8 + count 4 + recipient 3 + text 4+2
    expect(frame.length).toBe(28);
  });

  it('refuses every truncation of every frame', () => {
    for (const event of events) {
      const frame = encodeBusFrame('node', event);
      for (let cut = 0; cut < frame.length; cut++) {
        expect(() => decodeBusFrame(frame.subarray(0, cut)), `${event.kind} cut at ${cut}`).toThrow(
          BusFrameError,
        );
      }
    }
  });

  it('refuses trailing bytes, unknown kinds, bad room flags and impossible counts', () => {
    const claim = encodeBusFrame('n', { kind: 'claim', name: 'x', token: 1 });
    expect(() => decodeBusFrame(Buffer.concat([claim, Buffer.from([0])]))).toThrow(BusFrameError);
    expect(() => decodeBusFrame(Buffer.from([13, 0]))).toThrow('unknown event kind 13');
    expect(() => decodeBusFrame(Buffer.alloc(0))).toThrow(BusFrameError);
    const broadcast = encodeBusFrame('n', {
      kind: 'broadcast',
      room: null,
      sender: 'a',
      text: Buffer.alloc(0),
      timestamp: 1,
    });
    broadcast[1 + 2 + 3 + 8] = 2; // the room flag
    expect(() => decodeBusFrame(broadcast)).toThrow('bad room flag');
    const direct = encodeBusFrame('n', {
      kind: 'direct',
      to: [],
      sender: 'a',
      text: Buffer.alloc(0),
      timestamp: 1,
    });
    direct.writeUInt32BE(0xffffffff, 1 + 2 + 1 + 3 + 8);
    expect(() => decodeBusFrame(direct)).toThrow('recipient count exceeds the frame');
  });

  it("round-trips the cluster layer's own events, and refuses bad event numbers and flags", () => {
    const own: WireEvent[] = [
      { kind: 'name-added', seq: 1, name: key(0x00, 0xff), token: 1_767_225_600_123_456 },
      { kind: 'name-added', seq: 2, name: 'reg', token: 0 },
      { kind: 'name-removed', seq: 3, name: 'x' },
      { kind: 'session-set', seq: 4, clientId: 'клиент', sessionId: 'uuid' },
      { kind: 'session-deleted', seq: 5, clientId: 'c', sessionId: '' },
      { kind: 'beat', seq: 0, leaving: false },
      { kind: 'beat', seq: Number.MAX_SAFE_INTEGER, leaving: true },
      { kind: 'handoff', name: everyByte.toString('latin1'), to: 'node-b' },
      { kind: 'room-joined', seq: 6, room: 'кухня 🚀' },
      { kind: 'room-left', seq: 7, room: '' },
    ];
    for (const event of own) {
      const frame = encodeBusFrame('n', event);
      expect(decodeBusFrame(frame)).toEqual({ nodeId: 'n', event, flags: 0 });
      for (let cut = 0; cut < frame.length; cut++)
        expect(() => decodeBusFrame(frame.subarray(0, cut))).toThrow(BusFrameError);
    }
    for (const seq of [-1, 1.5, Number.NaN, 2 ** 60])
      expect(() => decodeBusFrame(encodeBusFrame('n', { kind: 'beat', seq, leaving: false }))).toThrow(
        'bad event number',
      );
    const beat = encodeBusFrame('n', { kind: 'beat', seq: 1, leaving: false });
    beat[beat.length - 1] = 2;
    expect(() => decodeBusFrame(beat)).toThrow('bad leaving flag');
  });

  it("keeps a direct frame's flags at a fixed place, for forwarding by patching one byte", () => {
    const frame = encodeBusFrame(
      'node',
      { kind: 'direct', to: ['b'], sender: 'a', text: Buffer.from('x'), timestamp: 1 },
      1,
    );
    expect(frame[flagsOffset(frame)]).toBe(1);
    frame[flagsOffset(frame)] = DirectFlags.FORWARDED;
    expect(decodeBusFrame(frame).flags).toBe(DirectFlags.FORWARDED);
  });

  it('refuses a node id over 255 bytes when encoding', () => {
    expect(() => encodeBusFrame('n'.repeat(256), { kind: 'invalidate', name: 'x' })).toThrow(RangeError);
  });
});

describe('bus batches', () => {
  const batchOf = (nodeId: string, entries: Array<[WireEvent, number]>, expectedBytes?: number) => {
    const batch = new FrameBatch(batchHead(nodeId), expectedBytes);
    for (const [event, flags] of entries) batch.add(event, flags);
    return batch;
  };

  it("carries one node's events in order, each with its flags, growing past its first buffer", () => {
    const entries: Array<[WireEvent, number]> = [];
    for (let i = 0; i < 300; i++) {
      const event = events[i % events.length]!;
      entries.push([event, event.kind === 'direct' ? i % 8 : 0]);
    }
    entries.push([{ kind: 'handoff', name: 'bob', to: 'node-é' }, 0]);
    const batch = batchOf('node-ü', entries, 16);
    expect(batch.count).toBe(301);
    // Decoded out of a copy: the batch carries everything itself.
    expect(decodeBusMessage(Buffer.from(batch.frame))).toEqual({
      nodeId: 'node-ü',
      events: entries.map(([event, flags]) => ({ event, flags })),
    });
  });

  it('reads a single frame as a message of one event', () => {
    const frame = encodeBusFrame('n', events[0]!, DirectFlags.SOLE);
    expect(decodeBusMessage(frame)).toEqual({
      nodeId: 'n',
      events: [{ event: events[0], flags: DirectFlags.SOLE }],
    });
  });

  it('refuses the whole batch when any part is cut, padded, empty or not an event', () => {
    const frame = batchOf('node', [
      [events[0]!, 1],
      [events[5]!, 0],
    ]).frame;
    for (let cut = 0; cut < frame.length; cut++)
      expect(() => decodeBusMessage(frame.subarray(0, cut)), `cut at ${cut}`).toThrow(BusFrameError);
    expect(() => decodeBusMessage(Buffer.concat([frame, Buffer.from([0])]))).toThrow(BusFrameError);
    // An entry whose stated length leaves bytes of its event unread.
    const padded = batchOf('n', [[events[7]!, 0]]).frame;
    const longer = Buffer.concat([padded, Buffer.from([0])]);
    longer.writeUInt32BE(longer.readUInt32BE(7) + 1, 7);
    expect(() => decodeBusMessage(longer)).toThrow('trailing bytes after a batch entry');
    // No entries at all, and a batch inside a batch.
    const head = batchHead('n');
    expect(() => decodeBusMessage(Buffer.concat([head, Buffer.alloc(4)]))).toThrow('empty batch');
    const inner = Buffer.concat([head, Buffer.from([0, 0, 0, 0])]);
    const nested = Buffer.concat([head, Buffer.from([0, 0, 0, 1, 0, 0, 0, inner.length]), inner]);
    expect(() => decodeBusMessage(nested)).toThrow('unknown event kind 0');
    const bogusCount = Buffer.from(frame);
    bogusCount.writeUInt32BE(0xffffffff, 6);
    expect(() => decodeBusMessage(bogusCount)).toThrow('entry count exceeds the batch');
  });
});

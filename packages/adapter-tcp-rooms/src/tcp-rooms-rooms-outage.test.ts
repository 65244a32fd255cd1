import { MemoryRoomStore } from '@switchboard/core';
import { FakeClock } from '@switchboard/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXED_TIME, Harness, RecordingLogger } from './testing/harness.ts';
import { SwitchedRooms } from './testing/switched-rooms.ts';

let harness: Harness;
afterEach(async () => {
  await harness?.close();
});

const UNAVAILABLE = 'Service temporarily unavailable. Please try again later.';

describe('tcp-rooms while the room store cannot be reached', () => {
  it('tells the user, keeps the connection and the chat going, and warns once per interval', async () => {
    const clock = new FakeClock(FIXED_TIME);
    const rooms = new SwitchedRooms(new MemoryRoomStore());
    const logger = new RecordingLogger();
    harness = await Harness.start({ hubOptions: { clock, rooms }, logger });
    const alice = await harness.signUp('alice');
    const bob = await harness.signUp('bob');
    alice.send('/create den');
    const password = /Password: (\S+)$/.exec(await alice.nextLine())![1]!;
    alice.send('/exit');
    expect(await alice.nextLine()).toBe('Back in the main chat.');
    rooms.down = true;
    for (const command of ['/rooms', '/create attic', `/join den ${password}`]) {
      alice.send(command);
      expect(await alice.nextLine()).toBe(UNAVAILABLE);
    }
    alice.send('still here');
    expect(await bob.nextLine()).toBe('alice (12:34): still here');
    const at = (level: string) => logger.entries.filter((entry) => entry.level === level);
    expect(at('error')).toEqual([]);
    expect(at('warn')).toHaveLength(1);
    clock.advance(10_000);
    alice.send('/rooms');
    expect(await alice.nextLine()).toBe(UNAVAILABLE);
    expect(at('warn')).toHaveLength(2);
    rooms.down = false;
    alice.send('/rooms');
    expect(await alice.nextLine()).toBe('Rooms: den');
    alice.send(`/join den ${password}`);
    expect(await alice.nextLine()).toBe('Joined den.');
  });
});

import { describe, expect, it } from 'vitest';
import { Name } from '../names/name.ts';
import { MemoryRoomStore } from '../stores/memory-stores.ts';
import { FakeClock } from '../testing/fake-clock.ts';
import { fastScrypt } from '../testing/test-hub.ts';
import { type CreateRoomResult, Rooms } from './rooms.ts';

const owner = Name.fromText('alice');

function setUp() {
  const clock = new FakeClock(1_750_000_000_000);
  const store = new MemoryRoomStore();
  return { clock, store, rooms: new Rooms(store, fastScrypt, clock.now) };
}

function passwordOf(result: CreateRoomResult): string {
  if (typeof result === 'string') throw new Error(`room not created: ${result}`);
  return result.password;
}

describe('Rooms', () => {
  it('creates a room with a generated password that lets one join it', async () => {
    const { rooms } = setUp();
    const created = await rooms.create('lounge', owner);
    expect(created).toEqual({ password: expect.stringMatching(/^[A-Za-z0-9_-]{12}$/) });
    expect(await rooms.verify('lounge', passwordOf(created))).toBe('ok');
  });

  it('refuses a second room of the same name and keeps the first password', async () => {
    const { rooms } = setUp();
    const created = await rooms.create('lounge', owner);
    expect(await rooms.create('lounge', Name.fromText('mallory'))).toBe('ROOM_EXISTS');
    expect(await rooms.verify('lounge', passwordOf(created))).toBe('ok');
  });

  it('tells a wrong password from a room that does not exist', async () => {
    const { rooms } = setUp();
    await rooms.create('lounge', owner);
    expect(await rooms.verify('lounge', 'guess')).toBe('WRONG_ROOM_PASSWORD');
    expect(await rooms.verify('lounge', '')).toBe('WRONG_ROOM_PASSWORD');
    expect(await rooms.verify('Lounge', 'guess')).toBe('NO_SUCH_ROOM');
  });

  it('gives each room its own password', async () => {
    const { rooms } = setUp();
    const first = passwordOf(await rooms.create('one', owner));
    const second = passwordOf(await rooms.create('two', owner));
    expect(first).not.toBe(second);
    expect(await rooms.verify('two', first)).toBe('WRONG_ROOM_PASSWORD');
  });

  it('stores the owner, the creation time and only a salted hash of the password', async () => {
    const { rooms, store, clock } = setUp();
    const password = await rooms.create('lounge', owner);
    const record = await store.get('lounge');
    expect(record).toMatchObject({ name: 'lounge', ownerKey: 'alice', createdAt: clock.now() });
    expect(record!.passwordHash).toMatch(/^scrypt\$1024\$8\$1\$/);
    expect(JSON.stringify(record)).not.toContain(password!);
  });

  it('lists room names sorted', async () => {
    const { rooms } = setUp();
    for (const name of ['zeta', 'alpha', 'Mid']) await rooms.create(name, owner);
    expect(await rooms.list()).toEqual(['Mid', 'alpha', 'zeta']);
  });
});

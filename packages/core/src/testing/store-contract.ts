import { afterEach, describe, expect, it } from 'vitest';
import type { AccountStore, RoomRecord, RoomStore } from '../ports/stores.ts';

/**
 * One store under test. `reopen`, when the backend has something to reopen (a file, a server),
 * closes this handle and opens the same data again, to prove acknowledged writes were durable.
 */
export interface StoreFixture<Store> {
  store: Store;
  reopen?(): Promise<Store>;
  close?(): Promise<void>;
}

export type MakeStore<Store> = () => StoreFixture<Store> | Promise<StoreFixture<Store>>;

/** `durable: false` (an in-memory backend) leaves out the reopen cases instead of skipping them. */
export interface StoreContractOptions {
  durable: boolean;
}

/** A durable backend must be able to reopen its data; its fixture says how. */
function reopener<Store>(handle: StoreFixture<Store>): () => Promise<Store> {
  const reopen = handle.reopen?.bind(handle);
  if (!reopen) throw new Error('a durable store fixture must implement reopen()');
  return reopen;
}

/** Name keys hold one char per byte (see `Name.key`); this builds one from bytes. */
const key = (...bytes: number[]) => Buffer.from(bytes).toString('latin1');

/** Every single-byte name, and names that only differ where UTF-8 decoding would blur them. */
const BINARY_KEYS: string[] = [
  ...Array.from({ length: 256 }, (_, byte) => key(byte)),
  key(0x00, 0x00),
  key(0x61, 0x00, 0x62),
  key(0xff, 0xfe),
  key(0xfe, 0xff),
  key(0xc3, 0xa9), // "é" as UTF-8
  key(0xe2, 0x82), // a truncated UTF-8 sequence
  key(0xed, 0xa0, 0x80), // an encoded surrogate: not valid UTF-8
  key(...Array.from({ length: 256 }, (_, i) => i)), // 256 bytes, every value once
];

const byBytes = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Tracks fixtures so every test closes what it opened, even when it fails. */
function useFixtures<Store>(makeStore: MakeStore<Store>) {
  const open: StoreFixture<Store>[] = [];
  afterEach(async () => {
    for (const fixture of open.splice(0)) await fixture.close?.();
  });
  return async () => {
    const fixture = await makeStore();
    open.push(fixture);
    return fixture;
  };
}

/** The behaviour every {@link AccountStore} must have (memory, SQLite, Redis). */
export function runAccountStoreContract(
  name: string,
  makeStore: MakeStore<AccountStore>,
  options: StoreContractOptions = { durable: true },
): void {
  describe(`AccountStore contract: ${name}`, () => {
    const fixture = useFixtures(makeStore);

    it('creates an account once and reads its hash back', async () => {
      const { store } = await fixture();
      expect(await store.getPasswordHash('alice')).toBeUndefined();
      expect(await store.create('alice', 'hash-1')).toBe(true);
      expect(await store.getPasswordHash('alice')).toBe('hash-1');
      expect(await store.create('alice', 'hash-2')).toBe(false);
      expect(await store.getPasswordHash('alice')).toBe('hash-1');
    });

    it('changes the hash of an existing account only', async () => {
      const { store } = await fixture();
      expect(await store.setPasswordHash('bob', 'x')).toBe(false);
      expect(await store.getPasswordHash('bob')).toBeUndefined();
      await store.create('bob', 'old');
      expect(await store.setPasswordHash('bob', 'new')).toBe(true);
      expect(await store.getPasswordHash('bob')).toBe('new');
    });

    it('deletes an account, once', async () => {
      const { store } = await fixture();
      await store.create('carol', 'h');
      expect(await store.delete('carol')).toBe(true);
      expect(await store.getPasswordHash('carol')).toBeUndefined();
      expect(await store.delete('carol')).toBe(false);
      expect(await store.list()).toEqual([]);
      expect(await store.create('carol', 'again')).toBe(true);
    });

    it('keeps binary names apart: every byte 0x00-0xFF, invalid UTF-8, 256 bytes', async () => {
      const { store } = await fixture();
      for (const [i, nameKey] of BINARY_KEYS.entries())
        expect(await store.create(nameKey, `h${i}`)).toBe(true);
      for (const [i, nameKey] of BINARY_KEYS.entries())
        expect(await store.getPasswordHash(nameKey)).toBe(`h${i}`);
      expect(await store.list()).toEqual([...BINARY_KEYS].sort(byBytes));
    });

    it('lists names sorted by their bytes', async () => {
      const { store } = await fixture();
      const names = ['zed', 'Zed', key(0xc3, 0xa9), 'a', key(0xe9), 'ab', key(0x00), 'b'];
      for (const nameKey of names) await store.create(nameKey, 'h');
      expect(await store.list()).toEqual([...names].sort(byBytes));
    });

    if (options.durable) {
      it('keeps acknowledged writes when reopened', async () => {
        const handle = await fixture();
        const reopen = reopener(handle);
        await handle.store.create('dora', 'h1');
        await handle.store.create(key(0x00, 0xff), 'h2');
        await handle.store.create('gone', 'h3');
        await handle.store.setPasswordHash('dora', 'h4');
        await handle.store.delete('gone');
        const reopened = await reopen();
        expect(await reopened.getPasswordHash('dora')).toBe('h4');
        expect(await reopened.getPasswordHash(key(0x00, 0xff))).toBe('h2');
        expect(await reopened.list()).toEqual([key(0x00, 0xff), 'dora']);
      });
    }
  });
}

const room = (name: string, ownerKey = 'owner', createdAt = 1_700_000_000_000): RoomRecord => ({
  name,
  ownerKey,
  passwordHash: `scrypt$${name.length}$hash`,
  createdAt,
});

/** The behaviour every {@link RoomStore} must have (memory, SQLite, Redis). */
export function runRoomStoreContract(
  name: string,
  makeStore: MakeStore<RoomStore>,
  options: StoreContractOptions = { durable: true },
): void {
  describe(`RoomStore contract: ${name}`, () => {
    const fixture = useFixtures(makeStore);

    it('creates a room once and reads the record back', async () => {
      const { store } = await fixture();
      expect(await store.get('lobby')).toBeUndefined();
      expect(await store.create(room('lobby', 'alice', 123))).toBe(true);
      expect(await store.get('lobby')).toEqual(room('lobby', 'alice', 123));
      expect(await store.create(room('lobby', 'mallory', 456))).toBe(false);
      expect(await store.get('lobby')).toEqual(room('lobby', 'alice', 123));
    });

    it('keeps an owner of any bytes, and Unicode room names apart', async () => {
      const { store } = await fixture();
      const owner = key(...Array.from({ length: 256 }, (_, i) => 255 - i));
      const names = ['кухня', 'Room', 'room', '🚀 launch', 'a b'];
      for (const roomName of names) expect(await store.create(room(roomName, owner))).toBe(true);
      for (const roomName of names) expect(await store.get(roomName)).toEqual(room(roomName, owner));
      expect(await store.get('ROOM')).toBeUndefined();
    });

    it('lists every room', async () => {
      const { store } = await fixture();
      expect(await store.list()).toEqual([]);
      const names = ['b', 'a', 'c', 'é'];
      for (const roomName of names) await store.create(room(roomName));
      const listed = (await store.list()).sort((x, y) => byBytes(x.name, y.name));
      expect(listed).toEqual(names.sort(byBytes).map((roomName) => room(roomName)));
    });

    if (options.durable) {
      it('keeps acknowledged rooms when reopened', async () => {
        const handle = await fixture();
        const reopen = reopener(handle);
        await handle.store.create(room('kept', key(0x00, 0x01, 0xff), 42));
        const reopened = await reopen();
        expect(await reopened.get('kept')).toEqual(room('kept', key(0x00, 0x01, 0xff), 42));
      });
    }
  });
}

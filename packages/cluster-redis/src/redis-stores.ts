import type { AccountStore, RoomRecord, RoomStore } from '@switchboard/core';
import { LuaScript } from './lua-script.ts';
import type { RedisClient } from './redis-client.ts';
import { nameBytes, nameKeyOf } from './redis-keys.ts';

/** HSET only if the field exists: a password change must not create an account. */
const setIfExists = new LuaScript(`
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  return 1
end
return 0
`);

const byBytes = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Accounts in one Redis hash, name bytes -> password hash. A write resolves once Redis has
 * acknowledged it; how durable that is depends on Redis's persistence (run it with AOF).
 */
export class RedisAccountStore implements AccountStore {
  readonly #redis: RedisClient;
  readonly #key: string;

  constructor(redis: RedisClient, key: string) {
    this.#redis = redis;
    this.#key = key;
  }

  async getPasswordHash(nameKey: string): Promise<string | undefined> {
    return (await this.#redis.hget(this.#key, nameBytes(nameKey))) ?? undefined;
  }
  async create(nameKey: string, passwordHash: string): Promise<boolean> {
    return (await this.#redis.hsetnx(this.#key, nameBytes(nameKey), passwordHash)) === 1;
  }
  async setPasswordHash(nameKey: string, passwordHash: string): Promise<boolean> {
    return (await setIfExists.run(this.#redis, [this.#key], [nameBytes(nameKey), passwordHash])) === 1;
  }
  async delete(nameKey: string): Promise<boolean> {
    return (await this.#redis.hdel(this.#key, nameBytes(nameKey))) === 1;
  }
  async list(): Promise<string[]> {
    return (await this.#redis.hkeysBuffer(this.#key)).map(nameKeyOf).sort(byBytes);
  }
}

/** What a room hash field holds: the record minus its name, the owner's bytes in base64. */
interface StoredRoom {
  owner: string;
  passwordHash: string;
  createdAt: number;
}

/** Rooms in one Redis hash, room name (UTF-8) -> record. Same durability note as accounts. */
export class RedisRoomStore implements RoomStore {
  readonly #redis: RedisClient;
  readonly #key: string;

  constructor(redis: RedisClient, key: string) {
    this.#redis = redis;
    this.#key = key;
  }

  async get(room: string): Promise<RoomRecord | undefined> {
    const stored = await this.#redis.hget(this.#key, room);
    return stored === null ? undefined : toRecord(room, stored);
  }
  async create(record: RoomRecord): Promise<boolean> {
    const stored: StoredRoom = {
      owner: nameBytes(record.ownerKey).toString('base64'),
      passwordHash: record.passwordHash,
      createdAt: record.createdAt,
    };
    return (await this.#redis.hsetnx(this.#key, record.name, JSON.stringify(stored))) === 1;
  }
  async list(): Promise<RoomRecord[]> {
    const all = await this.#redis.hgetall(this.#key);
    return Object.entries(all)
      .map(([room, stored]) => toRecord(room, stored))
      .sort((a, b) => byBytes(a.name, b.name));
  }
}

function toRecord(name: string, stored: string): RoomRecord {
  const { owner, passwordHash, createdAt } = JSON.parse(stored) as StoredRoom;
  return { name, ownerKey: nameKeyOf(Buffer.from(owner, 'base64')), passwordHash, createdAt };
}

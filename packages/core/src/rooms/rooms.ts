import { randomBytes } from 'node:crypto';
import { hashPassword, type ScryptParams, verifyPassword } from '../accounts/password-hash.ts';
import type { ErrorCode } from '../errors.ts';
import type { Name } from '../names/name.ts';
import type { RoomStore } from '../ports/stores.ts';

export type JoinResult = 'ok' | Extract<ErrorCode, 'NO_SUCH_ROOM' | 'WRONG_ROOM_PASSWORD'>;
/** A created room's generated password (shown once), or why it was not created. */
export type CreateRoomResult = { readonly password: string } | Extract<ErrorCode, 'ROOM_EXISTS'>;

/** Private rooms: a name, an owner and a generated password stored only as a hash. */
export class Rooms {
  readonly #store: RoomStore;
  readonly #scrypt: ScryptParams;
  readonly #now: () => number;

  constructor(store: RoomStore, scrypt: ScryptParams, now: () => number) {
    this.#store = store;
    this.#scrypt = scrypt;
    this.#now = now;
  }

  /** Creates a room; resolves its generated password (shown once), or `ROOM_EXISTS`. */
  async create(room: string, owner: Name): Promise<CreateRoomResult> {
    if (await this.#store.get(room)) return 'ROOM_EXISTS';
    const password = randomBytes(9).toString('base64url');
    const passwordHash = await hashPassword(password, this.#scrypt);
    const created = await this.#store.create({
      name: room,
      ownerKey: owner.key,
      passwordHash,
      createdAt: this.#now(),
    });
    return created ? { password } : 'ROOM_EXISTS';
  }

  async verify(room: string, password: string): Promise<JoinResult> {
    const record = await this.#store.get(room);
    if (!record) return 'NO_SUCH_ROOM';
    return (await verifyPassword(password, record.passwordHash)) ? 'ok' : 'WRONG_ROOM_PASSWORD';
  }

  async exists(room: string): Promise<boolean> {
    return (await this.#store.get(room)) !== undefined;
  }

  async list(): Promise<string[]> {
    return (await this.#store.list()).map((record) => record.name).sort();
  }
}

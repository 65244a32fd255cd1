import type { ErrorCode } from '../errors.ts';
import type { Name } from '../names/name.ts';
import type { AccountStore } from '../ports/stores.ts';
import type { LoginThrottle } from './login-throttle.ts';
import { hashPassword, type ScryptParams, verifyPassword } from './password-hash.ts';

export type LoginResult = 'ok' | Extract<ErrorCode, 'WRONG_PASSWORD' | 'UNKNOWN_USER' | 'THROTTLED'>;
export type RegisterResult = 'ok' | Extract<ErrorCode, 'NAME_REGISTERED'>;

/** Where a login's consequences are counted (a protocol's stats). */
export interface LoginCounts {
  /** Locks this attempt's failure began (of its name, of its address). */
  loginLocks: number;
}

/** Accounts over a store: hashing, constant-time checks and failed-login throttling. */
export class Accounts {
  readonly #store: AccountStore;
  readonly #throttle: LoginThrottle;
  readonly #scrypt: ScryptParams;
  /** The last pending attempt per name; later attempts for the name wait for it. */
  readonly #attempts = new Map<string, Promise<LoginResult>>();

  constructor(store: AccountStore, throttle: LoginThrottle, scrypt: ScryptParams) {
    this.#store = store;
    this.#throttle = throttle;
    this.#scrypt = scrypt;
  }

  async exists(name: Name): Promise<boolean> {
    return (await this.#store.getPasswordHash(name.key)) !== undefined;
  }

  /** Creates an account; `NAME_REGISTERED` when the name is taken. Durable once resolved. */
  async register(name: Name, password: string): Promise<RegisterResult> {
    if (await this.exists(name)) return 'NAME_REGISTERED';
    const created = await this.#store.create(name.key, await hashPassword(password, this.#scrypt));
    return created ? 'ok' : 'NAME_REGISTERED';
  }

  /**
   * Checks a password. Attempts for one name run one after another, so a flood of parallel
   * guesses cannot all be checked before the failures that lock the name are counted.
   */
  authenticate(name: Name, password: string, address: string, counts?: LoginCounts): Promise<LoginResult> {
    const previous = this.#attempts.get(name.key);
    const attempt = (previous ?? Promise.resolve())
      .catch(() => {})
      .then(() => this.#authenticateNow(name, password, address, counts));
    const settled = attempt.finally(() => {
      if (this.#attempts.get(name.key) === settled) this.#attempts.delete(name.key);
    });
    settled.catch(() => {});
    this.#attempts.set(name.key, settled);
    return attempt;
  }

  async #authenticateNow(
    name: Name,
    password: string,
    address: string,
    counts: LoginCounts | undefined,
  ): Promise<LoginResult> {
    if (this.#throttle.isLocked(name.key, address)) return 'THROTTLED';
    const stored = await this.#store.getPasswordHash(name.key);
    const valid = stored !== undefined && (await verifyPassword(password, stored));
    if (valid) {
      this.#throttle.recordSuccess(name.key);
      return 'ok';
    }
    const locks = this.#throttle.recordFailure(name.key, address);
    if (counts) counts.loginLocks += locks;
    return stored === undefined ? 'UNKNOWN_USER' : 'WRONG_PASSWORD';
  }

  async setPassword(name: Name, password: string): Promise<boolean> {
    if (!(await this.exists(name))) return false;
    return this.#store.setPasswordHash(name.key, await hashPassword(password, this.#scrypt));
  }

  delete(name: Name): Promise<boolean> {
    return this.#store.delete(name.key);
  }

  list(): Promise<string[]> {
    return this.#store.list();
  }

  sweepThrottle(): void {
    this.#throttle.sweep();
  }
}

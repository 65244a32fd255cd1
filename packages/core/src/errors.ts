/**
 * Every refusal the core can give, with the plain-English message protocols that can carry text
 * show for it. Core calls return `'ok'` (or a value) or one of these codes, and only these: each
 * adapter renders every code in a `Record<ErrorCode, …>` table, so a new code that an adapter
 * does not say is a compile error there. `errors.test.ts` checks that every code is produced by
 * the core and that the core produces no other. One meaning per code:
 *
 * - NAME_*: a name that is not a valid name ({@link checkTextName}, {@link checkByteName}).
 * - NAME_REGISTERED: the name has an account (or is the reserved system sender), so it can be
 *   neither claimed as a guest nor registered again.
 * - NOT_IDENTIFIED: an operation that acts as a name, asked by a connection without one.
 * - WRONG_PASSWORD / UNKNOWN_USER / THROTTLED: a login's refusals.
 * - ROOM_EXISTS / NO_SUCH_ROOM / WRONG_ROOM_PASSWORD: creating and joining private rooms.
 * - TOO_MANY_CONNECTIONS: admission refused (per process or per address).
 * - SERVICE_UNAVAILABLE: the account store or the cluster could not answer (thrown, see
 *   {@link isServiceUnavailable}).
 */
export const errorCatalog = {
  NAME_EMPTY: 'the name is empty',
  NAME_TOO_LONG: 'the name is longer than 256 bytes',
  NAME_CONTROL_CHARACTER: 'the name contains a control character',
  NAME_REGISTERED: 'the name belongs to a registered user',
  ALREADY_IDENTIFIED: 'this connection already has a name',
  NOT_IDENTIFIED: 'this connection has no name yet',
  CONNECTION_CLOSED: 'the connection is closed',
  REPLACED: 'the name was claimed by a newer connection',
  WRONG_PASSWORD: 'wrong name or password',
  UNKNOWN_USER: 'no such user',
  THROTTLED: 'too many failed attempts; try again later',
  ROOM_EXISTS: 'the room already exists',
  NO_SUCH_ROOM: 'no such room',
  WRONG_ROOM_PASSWORD: 'wrong room password',
  TOO_MANY_CONNECTIONS: 'too many connections',
  SERVICE_UNAVAILABLE: 'the service is temporarily unavailable; try again shortly',
} as const;

export type ErrorCode = keyof typeof errorCatalog;

export function errorMessage(code: ErrorCode): string {
  return errorCatalog[code];
}

/** An error carrying a catalog code, for the few places that throw instead of returning one. */
export class SwitchboardError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, detail?: string, cause?: unknown) {
    super(detail ? `${errorCatalog[code]}: ${detail}` : errorCatalog[code], { cause });
    this.code = code;
    this.name = 'SwitchboardError';
  }
}

/**
 * True when an identification (or another store-backed operation) failed because the account
 * store or the cluster could not be reached: adapters answer it as a temporary outage, in their
 * protocol's own way, never as an internal error.
 */
export function isServiceUnavailable(error: unknown): boolean {
  return error instanceof SwitchboardError && error.code === 'SERVICE_UNAVAILABLE';
}

/**
 * An identification's answer with an outage as one more code: `SERVICE_UNAVAILABLE` instead of a
 * rejection, so an adapter renders it from the same table as every other refusal. Anything else
 * that fails still rejects (a bug, not an outage).
 */
export async function orUnavailable<T>(work: Promise<T>): Promise<T | 'SERVICE_UNAVAILABLE'> {
  try {
    return await work;
  } catch (error) {
    if (isServiceUnavailable(error)) return 'SERVICE_UNAVAILABLE';
    throw error;
  }
}

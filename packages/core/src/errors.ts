/**
 * Every refusal the core can give, with the plain-English message protocols that can carry text
 * show for it. Core calls return these codes; adapters decide how (and whether) to say them.
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
  ACCOUNT_EXISTS: 'the name is already registered',
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

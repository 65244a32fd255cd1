import { type ErrorCode, errorMessage } from '@switchboard/core';
import { encodeErrorFrame } from './json-ws-codec.ts';

/** How json-ws says one of the core's refusals. */
export type JsonWsRefusal =
  /** An `error` frame with this text; the connection stays open (the client may try again). */
  | { readonly error: string }
  /** The connection is closed with this code and reason. */
  | { readonly close: number; readonly reason: string }
  /** Nothing: the connection is already closing. */
  | null;

/**
 * Every code of the core's catalog, as json-ws says it (SPEC §2: `error` frames carry the
 * catalog's English text). A code without a rendering here is a compile error.
 */
export const jsonWsRefusals = {
  NAME_EMPTY: { error: errorMessage('NAME_EMPTY') },
  NAME_TOO_LONG: { error: errorMessage('NAME_TOO_LONG') },
  NAME_CONTROL_CHARACTER: { error: errorMessage('NAME_CONTROL_CHARACTER') },
  NAME_REGISTERED: { error: errorMessage('NAME_REGISTERED') },
  ALREADY_IDENTIFIED: { error: errorMessage('ALREADY_IDENTIFIED') },
  NOT_IDENTIFIED: { error: errorMessage('NOT_IDENTIFIED') },
  CONNECTION_CLOSED: null,
  REPLACED: { error: errorMessage('REPLACED') },
  WRONG_PASSWORD: { error: errorMessage('WRONG_PASSWORD') },
  UNKNOWN_USER: { error: errorMessage('UNKNOWN_USER') },
  THROTTLED: { error: errorMessage('THROTTLED') },
  ROOM_EXISTS: { error: errorMessage('ROOM_EXISTS') },
  NO_SUCH_ROOM: { error: errorMessage('NO_SUCH_ROOM') },
  WRONG_ROOM_PASSWORD: { error: errorMessage('WRONG_ROOM_PASSWORD') },
  // 1013 "try again later" (closeCodes.tryAgainLater): refused before it could say anything.
  TOO_MANY_CONNECTIONS: { close: 1013, reason: 'too many connections' },
  SERVICE_UNAVAILABLE: { error: errorMessage('SERVICE_UNAVAILABLE') },
} as const satisfies Record<ErrorCode, JsonWsRefusal>;

/** The `error` frame of a refusal that is said with one, or null for one that closes or is silent. */
export function refusalErrorFrame(code: ErrorCode): string | null {
  const refusal: JsonWsRefusal = jsonWsRefusals[code];
  return refusal !== null && 'error' in refusal ? encodeErrorFrame(refusal.error) : null;
}

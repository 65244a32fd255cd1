import type { ErrorCode } from '@switchboard/core';

/**
 * Every code of the core's catalog as SOH says it. SOH has no replies: every refusal —
 * a name that is empty or too long, a name registered or taken by a newer claim, a full server,
 * an outage — closes the connection. A code without a rendering here is a compile error.
 */
export const sohRefusals = {
  NAME_EMPTY: 'close',
  NAME_TOO_LONG: 'close',
  NAME_CONTROL_CHARACTER: 'close',
  NAME_REGISTERED: 'close',
  ALREADY_IDENTIFIED: 'close',
  NOT_IDENTIFIED: 'close',
  CONNECTION_CLOSED: 'close',
  REPLACED: 'close',
  WRONG_PASSWORD: 'close',
  UNKNOWN_USER: 'close',
  THROTTLED: 'close',
  ROOM_EXISTS: 'close',
  NO_SUCH_ROOM: 'close',
  WRONG_ROOM_PASSWORD: 'close',
  TOO_MANY_CONNECTIONS: 'close',
  SERVICE_UNAVAILABLE: 'close',
} as const satisfies Record<ErrorCode, 'close'>;

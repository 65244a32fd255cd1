import { closeCodes, type JsonWsRefusal, jsonWsRefusals } from '@switchboard/adapter-json-ws';
import type { ErrorCode, NameProblem } from '@switchboard/core';

/**
 * Every code of the core's catalog, as a connected sessions client hears it. Once upgraded it
 * speaks json-ws, so most codes are json-ws's `error` frames; what decides the WebSocket itself
 * (its client id's claim, admission, an outage) closes it with a code. A code without a rendering
 * here is a compile error.
 */
export const sessionsRefusals = {
  ...jsonWsRefusals,
  // The client id was registered after the upgrade checked it (the check refuses with HTTP 403).
  NAME_REGISTERED: { close: 4403, reason: 'client_id is a registered name' },
  REPLACED: { close: closeCodes.replaced, reason: 'replaced' },
  TOO_MANY_CONNECTIONS: { close: closeCodes.tryAgainLater, reason: 'too many connections' },
  SERVICE_UNAVAILABLE: { close: closeCodes.tryAgainLater, reason: 'service temporarily unavailable' },
} as const satisfies Record<ErrorCode, JsonWsRefusal>;

/** A client id that cannot be a name, refused with HTTP 400 before the upgrade. */
export const clientIdProblems = {
  NAME_EMPTY: () => 'client_id is empty',
  NAME_TOO_LONG: (maxBytes: number) => `client_id is longer than ${maxBytes} bytes`,
  NAME_CONTROL_CHARACTER: () => 'client_id contains a control character',
} as const satisfies Record<NameProblem, (maxBytes: number) => string>;

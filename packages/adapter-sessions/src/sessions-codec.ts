import { checkTextName } from '@switchboard/core';
import { clientIdProblems } from './sessions-refusals.ts';

/**
 * The HTTP side of the sessions protocol (seed 002), pure: which upgrade requests become
 * sessions, and the text of `GET /sessions`. Once upgraded, the connection speaks json-ws.
 */

export type UpgradeTarget =
  | { readonly ok: true; readonly clientId: string }
  | { readonly ok: false; readonly status: 400 | 404; readonly message: string };

/** Reads `GET /?client_id=ID` from a request target (path and query, as in the request line). */
export function parseUpgradeTarget(target: string, maxClientIdBytes: number): UpgradeTarget {
  const question = target.indexOf('?');
  const path = question === -1 ? target : target.slice(0, question);
  if (path !== '/') return { ok: false, status: 404, message: 'connect to /?client_id=ID' };
  const ids = new URLSearchParams(question === -1 ? '' : target.slice(question + 1)).getAll('client_id');
  if (ids.length === 0) return { ok: false, status: 400, message: 'client_id is missing' };
  if (ids.length > 1) return { ok: false, status: 400, message: 'client_id is given more than once' };
  const clientId = ids[0]!;
  const problem = checkTextName(clientId, maxClientIdBytes);
  if (problem !== null)
    return { ok: false, status: 400, message: clientIdProblems[problem](maxClientIdBytes) };
  return { ok: true, clientId };
}

/** `GET /sessions`: one `CLIENT_ID SESSION_ID` line per live session, sorted by the client ids' bytes. */
export function formatSessionList(entries: Iterable<readonly [clientId: string, sessionId: string]>): string {
  // By the client id's UTF-8 bytes, as every sorted list of names is (SPEC): sorting whole lines
  // would let the session id decide when one id is a prefix of another ("a" and "a b").
  const rows: { key: Buffer; line: string }[] = [];
  for (const [clientId, sessionId] of entries) {
    rows.push({ key: Buffer.from(clientId, 'utf8'), line: `${clientId} ${sessionId}\n` });
  }
  rows.sort((a, b) => Buffer.compare(a.key, b.key));
  return rows.map((row) => row.line).join('');
}

/** A raw HTTP response for a refused upgrade: the socket has not been handed to HTTP parsing. */
export function httpRefusal(status: number, reason: string, message: string): string {
  const body = `${message}\n`;
  // A 503 is an outage or a shutdown: tell clients when to come back rather than at once.
  const retry = status === 503 ? `Retry-After: ${RETRY_AFTER_SECONDS}\r\n` : '';
  return (
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
    `${retry}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

/** Seconds a refused client is asked to wait: about how long a store or Redis takes to come back. */
export const RETRY_AFTER_SECONDS = 5;

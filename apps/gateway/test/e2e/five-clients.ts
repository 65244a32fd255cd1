/**
 * One raw client per protocol, for the server API tests: who they are, how each protocol shows a
 * system message, and how each is told it was disconnected by an administrator.
 */
import { expect } from 'vitest';
import { addAccount, adminUrl, eventually, type Gateway, presence } from './fleet.ts';
import {
  type JsonConnection,
  jsonWs,
  type LineConnection,
  type RsUsConnection,
  rsUsLogin,
  type SessionsConnection,
  type SohConnection,
  sessionsWs,
  soh,
  tcpRoomsLogin,
} from './wire.ts';

export const SYSTEM = 'switchboard';

export interface FiveClients {
  readonly json: JsonConnection;
  readonly sessions: SessionsConnection;
  readonly tcp: LineConnection;
  readonly rsUs: RsUsConnection;
  readonly soh: SohConnection;
  /** By protocol: json-ws, sessions, tcp-rooms, rs-us, soh. */
  readonly names: Record<Protocol, string>;
  /** The system sender their gateways were started with. */
  readonly sender: string;
}

export type Protocol = 'json-ws' | 'sessions' | 'tcp-rooms' | 'rs-us' | 'soh';
export const PROTOCOLS: readonly Protocol[] = ['json-ws', 'sessions', 'tcp-rooms', 'rs-us', 'soh'];
/** Gateways of these tests serve exactly the five (whatever else the registry holds). */
export const ONLY_FIVE = ['--only', PROTOCOLS.join(',')];

/** The five on `gateway` (accounts made through `accounts`), named `<protocol-ish><suffix>`. */
export async function connectFive(
  gateway: Gateway,
  accounts: Gateway,
  suffix: string,
  sender = SYSTEM,
): Promise<FiveClients> {
  const names: Record<Protocol, string> = {
    'json-ws': `jay${suffix}`,
    sessions: `sid${suffix}`,
    'tcp-rooms': `tom${suffix}`,
    'rs-us': `rita${suffix}`,
    soh: `sam${suffix}`,
  };
  for (const name of [names['tcp-rooms'], names['rs-us']]) await addAccount(accounts, name, `${name}-pw`);
  const clients: FiveClients = {
    json: await jsonWs(gateway.port('json-ws'), names['json-ws']),
    sessions: await sessionsWs(gateway.port('sessions'), names.sessions),
    tcp: await tcpRoomsLogin(gateway.port('tcp-rooms'), names['tcp-rooms'], `${names['tcp-rooms']}-pw`),
    rsUs: await rsUsLogin(gateway.port('rs-us'), names['rs-us'], `${names['rs-us']}-pw`),
    soh: await soh(gateway.port('soh'), names.soh),
    names,
    sender,
  };
  // SOH's introduction is silent: wait until the API's gateway sees every name.
  await eventually(async () =>
    expect(await presence(accounts)).toEqual(expect.arrayContaining(Object.values(names))),
  );
  return clients;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Resolves, per protocol, the milliseconds from `since` to the system message `text` arriving
 * as that protocol renders a message from the system sender.
 */
export function arrivals(
  clients: FiveClients,
  text: string,
  direct: boolean,
  since: number,
  only: readonly Protocol[] = PROTOCOLS,
): Promise<Record<string, number>> {
  const tcpLine = new RegExp(
    `^${clients.sender} \\(\\d\\d:\\d\\d\\)${direct ? ' \\[private\\]' : ''}: ${escapeRegExp(text)}$`,
  );
  const waits: Record<Protocol, () => Promise<unknown>> = {
    'json-ws': () => clients.json.message(clients.sender, text),
    sessions: () => clients.sessions.message(clients.sender, text),
    'tcp-rooms': () => clients.tcp.waitFor(tcpLine),
    'rs-us': () => clients.rsUs.event(`${clients.sender}: ${text}`),
    soh: () => clients.soh.delivery(clients.sender, text),
  };
  return Promise.all(
    only.map(async (protocol) => {
      await waits[protocol]();
      return [protocol, performance.now() - since] as const;
    }),
  ).then(Object.fromEntries);
}

export interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
}

export async function api(
  gateway: Gateway,
  method: string,
  path: string,
  body?: unknown,
): Promise<ApiAnswer> {
  const response = await fetch(`${adminUrl(gateway)}${path}`, {
    method,
    ...(body !== undefined && {
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

/** Sends a system message and checks every protocol shows it; resolves the arrival times. */
export async function sayAndSee(
  gateway: Gateway,
  clients: FiveClients,
  body: { text: string; to?: string[] },
): Promise<{ answer: ApiAnswer; ms: Record<string, number> }> {
  const since = performance.now();
  const seen = arrivals(clients, body.text, body.to !== undefined, since);
  const answer = await api(gateway, 'POST', '/admin/messages', body);
  expect(answer.status).toBe(200);
  return { answer, ms: await seen };
}

/** Each protocol's goodbye to a connection an administrator disconnected. */
export async function expectDisconnectedByAdmin(clients: FiveClients): Promise<void> {
  const [json, sessions] = await Promise.all([clients.json.closed, clients.sessions.closed]);
  expect(json).toEqual({ code: 4003, reason: 'disconnected by an administrator' });
  expect(clients.json.frames.pending).toContainEqual({
    type: 'error',
    data: { message: 'disconnected by an administrator' },
  });
  expect(sessions).toEqual({ code: 4003, reason: 'disconnected by an administrator' });
  await clients.tcp.waitFor('Disconnected by an administrator.');
  await clients.tcp.ended;
  await clients.rsUs.word('invalidated');
  await clients.rsUs.ended;
  await clients.soh.ended;
}

/** Percentile of a list of numbers (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

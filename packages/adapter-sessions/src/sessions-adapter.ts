import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { frameLimit, HttpDeadline, TransportWebSocket } from '@switchboard/adapter-json-ws';
import {
  type AdapterStartContext,
  defineAdapter,
  edgeOf,
  errorMessage,
  isServiceUnavailable,
  Name,
  type RunningAdapter,
} from '@switchboard/core';
import { WebSocketServer } from 'ws';
import { formatSessionList, httpRefusal, parseUpgradeTarget, RETRY_AFTER_SECONDS } from './sessions-codec.ts';
import { SessionsConnection, SessionsRuntime } from './sessions-connection.ts';
import { type SessionsOptions, sessionsOptionsSchema } from './sessions-options.ts';

const TEXT = 'text/plain; charset=utf-8';

/**
 * HTTP and WebSocket on one port: `GET /sessions` lists the sessions (and `GET /` explains
 * itself), and the upgrade of `GET /?client_id=ID` is checked here before `ws` takes the socket.
 */
export async function startSessions(context: AdapterStartContext<SessionsOptions>): Promise<RunningAdapter> {
  const { hub, logger, options } = context;
  const runtime = new SessionsRuntime(hub, logger, options);
  const edge = edgeOf(context);
  // The edge's HTTP(S) server: TLS, accept errors and descriptor counts as on every port.
  const server = edge.httpServer((request, response) => {
    void answer(request, response);
  });
  const deadline = new HttpDeadline(server, hub.timers, options.httpRequestTimeoutMs);
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: frameLimit(options),
    clientTracking: false,
    // Each socket is its connection's transport: no listeners on it, no wrapper (json-ws's too).
    WebSocket: TransportWebSocket,
  });

  /** Plain HTTP: the two routes of SPEC §6 (GET and HEAD), 404 for anything else. */
  const answer = async (request: IncomingMessage, response: ServerResponse) => {
    const target = request.url ?? '/';
    const question = target.indexOf('?');
    const path = question === -1 ? target : target.slice(0, question);
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return respond(response, 404, 'connect to /?client_id=ID, or GET /sessions');
    }
    if (path === '/sessions') return listSessions(response);
    const upgrade = parseUpgradeTarget(target, options.maxClientIdBytes);
    if (upgrade.ok) return respond(response, 426, 'upgrade to WebSocket to open a session');
    return respond(response, upgrade.status, upgrade.message);
  };

  const listSessions = async (response: ServerResponse) => {
    let entries: Array<[string, string]>;
    try {
      entries = await hub.sessions.list();
    } catch (error) {
      // The directory lives in Redis in a cluster: out of reach is an outage, not a server bug.
      logger.warn({ err: error }, 'session directory unavailable');
      return respond(response, 503, errorMessage('SERVICE_UNAVAILABLE'), RETRY_AFTER);
    }
    const body = formatSessionList(entries);
    response.writeHead(200, { 'content-type': TEXT, 'content-length': Buffer.byteLength(body) });
    response.end(body);
  };

  const refuse = (socket: Socket, status: number, message: string) => {
    if (!socket.writable) return socket.destroy();
    socket.end(httpRefusal(status, STATUS_CODES[status] ?? '', message));
    // A peer that never closes its side would keep the half-closed socket.
    const linger = hub.timers.schedule(options.closeGraceMs, () => socket.destroy());
    socket.once('close', () => linger.cancel());
  };

  const onUpgradeError = (error: Error) => logger.debug({ err: error }, 'sessions upgrade socket error');

  const upgrade = async (request: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', onUpgradeError);
    deadline.release(socket);
    // The registered-name check may wait on a store that hangs: the upgrade has its own deadline.
    let expired = false;
    const expiry = hub.timers.schedule(options.upgradeTimeoutMs, () => {
      expired = true;
      refuse(socket, 503, errorMessage('SERVICE_UNAVAILABLE'));
    });
    try {
      await admit(request, socket, head, () => expired);
    } finally {
      expiry.cancel();
    }
  };

  const admit = async (request: IncomingMessage, socket: Socket, head: Buffer, expired: () => boolean) => {
    if (runtime.shuttingDown) return refuse(socket, 503, 'server shutting down');
    const target = parseUpgradeTarget(request.url ?? '/', options.maxClientIdBytes);
    if (!target.ok) return refuse(socket, target.status, target.message);
    let registered: boolean;
    try {
      registered = await hub.isRegistered(Name.fromText(target.clientId));
    } catch (error) {
      // An outage, which the hub already warns about: the client should come back shortly.
      if (isServiceUnavailable(error)) return refuse(socket, 503, errorMessage('SERVICE_UNAVAILABLE'));
      logger.error({ err: error }, 'account lookup failed');
      return refuse(socket, 500, 'internal server error');
    }
    if (expired()) return;
    if (registered) return refuse(socket, 403, 'client_id is the name of a registered user');
    if (runtime.shuttingDown) return refuse(socket, 503, 'server shutting down');
    if (socket.destroyed) return;
    const address = edge.clientAddress(request);
    wss.handleUpgrade(request, socket, head, (ws: TransportWebSocket) => {
      // ws handles the socket's errors from now on.
      socket.removeListener('error', onUpgradeError);
      new SessionsConnection(runtime, ws, target.clientId, address);
    });
  };
  server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
    void upgrade(request, socket, head);
  });

  server.listen(context.port, context.host);
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;

  let closed: Promise<void> | null = null;
  return {
    port,
    close() {
      closed ??= (async () => {
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        // Every session is closed with 1001; those that do not answer are cut off after the grace.
        await runtime.shutdown();
        // HTTP connections that never upgraded (silent, or half a request) would hold
        // server.close() open forever; upgraded sockets are not in this list.
        server.closeAllConnections();
        await serverClosed;
        wss.close();
      })();
      return closed;
    },
  };
}

const RETRY_AFTER = { 'retry-after': String(RETRY_AFTER_SECONDS) };

/** A text/plain answer with a trailing newline (HEAD gets the headers only: Node leaves the body out). */
function respond(
  response: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  const body = `${message}\n`;
  response.writeHead(status, { 'content-type': TEXT, 'content-length': Buffer.byteLength(body), ...headers });
  response.end(body);
}

/** One WebSocket session per client id, listed at `/sessions`, speaking json-ws (SPEC §6, seed 002). */
export const sessionsAdapter = defineAdapter<SessionsOptions>({
  name: 'sessions',
  defaultPort: 8880,
  optionsSchema: sessionsOptionsSchema,
  start: startSessions,
});

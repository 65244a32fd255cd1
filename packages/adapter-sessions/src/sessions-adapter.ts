import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { closeCodes, frameLimit, HttpDeadline } from '@switchboard/adapter-json-ws';
import {
  type AdapterStartContext,
  edgeOf,
  errorMessage,
  isServiceUnavailable,
  Name,
  type RunningAdapter,
} from '@switchboard/core';
import fastify from 'fastify';
import { type WebSocket, WebSocketServer } from 'ws';
import { formatSessionList, httpRefusal, parseUpgradeTarget, RETRY_AFTER_SECONDS } from './sessions-codec.ts';
import { SessionsConnection } from './sessions-connection.ts';
import type { SessionsOptions } from './sessions-options.ts';

/** How long shutdown waits for clients to answer the close frame before cutting them off. */
const SHUTDOWN_GRACE_MS = 1_000;

/**
 * HTTP and WebSocket on one port: fastify serves `GET /sessions` (and explains `GET /`), and
 * the upgrade of `GET /?client_id=ID` is checked here before `ws` takes the socket.
 */
export async function startSessions(context: AdapterStartContext<SessionsOptions>): Promise<RunningAdapter> {
  const { hub, logger, options } = context;
  const connections = new Set<SessionsConnection>();
  /** Every upgraded socket, refused ones included, so shutdown can cut off whoever lingers. */
  const sockets = new Set<WebSocket>();
  let closing = false;

  const edge = edgeOf(context);
  // The edge's HTTP(S) server: TLS, accept errors and descriptor counts as on every port.
  const app = fastify({ logger: false, serverFactory: (handler) => edge.httpServer(handler) });
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: frameLimit(options),
    clientTracking: false,
  });

  app.get('/sessions', async (_request, reply) => {
    let entries: Array<[string, string]>;
    try {
      entries = await hub.sessions.list();
    } catch (error) {
      // The directory lives in Redis in a cluster: out of reach is an outage, not a server bug.
      logger.warn({ err: error }, 'session directory unavailable');
      return reply
        .code(503)
        .header('retry-after', String(RETRY_AFTER_SECONDS))
        .type('text/plain; charset=utf-8')
        .send(`${errorMessage('SERVICE_UNAVAILABLE')}\n`);
    }
    return reply.type('text/plain; charset=utf-8').send(formatSessionList(entries));
  });
  app.get('/', async (request, reply) => {
    const target = parseUpgradeTarget(request.url, options.maxClientIdBytes);
    const [status, message] = target.ok
      ? [426, 'upgrade to WebSocket to open a session']
      : [target.status, target.message];
    return reply.code(status).type('text/plain; charset=utf-8').send(`${message}\n`);
  });

  const deadline = new HttpDeadline(app.server, hub.timers, options.httpRequestTimeoutMs);
  const refuse = (socket: Duplex, status: number, message: string) => {
    if (!socket.writable) return socket.destroy();
    socket.end(httpRefusal(status, STATUS_CODES[status] ?? '', message));
    // A peer that never closes its side would keep the half-closed socket.
    const linger = hub.timers.schedule(options.closeGraceMs, () => socket.destroy());
    socket.once('close', () => linger.cancel());
  };

  const accept = (ws: WebSocket, request: IncomingMessage, clientId: string) => {
    sockets.add(ws);
    ws.once('close', () => sockets.delete(ws));
    if (closing) {
      ws.close(closeCodes.goingAway, 'server shutting down');
      return;
    }
    const address = edge.clientAddress(request);
    const connection = new SessionsConnection(ws, clientId, address, hub, options, logger);
    connections.add(connection);
    void connection.closed.then(() => connections.delete(connection));
  };

  const upgrade = async (request: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', (error) => logger.debug({ err: error }, 'sessions upgrade socket error'));
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
    if (closing) return refuse(socket, 503, 'server shutting down');
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
    if (closing) return refuse(socket, 503, 'server shutting down');
    if (socket.destroyed) return;
    wss.handleUpgrade(request, socket, head, (ws) => accept(ws, request, target.clientId));
  };
  app.server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
    void upgrade(request, socket, head);
  });

  await app.listen({ host: context.host, port: context.port });
  const port = (app.server.address() as AddressInfo).port;

  return {
    port,
    async close() {
      if (closing) return;
      closing = true;
      const appClosed = app.close();
      const all = [...connections];
      for (const connection of all) connection.shutdown();
      const allClosed = Promise.all(all.map((connection) => connection.closed));
      await Promise.race([allClosed, sleep(SHUTDOWN_GRACE_MS, undefined, { ref: false })]);
      for (const ws of sockets) ws.terminate();
      // HTTP connections that never upgraded (silent, or half a request) would hold
      // app.close() open forever; upgraded sockets are not in this list.
      app.server.closeAllConnections();
      await allClosed;
      await appClosed;
      wss.close();
    },
  };
}

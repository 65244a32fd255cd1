import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { type AdapterStartContext, edgeOf, type RunningAdapter } from '@switchboard/core';
import { type WebSocket, WebSocketServer } from 'ws';
import { HttpDeadline } from './http-deadline.ts';
import { jsonWsErrors } from './json-ws-chat.ts';
import { encodeErrorFrame } from './json-ws-codec.ts';
import { closeCodes, JsonWsConnection } from './json-ws-connection.ts';
import { frameLimit, type JsonWsOptions } from './json-ws-options.ts';
import { loadWebPage, serveWebPage } from './web-page.ts';

/** How long shutdown waits for clients to answer the close frame before cutting them off. */
const SHUTDOWN_GRACE_MS = 1_000;

/**
 * Serves json-ws on every path of one HTTP server. Plain HTTP gets the browser chat on `/` and
 * `/index.html` (unless `webChat` is off) and 426 everywhere else.
 */
export async function startJsonWs(context: AdapterStartContext<JsonWsOptions>): Promise<RunningAdapter> {
  const { hub, logger, options } = context;
  const connections = new Set<JsonWsConnection>();
  /** Every upgraded socket, refused ones included, so shutdown can cut off whoever lingers. */
  const sockets = new Set<WebSocket>();
  let closing = false;
  const page = options.webChat ? await loadWebPage() : null;

  const edge = edgeOf(context);
  const server = edge.httpServer((request, response) => {
    if (page && serveWebPage(page, request, response)) return;
    response.writeHead(426, { 'content-type': 'text/plain; charset=utf-8', upgrade: 'websocket' });
    response.end('this port speaks json-ws over WebSocket\n');
  });
  const deadline = new HttpDeadline(server, hub.timers, options.httpRequestTimeoutMs);
  const wss = new WebSocketServer({
    server,
    perMessageDeflate: false,
    maxPayload: frameLimit(options),
    clientTracking: false,
  });
  wss.on('error', (error) => logger.error({ err: error }, 'json-ws server error'));
  wss.on('connection', (ws: WebSocket, request: IncomingMessage) => {
    deadline.release(request.socket);
    sockets.add(ws);
    ws.once('close', () => sockets.delete(ws));
    if (closing) {
      ws.send(encodeErrorFrame(jsonWsErrors.shuttingDown));
      ws.close(closeCodes.goingAway, 'server shutting down');
      return;
    }
    const connection = new JsonWsConnection(ws, edge.clientAddress(request), hub, options, logger);
    connections.add(connection);
    void connection.closed.then(() => connections.delete(connection));
  });

  server.listen(context.port, context.host);
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    async close() {
      if (closing) return;
      closing = true;
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      const all = [...connections];
      for (const connection of all) connection.shutdown();
      const allClosed = Promise.all(all.map((connection) => connection.closed));
      const grace = sleep(SHUTDOWN_GRACE_MS, undefined, { ref: false });
      await Promise.race([allClosed, grace]);
      for (const ws of sockets) ws.terminate();
      // HTTP connections that never upgraded (silent, or half a request) would hold
      // server.close() open forever; upgraded sockets are not in this list.
      server.closeAllConnections();
      await allClosed;
      await serverClosed;
    },
  };
}

import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type AdapterStartContext,
  ConnectionRuntime,
  defineAdapter,
  edgeOf,
  type RunningAdapter,
} from '@switchboard/core';
import { WebSocketServer } from 'ws';
import { HttpDeadline } from './http-deadline.ts';
import { JsonWsConnection, PROTOCOL } from './json-ws-connection.ts';
import { frameLimit, type JsonWsOptions, jsonWsOptionsSchema } from './json-ws-options.ts';
import { jsonWsRefusals } from './json-ws-refusals.ts';
import { loadWebPage, serveWebPage } from './web-page.ts';
import { type CloseFrame, TransportWebSocket } from './websocket-transport.ts';

/**
 * Most frames a connection may have waiting for their turn. Reading pauses as soon as one has to
 * wait, but `ws` still hands over every frame of the chunks already read (64 KiB and the socket's
 * buffer): a few thousand real messages at most, since the smallest json-ws message takes 31 bytes
 * on the wire. More means frames of a few bytes each, a flood, and the connection is closed (1008).
 */
export const MAX_QUEUED_FRAMES = 4096;

/**
 * Serves json-ws on every path of one HTTP server. Plain HTTP gets the browser chat on `/` and
 * `/index.html` (unless `webChat` is off) and 426 everywhere else.
 */
export async function startJsonWs(context: AdapterStartContext<JsonWsOptions>): Promise<RunningAdapter> {
  const { hub, logger, options } = context;
  const { close: code, reason } = jsonWsRefusals.TOO_MANY_CONNECTIONS;
  const runtime = new ConnectionRuntime<CloseFrame>(hub, logger, {
    protocol: PROTOCOL,
    closeGraceMs: options.closeGraceMs,
    refusal: { code, reason },
    maxQueuedInputs: MAX_QUEUED_FRAMES,
  });
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
    // Each socket is its connection's transport: no listeners on it, no wrapper.
    WebSocket: TransportWebSocket,
  });
  wss.on('error', (error) => logger.error({ err: error }, 'json-ws server error'));
  wss.on('connection', (ws: TransportWebSocket, request: IncomingMessage) => {
    deadline.release(request.socket);
    const connection = new JsonWsConnection(runtime, ws, edge.clientAddress(request), options);
    // Upgraded while stopping (a kept-alive HTTP connection): told at once, like the others were.
    if (runtime.shuttingDown && connection.admitted) connection.shutdown();
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
        await runtime.shutdown();
        // HTTP connections that never upgraded (silent, or half a request) would hold
        // server.close() open forever; upgraded sockets are not in this list.
        server.closeAllConnections();
        await serverClosed;
      })();
      return closed;
    },
  };
}

/** JSON chat over WebSocket (SPEC §2, seed 000). */
export const jsonWsAdapter = defineAdapter<JsonWsOptions>({
  name: 'json-ws',
  defaultPort: 8080,
  optionsSchema: jsonWsOptionsSchema,
  start: startJsonWs,
});

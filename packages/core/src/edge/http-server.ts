import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { watchAcceptErrors } from './accept-errors.ts';
import type { EdgeSettings } from './edge-settings.ts';

/**
 * The HTTP server of a WebSocket adapter, plain or HTTPS: the certificate follows reloads
 * (setSecureContext, for new connections only), the TLS handshake has the preamble deadline,
 * and accept errors never stop it. Listening is the caller's (fastify listens on its own).
 */
export function createEdgeHttpServer(settings: EdgeSettings, handler?: RequestListener): Server {
  const { tls, logger, descriptors } = settings;
  let server: Server;
  if (tls) {
    const https = createHttpsServer({ ...tls.pair, handshakeTimeout: settings.preambleTimeoutMs }, handler);
    const unsubscribe = tls.onReload((pair) => https.setSecureContext(pair));
    https.once('close', unsubscribe);
    https.on('tlsClientError', (error) => logger.debug({ err: error }, 'tls handshake failed'));
    // An https.Server is an http.Server with TLS underneath: the same requests and upgrades.
    server = https as unknown as Server;
  } else {
    server = handler ? createHttpServer(handler) : createHttpServer();
  }
  server.on('connection', (socket: import('node:net').Socket) => descriptors.track(socket));
  watchAcceptErrors(server, logger, descriptors);
  return server;
}

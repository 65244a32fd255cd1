import { createServer, type Server } from 'node:net';
import type { AdapterStartContext, RunningAdapter } from '@switchboard/core';
import { SohConnection } from './soh-connection.ts';

export interface SohOptions {
  /** Longest field (name, receiver or text) in bytes, inclusive; a longer one closes the connection. */
  maxFieldBytes: number;
  /** A client that has not sent its whole name this long after connecting is closed. */
  nameTimeoutMs: number;
}

/** How long graceful close waits for clients to take their last deliveries before destroying them. */
const SHUTDOWN_GRACE_MS = 1_000;

/** Serves SOH clients on a TCP port until close(). */
export async function startSohServer(context: AdapterStartContext<SohOptions>): Promise<RunningAdapter> {
  const { hub, logger, host, port, options } = context;
  const connections = new Set<SohConnection>();
  const server = createServer((socket) => {
    const connection = new SohConnection(socket, hub, logger, options);
    connections.add(connection);
    socket.once('close', () => connections.delete(connection));
  });
  await listen(server, host, port);
  server.on('error', (error) => logger.error({ err: error }, 'soh server error'));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // SOH has no word for goodbye: ending the stream after the last delivery is all it can say.
      for (const connection of connections) connection.shutdown();
      const stragglers = setTimeout(() => {
        for (const connection of connections) connection.drop();
      }, SHUTDOWN_GRACE_MS);
      await closed;
      clearTimeout(stragglers);
    },
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

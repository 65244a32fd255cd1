import { type AdapterStartContext, edgeOf, type RunningAdapter } from '@switchboard/core';
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
  const listener = await edgeOf(context).listenTcp({ host, port }, (socket, clientAddress) => {
    const connection = new SohConnection(socket, hub, logger, options, clientAddress);
    connections.add(connection);
    socket.once('close', () => connections.delete(connection));
  });
  return {
    port: listener.port,
    async close() {
      const closed = listener.close();
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

import { type AdapterStartContext, ConnectionRuntime, edgeOf, type RunningAdapter } from '@switchboard/core';
import { SohConnection } from './soh-connection.ts';

export interface SohOptions {
  /** Longest field (name, receiver or text) in bytes, inclusive; a longer one closes the connection. */
  maxFieldBytes: number;
  /** A client that has not sent its whole name this long after connecting is closed. */
  nameTimeoutMs: number;
}

/** Serves SOH clients on a TCP port until close(). */
export async function startSohServer(context: AdapterStartContext<SohOptions>): Promise<RunningAdapter> {
  const { hub, logger, host, port, options } = context;
  // SOH has no word for goodbye: ending the stream after the last delivery is all it can say.
  const runtime = new ConnectionRuntime<Buffer | string>(hub, logger, { protocol: 'soh' });
  const listener = await edgeOf(context).listenTcp({ host, port }, (socket, clientAddress) => {
    new SohConnection(runtime, socket, clientAddress, options);
  });
  return {
    port: listener.port,
    async close() {
      const closed = listener.close();
      await runtime.shutdown();
      await closed;
    },
  };
}

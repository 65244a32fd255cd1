import { type AdapterStartContext, edgeOf, type RunningAdapter } from '@switchboard/core';
import { IrcConnection } from './irc-connection.ts';
import { IrcDirectory } from './irc-directory.ts';
import type { IrcOptions } from './irc-options.ts';

/** Serves IRC clients on a TCP port (through the core's edge: TLS, PROXY protocol) until close(). */
export async function startIrcServer(context: AdapterStartContext<IrcOptions>): Promise<RunningAdapter> {
  const { hub, host, port, options } = context;
  const logger = context.logger.child({ adapter: 'irc' });
  const directory = new IrcDirectory(hub, logger, options);
  const connections = new Set<IrcConnection>();
  // Half-open allowed: a client that ends its side (`nc` at EOF) still gets its answers.
  const listener = await edgeOf(context).listenTcp(
    { host, port, allowHalfOpen: true, noDelay: true },
    (socket, clientAddress) => {
      const connection = IrcConnection.accept(directory, socket, clientAddress);
      if (!connection) return;
      connections.add(connection);
      void connection.closed.then(() => connections.delete(connection));
    },
  );
  return {
    port: listener.port,
    async close() {
      const stopped = listener.close();
      await Promise.all([...connections].map((connection) => connection.shutdown()));
      await stopped;
    },
  };
}

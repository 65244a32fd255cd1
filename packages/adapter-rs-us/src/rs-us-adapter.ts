import { defaultEdge, defineAdapter } from '@switchboard/core';
import { RsUsConnection } from './rs-us-connection.ts';
import { rsUsOptionsSchema } from './rs-us-options.ts';

/** SPEC §5: UTF-8 over TCP, messages ended by U+001E, parts separated by U+001F. */
export const rsUsAdapter = defineAdapter({
  name: 'rs-us',
  defaultPort: 7171,
  optionsSchema: rsUsOptionsSchema,
  async start({ hub, logger, host, port, options, edge }) {
    const log = logger.child({ adapter: 'rs-us' });
    const connections = new Set<RsUsConnection>();
    // Half-open allowed: a client that ends its side still gets the answers to what it sent.
    const listener = await (edge ?? defaultEdge(log)).listenTcp(
      { host, port, allowHalfOpen: true, noDelay: true },
      (socket, clientAddress) => {
        const connection = RsUsConnection.accept(hub, socket, options, log, clientAddress);
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
  },
});

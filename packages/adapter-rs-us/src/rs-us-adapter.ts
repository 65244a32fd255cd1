import { type AddressInfo, createServer, type Server } from 'node:net';
import { defineAdapter } from '@switchboard/core';
import { RsUsConnection } from './rs-us-connection.ts';
import { rsUsOptionsSchema } from './rs-us-options.ts';

/** SPEC §5: UTF-8 over TCP, messages ended by U+001E, parts separated by U+001F. */
export const rsUsAdapter = defineAdapter({
  name: 'rs-us',
  defaultPort: 7171,
  optionsSchema: rsUsOptionsSchema,
  async start({ hub, logger, host, port, options }) {
    const log = logger.child({ adapter: 'rs-us' });
    const connections = new Set<RsUsConnection>();
    // Half-open allowed: a client that ends its side still gets the answers to what it sent.
    const server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
      const connection = RsUsConnection.accept(hub, socket, options, log);
      if (!connection) return;
      connections.add(connection);
      void connection.closed.then(() => connections.delete(connection));
    });
    await listen(server, host, port);
    server.on('error', (error) => log.error({ err: error }, 'rs-us server error'));
    return {
      port: (server.address() as AddressInfo).port,
      async close() {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        await Promise.all([...connections].map((connection) => connection.shutdown()));
        await stopped;
      },
    };
  },
});

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

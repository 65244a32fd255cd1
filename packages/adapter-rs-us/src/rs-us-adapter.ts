import { ConnectionRuntime, defineAdapter, edgeOf } from '@switchboard/core';
import { RsUsConnection, type RsUsRuntime } from './rs-us-connection.ts';
import { rsUsOptionsSchema } from './rs-us-options.ts';

/** SPEC §5: UTF-8 over TCP, messages ended by U+001E, parts separated by U+001F. */
export const rsUsAdapter = defineAdapter({
  name: 'rs-us',
  defaultPort: 7171,
  optionsSchema: rsUsOptionsSchema,
  async start(context) {
    const { hub, logger, host, port, options } = context;
    const runtime: RsUsRuntime = new ConnectionRuntime(hub, logger, {
      protocol: 'rs-us',
      // A client that ends its side still gets the answers to everything it sent, at its rate.
      drainAfterEnd: true,
      // `timeout` comes after so long "without a command": bytes of an unfinished one do not count.
      idleResetByFrames: true,
    });
    // Half-open allowed, for the same reason.
    const listener = await edgeOf(context).listenTcp(
      { host, port, allowHalfOpen: true, noDelay: true },
      (socket, clientAddress) => {
        new RsUsConnection(runtime, socket, clientAddress, options);
      },
    );
    return {
      port: listener.port,
      async close() {
        const closed = listener.close();
        await runtime.shutdown();
        await closed;
      },
    };
  },
});

import { ConnectionRuntime, defineAdapter, serveTcp } from '@switchboard/core';
import { RsUsConnection, type RsUsRuntime } from './rs-us-connection.ts';
import { rsUsOptionsSchema } from './rs-us-options.ts';

/** SPEC §5: UTF-8 over TCP, messages ended by U+001E, parts separated by U+001F. */
export const rsUsAdapter = defineAdapter({
  name: 'rs-us',
  defaultPort: 7171,
  optionsSchema: rsUsOptionsSchema,
  async start(context) {
    const { hub, logger, options } = context;
    const runtime: RsUsRuntime = new ConnectionRuntime(hub, logger, {
      protocol: 'rs-us',
      // A client that ends its side still gets the answers to everything it sent, at its rate.
      drainAfterEnd: true,
      // `timeout` comes after so long "without a command": bytes of an unfinished one do not count.
      idleResetByFrames: true,
    });
    // Half-open allowed, for the same reason.
    return serveTcp(
      context,
      runtime,
      (socket, clientAddress) => {
        new RsUsConnection(runtime, socket, clientAddress, options);
      },
      { allowHalfOpen: true, noDelay: true },
    );
  },
});

import {
  type AdapterStartContext,
  ConnectionRuntime,
  defineAdapter,
  type RunningAdapter,
  serveTcp,
} from '@switchboard/core';
import { SohConnection } from './soh-connection.ts';
import { type SohOptions, sohOptionsSchema } from './soh-options.ts';

/** Serves SOH clients on a TCP port until close(). */
export async function startSohServer(context: AdapterStartContext<SohOptions>): Promise<RunningAdapter> {
  const { hub, logger, options } = context;
  // SOH has no word for goodbye: ending the stream after the last delivery is all it can say.
  const runtime = new ConnectionRuntime<Buffer | string>(hub, logger, { protocol: 'soh' });
  return serveTcp(context, runtime, (socket, clientAddress) => {
    new SohConnection(runtime, socket, clientAddress, options);
  });
}

/** Raw TCP chat framed by 0x01 (seed 004): a name, then `RECEIVER 0x01 TEXT 0x01` pairs. */
export const sohAdapter = defineAdapter<SohOptions>({
  name: 'soh',
  defaultPort: 7878,
  optionsSchema: sohOptionsSchema,
  start: startSohServer,
});

import { type AdapterStartContext, edgeOf, type RunningAdapter } from '../adapter/adapter.ts';
import type { TcpConnectionHandler, TcpListenOptions } from '../edge/tcp-listener.ts';
import type { ConnectionRuntime } from './connection-runtime.ts';

/**
 * The running adapter of a TCP protocol: listens on the context's host and port through its edge
 * (TLS, the PROXY protocol, descriptor limits), hands each accepted socket and its client's
 * address to `accept` (which makes the protocol's connection), and stops gracefully: `close()`
 * stops accepting, lets every connection of `runtime` say goodbye and close within the grace,
 * and resolves once all is closed (calling it again waits for the same stop).
 */
export async function serveTcp(
  context: AdapterStartContext<unknown>,
  runtime: Pick<ConnectionRuntime, 'shutdown'>,
  accept: TcpConnectionHandler,
  listen: Omit<TcpListenOptions, 'host' | 'port'> = {},
): Promise<RunningAdapter> {
  const listener = await edgeOf(context).listenTcp(
    { ...listen, host: context.host, port: context.port },
    accept,
  );
  let stopping: Promise<void> | null = null;
  return {
    port: listener.port,
    close() {
      stopping ??= (async () => {
        const stopped = listener.close();
        await runtime.shutdown();
        await stopped;
      })();
      return stopping;
    },
  };
}

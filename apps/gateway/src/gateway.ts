import {
  type AdapterDefinition,
  EdgeRuntime,
  Hub,
  type Logger,
  type RunningAdapter,
} from '@switchboard/core';
import { adapters } from './adapters.ts';
import { createAdminServer } from './admin-http.ts';
import { adapterSettings, enabledAdapters, type GatewayConfig, tlsFiles } from './config.ts';
import { GatewayMetrics } from './metrics.ts';
import { openBackend } from './stores.ts';

export interface RunningGateway {
  /** Bound ports by adapter name, and `admin`. */
  readonly ports: Readonly<Record<string, number>>;
  readonly hub: Hub;
  /** Whether the protocol listeners serve TLS (those that did not opt out). */
  readonly tls: boolean;
  /**
   * Reads the TLS certificate and key again (SIGHUP): new connections get them, open ones keep
   * theirs. Throws, keeping the current certificate, when the files cannot be used.
   */
  reloadTls(): void;
  /** Graceful stop: adapters tell their clients, storage is flushed. */
  stop(): Promise<void>;
}

/**
 * Starts every enabled adapter of `registry` (the built-ins, plus plug-ins `config` was loaded
 * with) and the admin server on one hub.
 */
export async function startGateway(
  config: GatewayConfig,
  logger: Logger,
  registry: readonly AdapterDefinition<unknown>[] = adapters,
): Promise<RunningGateway> {
  // First: a certificate that cannot be read stops the start before anything is opened.
  const edge = new EdgeRuntime({
    logger: logger.child({ component: 'edge' }),
    trustProxy: config.trustProxy,
    tls: tlsFiles(config),
    preambleTimeoutMs: config.preambleTimeoutMs,
  });
  // The backend names its own component (the SQLite store, or cluster-redis): no key twice.
  const backend = await openBackend(config, logger);
  const hub = new Hub({
    nodeId: backend.nodeId,
    accounts: backend.accounts,
    rooms: backend.rooms,
    ...(backend.bus && { bus: backend.bus }),
    ...(backend.presence && { presence: backend.presence }),
    ...(backend.sessions && { sessions: backend.sessions }),
    logger: logger.child({ component: 'hub' }),
    limits: config.limits,
    throttle: config.throttle,
    scrypt: { cost: config.scryptCost, blockSize: 8, parallelization: 1 },
    systemSender: config.systemSender,
  });

  const running = new Map<string, RunningAdapter>();
  const stopAdapters = () => Promise.allSettled([...running.values()].map((adapter) => adapter.close()));
  try {
    for (const definition of enabledAdapters(config, registry)) {
      const { port, tls, options } = adapterSettings(config, definition.name);
      const adapterLogger = logger.child({ adapter: definition.name });
      const adapter = await definition.start({
        hub,
        logger: adapterLogger,
        host: config.host,
        port,
        options,
        edge: edge.forAdapter({ logger: adapterLogger, tls }),
      });
      running.set(definition.name, adapter);
    }
  } catch (error) {
    await stopAdapters();
    hub.close();
    await backend.close();
    throw error;
  }

  const metrics = new GatewayMetrics(
    hub,
    [...running.keys()],
    backend.publishFailures,
    backend.clusterMetrics,
  );
  const admin = createAdminServer({
    hub,
    metrics,
    token: config.admin.token,
    ready: backend.ready,
    logger: logger.child({ component: 'admin' }),
  });
  try {
    await admin.listen({ host: config.admin.host, port: config.admin.port });
  } catch (error) {
    await stopAdapters();
    hub.close();
    await backend.close();
    throw error;
  }
  const address = admin.server.address();
  const ports: Record<string, number> = Object.fromEntries(
    [...running].map(([name, adapter]) => [name, adapter.port]),
  );
  ports.admin = typeof address === 'object' && address ? address.port : config.admin.port;

  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      await stopAdapters();
      await admin.close();
      metrics.stop();
      hub.close();
      await backend.close();
    })();
    return stopping;
  };
  return {
    ports: Object.freeze(ports),
    hub,
    tls: edge.tlsEnabled,
    reloadTls: () => edge.reloadTls(),
    stop,
  };
}

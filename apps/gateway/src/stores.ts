import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { AccountStore, Bus, Logger, Presence, RoomStore, SessionDirectory } from '@switchboard/core';
import { SqliteStore } from '@switchboard/core/sqlite';
import type { GatewayConfig } from './config.ts';

/** The ports a hub runs on: embedded (SQLite, in-process) or clustered (Redis). */
export interface Backend {
  nodeId: string;
  accounts: AccountStore;
  rooms: RoomStore;
  bus?: Bus;
  presence?: Presence;
  sessions?: SessionDirectory;
  /** Reachability of the backing store, for /readyz. */
  ready(): Promise<boolean>;
  /** Redis publish failures, for /metrics (0 when embedded). */
  publishFailures(): number;
  /** The cluster layer's metrics in Prometheus text lines (none when embedded). */
  clusterMetrics(): string[];
  close(): Promise<void>;
}

export const DATABASE_FILE = 'switchboard.db';

export async function openBackend(
  config: Pick<GatewayConfig, 'dataDir' | 'redis' | 'cluster'>,
  logger: Logger,
): Promise<Backend> {
  const nodeId = randomUUID();
  if (!config.redis) {
    const store = new SqliteStore(join(config.dataDir, DATABASE_FILE));
    return {
      nodeId,
      accounts: store.accounts,
      rooms: store.rooms,
      ready: async () => true,
      publishFailures: () => 0,
      clusterMetrics: () => [],
      close: () => store.close(),
    };
  }
  // Loaded only for a cluster: a lone gateway starts faster without ioredis.
  const { connectRedis, createRedisCluster, renderClusterMetrics } = await import(
    '@switchboard/cluster-redis'
  );
  const clusterLogger = logger.child({ component: 'cluster-redis', nodeId });
  const clients = await connectRedis(config.redis, clusterLogger);
  const cluster = await createRedisCluster({
    redis: clients.redis,
    subscriber: clients.subscriber,
    nodeId,
    heartbeatMs: config.cluster.heartbeatMs,
    nodeTtlMs: config.cluster.nodeTtlMs,
    logger: clusterLogger,
  });
  return {
    nodeId,
    accounts: cluster.accounts,
    rooms: cluster.rooms,
    bus: cluster.bus,
    presence: cluster.presence,
    sessions: cluster.sessions,
    ready: async () => clients.redis.status === 'ready',
    publishFailures: () => cluster.stats.publishFailures,
    clusterMetrics: () => renderClusterMetrics(cluster.stats, 'switchboard_cluster_'),
    close: async () => {
      await cluster.close();
      await clients.close();
    },
  };
}

import { randomUUID } from 'node:crypto';
import { type Logger, silentLogger } from '@switchboard/core';
import type { ClusterFixture } from '@switchboard/core/testing';
import { Redis } from 'ioredis';
import { connectRedis, type RedisConnections } from '../connect-redis.ts';
import { createRedisCluster, type RedisCluster } from '../redis-cluster.ts';
import type { RedisClusterServer } from './redis-cluster-server.ts';
import type { RedisServer } from './redis-server.ts';

export interface RedisNode {
  cluster: RedisCluster;
  connections: RedisConnections;
}

/**
 * A fresh service on one test Redis: every fixture gets its own key prefix, every node its own
 * pair of connections, as separate processes would have.
 */
export function redisClusterFixture(
  server: RedisServer | RedisClusterServer,
  timing: { heartbeatMs: number; nodeTtlMs: number },
  logger: Logger = silentLogger,
): ClusterFixture & { nodes: Map<string, RedisNode>; keyPrefix: string } {
  const keyPrefix = `test:${randomUUID()}:`;
  const nodes = new Map<string, RedisNode>();
  return {
    nodes,
    keyPrefix,
    async node(nodeId) {
      const connections = await connectRedis(server.url, silentLogger);
      const cluster = await createRedisCluster({ ...connections, nodeId, keyPrefix, logger, ...timing });
      nodes.set(nodeId, { cluster, connections });
      return cluster;
    },
    storeCommands: () => totalCommands(server),
    framesReceived: (nodeId, kind) => nodes.get(nodeId)?.cluster.stats.receivedByKind[kind] ?? 0,
    /** As `kill -9`: the connections drop, no goodbye; the heartbeat just stops reaching Redis. */
    kill(nodeId) {
      const node = nodes.get(nodeId);
      node?.connections.redis.disconnect();
      node?.connections.subscriber.disconnect();
    },
    async close() {
      for (const { cluster, connections } of nodes.values()) {
        await cluster.close();
        await connections.close();
      }
    },
  };
}

/** Commands run so far by the server, or by every master of a Redis Cluster. */
export async function totalCommands(server: RedisServer | RedisClusterServer): Promise<number> {
  const urls = 'nodeUrls' in server ? server.nodeUrls : [server.url];
  const counts = await Promise.all(urls.map((url) => commandCount(url)));
  return counts.reduce((sum, count) => sum + count, 0);
}

/**
 * Commands the server has run so far (INFO commandstats), less the INFO calls that asked: the
 * number of Redis round trips between two readings is the difference.
 */
export async function commandCount(url: string): Promise<number> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    const info = await client.info('commandstats');
    let total = 0;
    for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
      if (match[1] !== 'info' && match[1] !== 'client|setinfo' && match[1] !== 'client')
        total += Number(match[2]);
    }
    return total;
  } finally {
    client.disconnect();
  }
}

import { randomUUID } from 'node:crypto';
import { silentLogger } from '@switchboard/core';
import type { ClusterFixture } from '@switchboard/core/testing';
import { connectRedis, type RedisConnections } from '../connect-redis.ts';
import { createRedisCluster, type RedisCluster } from '../redis-cluster.ts';
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
  server: RedisServer,
  timing: { heartbeatMs: number; nodeTtlMs: number },
): ClusterFixture & { nodes: Map<string, RedisNode>; keyPrefix: string } {
  const keyPrefix = `test:${randomUUID()}:`;
  const nodes = new Map<string, RedisNode>();
  return {
    nodes,
    keyPrefix,
    async node(nodeId) {
      const connections = await connectRedis(server.url, silentLogger);
      const cluster = await createRedisCluster({ ...connections, nodeId, keyPrefix, ...timing });
      nodes.set(nodeId, { cluster, connections });
      return cluster;
    },
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

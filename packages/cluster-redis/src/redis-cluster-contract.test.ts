import { randomUUID } from 'node:crypto';
import { silentLogger } from '@switchboard/core';
import { runAccountStoreContract, runClusterContract, runRoomStoreContract } from '@switchboard/core/testing';
import { afterAll, beforeAll } from 'vitest';
import { connectRedis } from './connect-redis.ts';
import type { RedisClient } from './redis-client.ts';
import { RedisKeys } from './redis-keys.ts';
import { RedisAccountStore, RedisRoomStore } from './redis-stores.ts';
import { RedisClusterServer } from './testing/redis-cluster-server.ts';
import { redisClusterFixture } from './testing/redis-fixture.ts';

/** The same contracts as on one Redis, on a real three-master Redis Cluster with sharded pub/sub. */
let server: RedisClusterServer;
beforeAll(async () => {
  server = await RedisClusterServer.start();
}, 30_000);
afterAll(async () => {
  await server?.kill();
});

async function storeFixture<Store>(make: (redis: RedisClient, keys: RedisKeys) => Store) {
  const keys = new RedisKeys(`test:${randomUUID()}:`);
  let connections = await connectRedis(server.url, silentLogger);
  return {
    store: make(connections.redis, keys),
    async reopen() {
      await connections.close();
      connections = await connectRedis(server.url, silentLogger);
      return make(connections.redis, keys);
    },
    close: () => connections.close(),
  };
}

runAccountStoreContract('redis cluster', () =>
  storeFixture((redis, keys) => new RedisAccountStore(redis, keys.accounts)),
);
runRoomStoreContract('redis cluster', () =>
  storeFixture((redis, keys) => new RedisRoomStore(redis, keys.rooms)),
);
runClusterContract('redis cluster', () => redisClusterFixture(server, { heartbeatMs: 100, nodeTtlMs: 500 }), {
  killTimeoutMs: 2_000,
});

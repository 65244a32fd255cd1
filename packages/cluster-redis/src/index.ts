export { type BusFrame, BusFrameError, decodeBusFrame, encodeBusFrame } from './bus-codec.ts';
export { renderClusterMetrics } from './cluster-metrics.ts';
export { RedisClusterStats } from './cluster-stats.ts';
export {
  type ConnectRedisOptions,
  clusterSeeds,
  connectRedis,
  type RedisConnections,
  redactUrl,
} from './connect-redis.ts';
export type { RedisClient } from './redis-client.ts';
export { createRedisCluster, type RedisCluster, type RedisClusterOptions } from './redis-cluster.ts';

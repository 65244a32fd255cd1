import type { Cluster, Redis } from 'ioredis';

/**
 * One Redis or a Redis Cluster: the cluster layer uses only commands both speak (keys that a
 * script or MULTI touches together share a hash tag, see `RedisKeys`).
 */
export type RedisClient = Redis | Cluster;

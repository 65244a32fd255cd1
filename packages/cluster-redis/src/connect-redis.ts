import type { Logger } from '@switchboard/core';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { RedisClient } from './redis-client.ts';

export interface RedisConnections {
  /** For commands (presence, stores, publishing). */
  redis: RedisClient;
  /** For the bus subscription only: a subscribed connection cannot issue commands. */
  subscriber: RedisClient;
  /** Closes both connections. */
  close(): Promise<void>;
}

export interface ConnectRedisOptions {
  /** How long to wait for both connections to answer before giving up. */
  readyTimeoutMs?: number;
}

/**
 * Reconnect quickly and keep trying, at most 200 ms apart: the first identification after Redis
 * returns must be served within 0.5 s, and a refused connect to a local port costs next to nothing.
 */
const retryStrategy = (attempt: number) => Math.min(50 * attempt, 200);

/**
 * The seeds of a Redis Cluster URL, `redis+cluster://[user:password@]host:port[,host:port...]`
 * (`rediss+cluster://` for TLS), or null for a plain `redis://` / `rediss://` URL.
 */
export function clusterSeeds(url: string): {
  seeds: Array<{ host: string; port: number }>;
  username?: string;
  password?: string;
  tls: boolean;
} | null {
  const match = /^(rediss?)\+cluster:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#]+)\/?$/.exec(url);
  if (!match) return null;
  const [, scheme, user, password, hosts] = match;
  const seeds = hosts!.split(',').map((seed) => {
    const at = seed.lastIndexOf(':');
    const host = (at > 0 ? seed.slice(0, at) : seed).replace(/^\[(.*)\]$/, '$1');
    const port = at > 0 ? Number(seed.slice(at + 1)) : 6379;
    if (!host || !Number.isInteger(port) || port < 1 || port > 65_535)
      throw new RangeError(`bad Redis Cluster seed "${seed}"`);
    return { host, port };
  });
  return {
    seeds,
    ...(user ? { username: decodeURIComponent(user) } : {}),
    ...(password ? { password: decodeURIComponent(password) } : {}),
    tls: scheme === 'rediss',
  };
}

/**
 * Opens the command and subscriber connections a cluster needs, with options fit for it: quick
 * reconnects capped at 200 ms, and commands that fail at once while Redis is away instead of
 * queueing without bound. Resolves when both are ready; rejects (and closes them) when Redis
 * does not answer in time. The caller owns the pair and closes it after the cluster. A
 * `redis+cluster://` URL (see `clusterSeeds`) opens a Redis Cluster client pair instead.
 */
export async function connectRedis(
  url: string,
  logger: Logger,
  { readyTimeoutMs = 5_000 }: ConnectRedisOptions = {},
): Promise<RedisConnections> {
  const common: RedisOptions = { retryStrategy, connectTimeout: 2_000, maxRetriesPerRequest: 1 };
  const cluster = clusterSeeds(url);
  let redis: RedisClient;
  let subscriber: RedisClient;
  if (cluster) {
    const { seeds, tls, ...auth } = cluster;
    const redisOptions: RedisOptions = { ...common, ...auth, ...(tls ? { tls: {} } : {}) };
    const options = { redisOptions, clusterRetryStrategy: retryStrategy, enableOfflineQueue: false };
    redis = new Cluster(seeds, {
      ...options,
      redisOptions: { ...redisOptions, connectionName: 'switchboard' },
    });
    // Sharded subscribers: one connection per master, each taking the inbox channels of its slots.
    subscriber = new Cluster(seeds, {
      ...options,
      enableOfflineQueue: true,
      shardedSubscribers: true,
      redisOptions: { ...redisOptions, connectionName: 'switchboard-sub' },
    });
  } else {
    redis = new Redis(url, { ...common, connectionName: 'switchboard', enableOfflineQueue: false });
    // Only SUBSCRIBE ever waits in this one's queue, so it stays small.
    // The bus resubscribes itself on 'ready' (and catches failures); ioredis's own automatic
    // resubscription is off because its promise, cut by a close, surfaced as an unhandled rejection.
    subscriber = new Redis(url, { ...common, connectionName: 'switchboard-sub', autoResubscribe: false });
  }
  const log = logger.child({ redis: redactUrl(url) });
  for (const [role, client] of [
    ['commands', redis],
    ['subscriber', subscriber],
  ] as const) {
    // Without a listener ioredis prints every reconnect error; the cluster counts and logs them.
    client.on('error', (error: unknown) => log.debug({ err: error, role }, 'redis connection error'));
  }
  const close = async () => {
    await Promise.all([
      redis.quit().catch(() => redis.disconnect()),
      subscriber.quit().catch(() => subscriber.disconnect()),
    ]);
  };
  try {
    await Promise.all([whenReady(redis, readyTimeoutMs), whenReady(subscriber, readyTimeoutMs)]);
    if (redis instanceof Cluster) await warmUp(redis);
  } catch (error) {
    redis.disconnect();
    subscriber.disconnect();
    throw new Error(`Redis at ${redactUrl(url)} did not answer within ${readyTimeoutMs} ms`, {
      cause: error,
    });
  }
  return { redis, subscriber, close };
}

/**
 * Opens the connection to every master now. ioredis connects to a cluster node on its first
 * command, and commands sent while that connection is still opening can overtake each other, so
 * one node's publishes would not keep their order; a node that appears later is opened at once.
 */
async function warmUp(cluster: Cluster): Promise<void> {
  cluster.on('+node', (node: Redis) => {
    node.ping().catch(() => {});
  });
  await Promise.all(cluster.nodes('master').map((node) => node.ping()));
}

/** The URL without its password, for logs and errors. */
export function redactUrl(url: string): string {
  if (clusterSeeds(url)) return url.replace(/:\/\/([^:@/]*):[^@/]*@/, '://$1:***@');
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable Redis URL)';
  }
}

/** Resolves when the client is ready (at once if it is), rejects after `timeoutMs`. */
export function whenReady(client: RedisClient, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      reject(new Error(`Redis connection not ready after ${timeoutMs} ms (status ${client.status})`));
    }, timeoutMs);
    client.once('ready', onReady);
  });
}

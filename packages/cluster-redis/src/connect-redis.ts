import type { Logger } from '@switchboard/core';
import { Redis, type RedisOptions } from 'ioredis';

export interface RedisConnections {
  /** For commands (presence, stores, publishing). */
  redis: Redis;
  /** For the bus subscription only: a subscribed connection cannot issue commands. */
  subscriber: Redis;
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
 * Opens the command and subscriber connections a cluster needs, with options fit for it: quick
 * reconnects capped at 1 s, and commands that fail at once while Redis is away instead of
 * queueing without bound. Resolves when both are ready; rejects (and closes them) when Redis
 * does not answer in time. The caller owns the pair and closes it after the cluster.
 */
export async function connectRedis(
  url: string,
  logger: Logger,
  { readyTimeoutMs = 5_000 }: ConnectRedisOptions = {},
): Promise<RedisConnections> {
  const common: RedisOptions = { retryStrategy, connectTimeout: 2_000, maxRetriesPerRequest: 1 };
  const redis = new Redis(url, { ...common, connectionName: 'switchboard', enableOfflineQueue: false });
  // Only SUBSCRIBE ever waits in this one's queue, so it stays small.
  // The bus resubscribes itself on 'ready' (and catches failures); ioredis's own automatic
  // resubscription is off because its promise, cut by a close, surfaced as an unhandled rejection.
  const subscriber = new Redis(url, { ...common, connectionName: 'switchboard-sub', autoResubscribe: false });
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
  } catch (error) {
    redis.disconnect();
    subscriber.disconnect();
    throw new Error(`Redis at ${redactUrl(url)} did not answer within ${readyTimeoutMs} ms`, {
      cause: error,
    });
  }
  return { redis, subscriber, close };
}

/** The URL without its password, for logs and errors. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable Redis URL)';
  }
}

/** Resolves when the client is ready (at once if it is), rejects after `timeoutMs`. */
export function whenReady(client: Redis, timeoutMs: number): Promise<void> {
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

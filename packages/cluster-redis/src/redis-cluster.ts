import { type AccountStore, type Logger, type RoomStore, silentLogger } from '@switchboard/core';
import { MAX_NODE_ID_BYTES } from './bus-codec.ts';
import { RedisClusterStats } from './cluster-stats.ts';
import { whenReady } from './connect-redis.ts';
import { MirrorSync } from './mirror-sync.ts';
import { NodeRegistration } from './node-registration.ts';
import { RedisAdminChannel } from './redis-admin-channel.ts';
import { RedisBus } from './redis-bus.ts';
import type { RedisClient } from './redis-client.ts';
import { RedisSessionDirectory } from './redis-directory.ts';
import { RedisKeys } from './redis-keys.ts';
import { RedisPresence } from './redis-presence.ts';
import { RedisAccountStore, RedisRoomStore } from './redis-stores.ts';
import { WarnLimiter } from './warn-limiter.ts';

export interface RedisClusterOptions {
  /** The command connection; the caller creates it, owns it and closes it after `close()`. */
  redis: RedisClient;
  /** A second connection for the bus subscription (a subscribed connection can't run commands). */
  subscriber: RedisClient;
  /** Unique per process; the hub must use the same id. At most 255 bytes of UTF-8. */
  nodeId: string;
  keyPrefix?: string;
  /** How often this node refreshes its heartbeat. */
  heartbeatMs?: number;
  /** How long after its last heartbeat a silent node is forgotten (names and sessions gone). */
  nodeTtlMs?: number;
  logger?: Logger;
  /** How long to wait for both connections to be ready at start. */
  readyTimeoutMs?: number;
  /** Per-node channels on sharded pub/sub (Redis Cluster, Redis >= 7). */
  sharded?: boolean;
  /** How long a moved recipient's frames wait for the old holder's handoff (it may have died). */
  handoffTimeoutMs?: number;
}

export interface RedisCluster {
  bus: RedisBus;
  presence: RedisPresence;
  sessions: RedisSessionDirectory;
  accounts: AccountStore;
  rooms: RoomStore;
  stats: RedisClusterStats;
  /** The presence mirror and its loader (read-only use: metrics, tests). */
  sync: MirrorSync;
  /** Leaves the cluster (this node's names and sessions go at once) and unsubscribes. */
  close(): Promise<void>;
}

/**
 * The cluster ports of one gateway process on Redis: bus, presence, sessions directory, and the
 * account and room stores. Resolves once this node is registered and subscribed.
 */
export async function createRedisCluster(options: RedisClusterOptions): Promise<RedisCluster> {
  const { redis, subscriber, nodeId, keyPrefix = 'sb:', heartbeatMs = 2_000, nodeTtlMs = 10_000 } = options;
  if (nodeId.length === 0 || Buffer.byteLength(nodeId) > MAX_NODE_ID_BYTES) {
    throw new RangeError(`nodeId must be 1 to ${MAX_NODE_ID_BYTES} bytes`);
  }
  if (!(heartbeatMs > 0 && nodeTtlMs > heartbeatMs)) throw new RangeError('need 0 < heartbeatMs < nodeTtlMs');
  // The caller's logger names the component (the gateway: cluster-redis and the node id).
  const logger = options.logger ?? silentLogger;
  const warn = new WarnLimiter(logger);
  const stats = new RedisClusterStats();
  const sharded = options.sharded ?? redis.isCluster;
  const keys = new RedisKeys(keyPrefix, sharded);

  const onError = (error: unknown) => {
    stats.connectionErrors += 1;
    warn.warn('connection', error, 'cluster: RedisClient connection error');
  };
  redis.on('error', onError);
  subscriber.on('error', onError);

  const timing = { nodeId, heartbeatMs, nodeTtlMs };
  const node = new NodeRegistration(redis, keys, timing, stats, warn);
  const sync = new MirrorSync(redis, keys, node, timing, stats, warn);
  const admin = new RedisAdminChannel(redis, subscriber, warn, {
    nodeId,
    prefix: keyPrefix,
    sharded,
    peers: () => sync.mirror.nodes(),
  });
  const bus = new RedisBus(redis, subscriber, keys, node, sync, stats, warn, {
    nodeId,
    sharded,
    handoffTimeoutMs: options.handoffTimeoutMs,
    admin,
  });
  try {
    const readyTimeoutMs = options.readyTimeoutMs ?? 10_000;
    await Promise.all([whenReady(redis, readyTimeoutMs), whenReady(subscriber, readyTimeoutMs)]);
    // Subscribed before anything is read, so no event published after the snapshot is missed.
    await bus.start();
    await admin.start();
    await node.start();
    await sync.start();
  } catch (error) {
    sync.close();
    await Promise.all([bus.close(), admin.close(), node.stop(false)]);
    redis.off('error', onError);
    subscriber.off('error', onError);
    throw error;
  }
  logger.info({ keyPrefix, heartbeatMs, nodeTtlMs }, 'joined the Redis cluster');

  let closing: Promise<void> | null = null;
  return {
    bus,
    presence: new RedisPresence(redis, keys, node, sync),
    sessions: new RedisSessionDirectory(node, sync),
    accounts: new RedisAccountStore(redis, keys.accounts),
    rooms: new RedisRoomStore(redis, keys.rooms),
    stats,
    sync,
    close() {
      closing ??= (async () => {
        sync.close();
        await Promise.all([bus.close(), admin.close(), node.stop(true)]);
        redis.off('error', onError);
        subscriber.off('error', onError);
      })();
      return closing;
    },
  };
}

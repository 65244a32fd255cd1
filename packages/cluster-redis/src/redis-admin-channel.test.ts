import { randomUUID } from 'node:crypto';
import { type Hub, type Logger, Name, silentLogger } from '@switchboard/core';
import { createTestHub } from '@switchboard/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, type RedisConnections } from './connect-redis.ts';
import type { RedisAdminChannel } from './redis-admin-channel.ts';
import { createRedisCluster, type RedisCluster } from './redis-cluster.ts';
import { eventually } from './testing/eventually.ts';
import { RedisClusterServer } from './testing/redis-cluster-server.ts';
import { RedisServer } from './testing/redis-server.ts';

/** One Redis, and a three-master Redis Cluster (sharded pub/sub): the channel must work on both. */
const servers: Record<string, { url: string; kill(): Promise<void> } | undefined> = {};
beforeAll(async () => {
  const [single, cluster] = await Promise.all([RedisServer.start(), RedisClusterServer.start()]);
  servers.redis = single;
  servers['redis cluster'] = cluster;
}, 30_000);
afterAll(async () => {
  await Promise.all(Object.values(servers).map((server) => server?.kill()));
});

const opened: Array<{ hub: Hub; cluster: RedisCluster; connections: RedisConnections }> = [];
afterEach(async () => {
  for (const { hub, cluster, connections } of opened.splice(0)) {
    hub.close();
    await cluster.close();
    await connections.close();
  }
});

async function node(server: string, nodeId: string, keyPrefix: string, logger: Logger = silentLogger) {
  const connections = await connectRedis(servers[server]!.url, silentLogger);
  const cluster = await createRedisCluster({
    ...connections,
    nodeId,
    keyPrefix,
    logger,
    heartbeatMs: 100,
    nodeTtlMs: 1_000,
  });
  const hub = createTestHub({
    nodeId,
    bus: cluster.bus,
    presence: cluster.presence,
    sessions: cluster.sessions,
    requestTimeoutMs: 500,
  });
  opened.push({ hub, cluster, connections });
  return { hub, cluster, connections };
}

function warningsTo(warnings: string[]): Logger {
  const logger: Logger = {
    ...silentLogger,
    warn: (_obj, msg) => warnings.push(msg ?? ''),
    child: () => logger,
  };
  return logger;
}

describe.each(['redis', 'redis cluster'])('administrative requests on %s', (server) => {
  it('ask every live peer and wait for exactly them; malformed frames are dropped with a warning', async () => {
    const prefix = `test:${randomUUID()}:`;
    const warnings: string[] = [];
    const a = await node(server, 'a', prefix, warningsTo(warnings));
    const b = await node(server, 'b', prefix);
    await eventually(() => expect(a.cluster.bus.admin.peers()).toEqual(['b']));
    const ann = b.hub.open('test', '10.0.0.1', { deliver() {}, replaced() {} })!;
    expect(await ann.claimGuest(Name.fromText('ann'))).toBe('ok');

    // Garbage on both of a's channels, and a reply to a request a never made.
    for (const frame of [
      'not json',
      '{"kind":"request"}',
      '[]',
      JSON.stringify({ kind: 'reply', to: 'a', from: 'b', id: 999, body: '{}' }),
    ]) {
      for (const channel of [`${prefix}admin`, `${prefix}admin:a`]) {
        if (server === 'redis') await a.connections.redis.publish(channel, frame);
        else await a.connections.redis.spublish(channel, frame);
      }
    }
    const started = performance.now();
    const listing = await a.hub.connections(null, 10);
    // Answered by b, not by the timeout.
    expect(performance.now() - started).toBeLessThan(450);
    expect(listing.missing).toBe(0);
    expect(listing.connections.map((entry) => [entry.node, entry.name])).toEqual([['b', 'ann']]);
    await eventually(() => expect(warnings).toContain('cluster: dropped a malformed administrative frame'));

    const sent = await a.hub.sendSystem({ to: [Name.fromText('ann')] }, 'hello');
    expect(sent.delivered.map((name) => name.text)).toEqual(['ann']);
  });

  it('a peer that stopped answering is waited for until the timeout and counted missing', async () => {
    const prefix = `test:${randomUUID()}:`;
    const a = await node(server, 'a', prefix);
    const b = await node(server, 'b', prefix);
    await eventually(() => expect(a.cluster.bus.admin.peers()).toEqual(['b']));
    // b stops answering but its heartbeat key lives on for a while (as after kill -9).
    await (b.cluster.bus.admin as RedisAdminChannel).close();
    const silent = await a.hub.disconnect(Name.fromText('nobody'));
    expect(silent).toEqual({ closed: 0, missing: 1 });
  });
});

/**
 * One gateway-like node in its own process, for the kill -9 test: joins the cluster, holds a
 * guest name and a sessions-directory entry, prints "ready", then waits to be killed.
 * Usage: node cluster-node-process.ts REDIS_URL KEY_PREFIX NODE_ID NAME HEARTBEAT_MS NODE_TTL_MS
 */
import { Name, silentLogger } from '@switchboard/core';
import { createTestHub } from '@switchboard/core/testing';
import { connectRedis } from '../connect-redis.ts';
import { createRedisCluster } from '../redis-cluster.ts';

const [url, keyPrefix, nodeId, name, heartbeatMs, nodeTtlMs] = process.argv.slice(2);
if (!url || !keyPrefix || !nodeId || !name)
  throw new Error('usage: URL PREFIX NODE_ID NAME HEARTBEAT_MS NODE_TTL_MS');

const connections = await connectRedis(url, silentLogger);
const cluster = await createRedisCluster({
  ...connections,
  nodeId,
  keyPrefix,
  heartbeatMs: Number(heartbeatMs),
  nodeTtlMs: Number(nodeTtlMs),
});
const hub = createTestHub({ nodeId, ...pick(cluster) });
const session = hub.open('test', '127.0.0.1', { deliver() {}, replaced() {} });
if ((await session?.claimGuest(Name.fromText(name))) !== 'ok') throw new Error('claim failed');
hub.sessions.set(`${name}-client`, `${name}-session`);
process.stdout.write('ready\n');
setInterval(() => {}, 60_000);

function pick({ bus, presence, sessions, accounts, rooms }: typeof cluster) {
  return { bus, presence, sessions, accounts, rooms };
}

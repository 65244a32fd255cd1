import { randomUUID } from 'node:crypto';
import { type BusEvent, type Logger, silentLogger } from '@switchboard/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { batchHead, encodeBusFrame, FrameBatch } from './bus-codec.ts';
import { connectRedis, type RedisConnections } from './connect-redis.ts';
import { createRedisCluster, type RedisCluster } from './redis-cluster.ts';
import { eventually, sleep } from './testing/eventually.ts';
import { RedisServer } from './testing/redis-server.ts';

let server: RedisServer;
beforeAll(async () => {
  server = await RedisServer.start();
});
afterAll(async () => {
  await server?.kill();
});

const opened: Array<{ cluster: RedisCluster; connections: RedisConnections }> = [];
afterEach(async () => {
  for (const { cluster, connections } of opened.splice(0)) {
    await cluster.close();
    await connections.close();
  }
});

async function node(nodeId: string, keyPrefix: string, logger: Logger = silentLogger) {
  const connections = await connectRedis(server.url, silentLogger);
  const cluster = await createRedisCluster({ ...connections, nodeId, keyPrefix, logger });
  opened.push({ cluster, connections });
  const received: BusEvent[] = [];
  cluster.bus.onEvent((event) => received.push(event));
  return { cluster, connections, received };
}

/** A logger that keeps its warnings, to check they are rate-limited. */
function recordingLogger(warnings: string[]): Logger {
  const logger: Logger = {
    ...silentLogger,
    warn: (_obj, msg) => warnings.push(msg ?? ''),
    child: () => logger,
  };
  return logger;
}

const claim = (token: number): BusEvent => ({ kind: 'claim', name: 'x', token });

describe('Redis bus', () => {
  it('delivers to the other nodes, never back to the publisher', async () => {
    const prefix = `test:${randomUUID()}:`;
    const a = await node('a', prefix);
    const b = await node('b', prefix);
    const c = await node('c', prefix);
    expect(a.cluster.bus.clustered).toBe(true);
    a.cluster.bus.publish(claim(1));
    await eventually(() => {
      expect(b.received).toEqual([claim(1)]);
      expect(c.received).toEqual([claim(1)]);
    });
    await sleep(50);
    expect(a.received).toEqual([]);
    expect(a.cluster.stats.publishedByKind.claim).toBe(1);
    expect(b.cluster.stats.receivedByKind.claim).toBe(1);
    expect(c.cluster.stats.receivedByKind.claim).toBe(1);
  });

  it('keeps services on other key prefixes apart', async () => {
    const a = await node('a', `test:${randomUUID()}:`);
    const other = await node('b', `test:${randomUUID()}:`);
    a.cluster.bus.publish(claim(1));
    await sleep(100);
    expect(other.received).toEqual([]);
  });

  it('drops and counts malformed frames without losing the next event', async () => {
    const prefix = `test:${randomUUID()}:`;
    const b = await node('b', prefix);
    const raw = await connectRedis(server.url, silentLogger);
    try {
      await raw.redis.publish(`${prefix}bus`, Buffer.from([0xff, 0x00, 0x01]));
      await raw.redis.publish(`${prefix}bus`, encodeBusFrame('x', claim(7)).subarray(0, 5));
      // A batch is whole or refused: one cut inside its second event delivers neither.
      const batch = new FrameBatch(batchHead('x'));
      batch.add(claim(5));
      batch.add(claim(6));
      await raw.redis.publish(`${prefix}bus`, batch.frame.subarray(0, batch.frame.length - 1));
      await raw.redis.publish(`${prefix}bus`, encodeBusFrame('x', claim(8)));
      await raw.redis.publish(`${prefix}bus`, batch.frame);
      await eventually(() => expect(b.received).toEqual([claim(8), claim(5), claim(6)]));
      expect(b.cluster.stats.malformedEvents).toBe(3);
    } finally {
      await raw.close();
    }
  });

  it('stops delivering after close, and close twice is fine', async () => {
    const prefix = `test:${randomUUID()}:`;
    const a = await node('a', prefix);
    const b = await node('b', prefix);
    await b.cluster.close();
    await b.cluster.close();
    a.cluster.bus.publish(claim(1));
    await sleep(100);
    expect(b.received).toEqual([]);
  });
});

describe('Redis bus while Redis is down', () => {
  it('fails publishes visibly: counted, one warning per interval, no throw, no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const warnings: string[] = [];
    try {
      const a = await node('a', `test:${randomUUID()}:`, recordingLogger(warnings));
      await server.kill();
      await eventually(() => expect(a.connections.redis.status).not.toBe('ready'));
      for (let i = 0; i < 50; i++) expect(() => a.cluster.bus.publish(claim(i))).not.toThrow();
      a.cluster.presence.add('someone'); // a presence write fails too, and is kept for later
      expect(a.cluster.stats.publishFailures).toBe(50);
      expect(a.cluster.stats.writeFailures).toBeGreaterThanOrEqual(1);
      expect(warnings.filter((msg) => msg.includes('publish failed'))).toHaveLength(1);
      // Listing is answered locally: this node's own names, Redis or not.
      expect(await a.cluster.presence.list()).toEqual(['someone']);
      // A claim needs Redis's fencing counter: it fails at once, it does not hang.
      const startedAt = Date.now();
      await expect(a.cluster.presence.nextClaim('someone-else')).rejects.toThrow();
      expect(Date.now() - startedAt).toBeLessThan(100);
      const closing = a.cluster.close();
      await expect(Promise.race([closing.then(() => 'closed'), sleep(2_000)])).resolves.toBe('closed');
      await sleep(50);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await server.restart();
    }
  });
});

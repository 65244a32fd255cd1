import { type Hub, type Logger, Name, silentLogger } from '@switchboard/core';
import { createTestHub } from '@switchboard/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encodeBusFrame } from './bus-codec.ts';
import { connectRedis, type RedisConnections } from './connect-redis.ts';
import { snapshotAll } from './presence-scripts.ts';
import type { RedisClient } from './redis-client.ts';
import { RedisKeys } from './redis-keys.ts';
import { eventually, sleep } from './testing/eventually.ts';
import { type RedisNode, redisClusterFixture } from './testing/redis-fixture.ts';
import { RedisServer } from './testing/redis-server.ts';

let server: RedisServer;
beforeAll(async () => {
  server = await RedisServer.start();
});
afterAll(async () => {
  await server?.kill();
});

let fixture: ReturnType<typeof redisClusterFixture>;
const hubs: Hub[] = [];
let raw: RedisConnections | null = null;
afterEach(async () => {
  for (const hub of hubs.splice(0)) hub.close();
  await fixture?.close();
  await raw?.close();
  raw = null;
});

async function startHub(nodeId: string): Promise<{ hub: Hub; node: RedisNode }> {
  const { bus, presence, sessions, accounts, rooms } = await fixture.node(nodeId);
  const hub = createTestHub({ nodeId, bus, presence, sessions, accounts, rooms });
  hubs.push(hub);
  return { hub, node: fixture.nodes.get(nodeId)! };
}

async function guest(hub: Hub, name: string) {
  const session = hub.open('test', '127.0.0.1', { deliver() {}, replaced() {} });
  if (!session) throw new Error('refused');
  expect(await session.claimGuest(Name.fromText(name))).toBe('ok');
  return session;
}

/** What Redis holds for every live node: id -> sorted names and sessions. */
async function redisState(redis: RedisClient, keys: RedisKeys): Promise<Map<string, string>> {
  const reply = (await snapshotAll.run(redis, [keys.nodes], [keys.presence])) as Array<
    [Buffer, Buffer, Buffer[], Buffer[]]
  >;
  const state = new Map<string, string>();
  for (const [id, , names, sessions] of reply) {
    const pairs = (flat: Buffer[]) =>
      Array.from({ length: flat.length / 2 }, (_, i) => `${flat[2 * i]}=${flat[2 * i + 1]}`).sort();
    state.set(id.toString(), JSON.stringify([pairs(names), pairs(sessions)]));
  }
  return state;
}

/** The same, as one node's mirror holds the others (its own part is its local truth). */
function mirrorState(node: RedisNode, own: string, truth: Map<string, string>): Map<string, string> {
  const state = new Map<string, string>();
  for (const id of node.cluster.sync.mirror.nodes()) {
    const part = node.cluster.sync.mirror.partOf(id)!;
    const pairs = (map: Map<string, string | number>) => [...map].map(([k, v]) => `${k}=${v}`).sort();
    state.set(id, JSON.stringify([pairs(part.names), pairs(part.sessions)]));
  }
  if (truth.has(own)) state.set(own, truth.get(own)!);
  return state;
}

function recordingLogger(warnings: string[]): Logger {
  const logger: Logger = {
    ...silentLogger,
    warn: (_obj, msg) => warnings.push(msg ?? ''),
    child: () => logger,
  };
  return logger;
}

describe('presence mirror on Redis', () => {
  it('sees a gap after a lost event, reloads that node and converges', async () => {
    fixture = redisClusterFixture(server, { heartbeatMs: 100, nodeTtlMs: 1_000 });
    const { hub: a } = await startHub('a');
    const { node: nodeB, hub: b } = await startHub('b');
    await guest(a, 'first');
    await eventually(() => expect(nodeB.cluster.sync.mirror.holds('first')).toBe(true));
    const keys = new RedisKeys(fixture.keyPrefix);
    // b stops hearing the cluster channel for a moment: a's next event never reaches it.
    await nodeB.connections.subscriber.unsubscribe(keys.channel);
    await guest(a, 'missed');
    await sleep(20);
    await nodeB.connections.subscriber.subscribe(keys.channel);
    expect(nodeB.cluster.sync.mirror.holds('missed')).toBe(false);
    const gapsBefore = nodeB.cluster.stats.mirrorReloads.gap;
    // a's next heartbeat carries its event number: b notices the gap and reloads a's part.
    await eventually(async () =>
      expect((await b.activeNames()).map((n) => n.text)).toEqual(['first', 'missed']),
    );
    expect(nodeB.cluster.stats.mirrorReloads.gap).toBe(gapsBefore + 1);
  });

  it('applies presence changes in the order they were made, even on a Redis whose script cache is empty', async () => {
    // A fresh Redis: the first runs of the presence script meet NOSCRIPT. A run retried after
    // that must not be overtaken by a later one (the bench lost names to exactly that).
    const fresh = await RedisServer.start();
    try {
      fixture = redisClusterFixture(fresh, { heartbeatMs: 100, nodeTtlMs: 1_000 });
      const { node: nodeA } = await startHub('a');
      const { node: nodeB } = await startHub('b');
      const presence = nodeA.cluster.presence;
      presence.add('x1', 1);
      // Holds a's connection for 200 ms, so x2's answer comes long after x1's.
      void nodeA.connections.redis.blpop(`${fixture.keyPrefix}nothing`, 0.2).catch(() => {});
      presence.add('x2', 2);
      await sleep(50); // x1's NOSCRIPT answer is back, x2's is not
      presence.add('x3', 3);
      await eventually(() => {
        for (const name of ['x1', 'x2', 'x3']) expect(nodeB.cluster.sync.mirror.holds(name)).toBe(true);
      }, 3_000);
      expect(nodeB.cluster.stats.staleEvents).toBe(0);
    } finally {
      await fixture.close();
      fixture = undefined as unknown as typeof fixture;
      await fresh.kill();
    }
  });

  it('counts bad input, logs it once per interval, and keeps working', async () => {
    const warnings: string[] = [];
    fixture = redisClusterFixture(server, { heartbeatMs: 100, nodeTtlMs: 1_000 }, recordingLogger(warnings));
    const { hub: a } = await startHub('a');
    const { hub: b, node: nodeB } = await startHub('b');
    const alice = await guest(a, 'alice');
    await eventually(() => expect(nodeB.cluster.sync.mirror.holds('alice')).toBe(true));
    const keys = new RedisKeys(fixture.keyPrefix);
    raw = await connectRedis(server.url, silentLogger);
    const publish = (channel: string, frame: Buffer) => raw!.redis.publish(channel, frame);
    const stats = nodeB.cluster.stats;

    // Malformed and truncated frames, on both channels, many times.
    const valid = encodeBusFrame('a', { kind: 'name-added', seq: 99, name: 'x', token: 1 });
    for (let i = 0; i < 20; i++) {
      await publish(keys.channel, Buffer.from([0xff, 0x01, 0x02]));
      await publish(keys.channel, valid.subarray(0, valid.length - 3));
      await publish(keys.inbox('b'), Buffer.from([1]));
    }
    // A presence event on an inbox, a direct frame on the cluster channel.
    await publish(keys.inbox('b'), encodeBusFrame('a', { kind: 'beat', seq: 1, leaving: false }));
    await publish(
      keys.channel,
      encodeBusFrame('a', { kind: 'direct', to: ['x'], sender: 's', text: Buffer.alloc(0), timestamp: 1 }),
    );
    await eventually(() => expect(stats.malformedEvents).toBe(62));

    // A gateway nobody knows: looked up once, then ignored for a while.
    for (let i = 1; i <= 5; i++)
      await publish(
        keys.channel,
        encodeBusFrame('ghost', { kind: 'name-added', seq: i, name: 'boo', token: 1 }),
      );
    await eventually(() => expect(stats.unknownNodeEvents).toBeGreaterThanOrEqual(1));
    expect(nodeB.cluster.sync.mirror.knows('ghost')).toBe(false);
    expect(nodeB.cluster.sync.mirror.holds('boo')).toBe(false);

    // An event number that goes backwards: a's part is not touched.
    const seqA = nodeB.cluster.sync.mirror.seqOf('a')!;
    await publish(keys.channel, encodeBusFrame('a', { kind: 'name-removed', seq: seqA - 1, name: 'alice' }));
    await eventually(() => expect(stats.staleEvents).toBe(1));
    expect(nodeB.cluster.sync.mirror.holds('alice')).toBe(true);

    // A forged event raising a's number: a's next beat is "behind", and a reload puts Redis's back.
    const forged = nodeB.cluster.sync.mirror.seqOf('a')! + 1;
    await publish(
      keys.channel,
      encodeBusFrame('a', { kind: 'name-added', seq: forged, name: 'forged', token: 1 }),
    );
    await eventually(() => expect(nodeB.cluster.sync.mirror.holds('forged')).toBe(true));
    await eventually(() => expect(nodeB.cluster.sync.mirror.holds('forged')).toBe(false), 3_000);
    expect(nodeB.cluster.sync.mirror.holds('alice')).toBe(true);

    // Another node announcing an older guest claim of a name b holds: counted, never routed to.
    const bob = await guest(b, 'bob');
    const bobToken = bob.claimToken;
    const seqNow = nodeB.cluster.sync.mirror.seqOf('a')!;
    await publish(
      keys.channel,
      encodeBusFrame('a', { kind: 'name-added', seq: seqNow + 1, name: 'bob', token: bobToken - 1 }),
    );
    await eventually(() => expect(stats.conflictingEvents).toBe(1));
    expect(nodeB.cluster.sync.mirror.route('bob', bobToken)).toEqual([]);

    // Through it all: one warning per topic per interval on each node that got the bad frames
    // (garbage reached both; the misplaced frames claim to come from a, which skips its own),
    // and the cluster still works.
    expect(warnings.filter((msg) => msg.includes('malformed')).length).toBe(2);
    expect(warnings.filter((msg) => msg.includes('wrong channel')).length).toBe(1);
    await alice.sendDirect([Name.fromText('bob')], 'still here');
    await eventually(
      async () => expect((await b.activeNames()).map((n) => n.text)).toEqual(['alice', 'bob']),
      3_000,
    );
  });

  it('leaves every mirror equal to Redis within 2 s of an outage ending', async () => {
    fixture = redisClusterFixture(server, { heartbeatMs: 200, nodeTtlMs: 1_000 });
    const started = await Promise.all(['a', 'b', 'c'].map((id) => startHub(id)));
    const [a, b, c] = started.map((s) => s.hub) as [Hub, Hub, Hub];
    await guest(a, 'alice');
    const leaving = await guest(b, 'leaving');
    await guest(c, 'carol');
    a.sessions.set('client-a', 'session-a');
    const keys = new RedisKeys(fixture.keyPrefix);
    raw = await connectRedis(server.url, silentLogger);
    for (const hub of [a, b, c])
      await eventually(async () =>
        expect((await hub.activeNames()).map((n) => n.text)).toEqual(['alice', 'carol', 'leaving']),
      );

    await server.kill();
    await sleep(300);
    leaving.close(); // changes Redis cannot hear about yet
    await guest(c, 'newcomer').catch(() => {}); // a claim needs Redis: refused at once
    b.sessions.set('client-b', 'session-b');
    await sleep(1_500);
    await server.restart(); // empty: every node must write itself again
    const restartedAt = Date.now();
    await eventually(
      async () => {
        const truth = await redisState(raw!.redis, keys);
        expect([...truth.keys()].sort()).toEqual(['a', 'b', 'c']);
        for (const [i, { node }] of started.entries()) {
          const own = ['a', 'b', 'c'][i]!;
          expect(mirrorState(node, own, truth)).toEqual(truth);
        }
      },
      5_000,
      20,
    );
    const convergedMs = Date.now() - restartedAt;
    console.info(`every mirror equal to Redis ${convergedMs} ms after Redis came back`);
    expect(convergedMs).toBeLessThan(2_000);
    for (const hub of [a, b, c])
      expect((await hub.activeNames()).map((n) => n.text)).toEqual(['alice', 'carol']);
    expect((await c.sessions.list()).sort()).toEqual([
      ['client-a', 'session-a'],
      ['client-b', 'session-b'],
    ]);
  });
});

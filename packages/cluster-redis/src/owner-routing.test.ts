import { type ChatMessage, type Hub, Name, type Session, silentLogger } from '@switchboard/core';
import { createTestHub } from '@switchboard/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DirectFlags, encodeBusFrame } from './bus-codec.ts';
import { connectRedis } from './connect-redis.ts';
import { RedisKeys } from './redis-keys.ts';
import { eventually, sleep } from './testing/eventually.ts';
import { commandCount, type RedisNode, redisClusterFixture } from './testing/redis-fixture.ts';
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
afterEach(async () => {
  for (const hub of hubs.splice(0)) hub.close();
  await fixture?.close();
});

async function startHub(nodeId: string): Promise<{ hub: Hub; node: RedisNode }> {
  const { bus, presence, sessions, accounts, rooms } = await fixture.node(nodeId);
  const hub = createTestHub({ nodeId, bus, presence, sessions, accounts, rooms });
  hubs.push(hub);
  return { hub, node: fixture.nodes.get(nodeId)! };
}

async function guest(hub: Hub, name: string): Promise<{ session: Session; messages: ChatMessage[] }> {
  const messages: ChatMessage[] = [];
  const session = hub.open('test', '127.0.0.1', {
    deliver: (message) => messages.push(message),
    replaced() {},
  });
  if (!session) throw new Error('refused');
  expect(await session.claimGuest(Name.fromText(name))).toBe('ok');
  return { session, messages };
}

const activeTexts = async (hub: Hub) => (await hub.activeNames()).map((name) => name.text);

describe('owner routing on Redis', () => {
  it('costs at most 1.2 Redis commands per cross-process direct message, and the bystander gets none', async () => {
    fixture = redisClusterFixture(server, { heartbeatMs: 500, nodeTtlMs: 5_000 });
    const { hub: a } = await startHub('a');
    const { hub: b } = await startHub('b');
    const { hub: c, node: nodeC } = await startHub('c');
    const alice = await guest(a, 'alice');
    const bob = await guest(b, 'bob');
    await guest(c, 'carol');
    for (const hub of [a, b, c])
      await eventually(async () => expect(await activeTexts(hub)).toEqual(['alice', 'bob', 'carol']));
    await sleep(100);
    const bystanderFrames = nodeC.cluster.stats.receivedByKind.direct;
    const bystanderEvents = c.stats.busEventsIn;

    const MESSAGES = 1_000;
    const before = await commandCount(server.url);
    const startedAt = Date.now();
    for (let i = 0; i < MESSAGES; i++) {
      // The recipient check is answered by the mirror: bob is active, nobody is named back.
      expect(await alice.session.sendDirect([Name.fromText('bob')], `m${i}`)).toEqual([]);
      if (i % 100 === 99) await eventually(() => expect(bob.messages.length).toBe(i + 1));
    }
    await eventually(() => expect(bob.messages).toHaveLength(MESSAGES));
    const elapsedMs = Date.now() - startedAt;
    const during = (await commandCount(server.url)) - before;
    // The same stretch of time with no traffic: heartbeats and the like.
    const idleStart = await commandCount(server.url);
    await sleep(elapsedMs);
    const idle = (await commandCount(server.url)) - idleStart;
    const perMessage = (during - idle) / MESSAGES;
    console.info(
      `${MESSAGES} direct messages: ${during} Redis commands in ${elapsedMs} ms, ${idle} idle → ${perMessage.toFixed(3)} per message`,
    );
    expect(perMessage).toBeLessThanOrEqual(1.2);
    expect(bob.messages.map((m) => m.text)).toEqual(Array.from({ length: MESSAGES }, (_, i) => `m${i}`));
    expect(nodeC.cluster.stats.receivedByKind.direct).toBe(bystanderFrames);
    expect(c.stats.busEventsIn).toBe(bystanderEvents);
  });

  it("sends one turn's events as one PUBLISH per gateway, in order, a main-chat broadcast between them kept in place", async () => {
    fixture = redisClusterFixture(server, { heartbeatMs: 500, nodeTtlMs: 5_000 });
    const { hub: a, node: nodeA } = await startHub('a');
    const { hub: b } = await startHub('b');
    const { hub: c } = await startHub('c');
    const alice = await guest(a, 'alice');
    const bob = await guest(b, 'bob');
    const carol = await guest(c, 'carol');
    for (const hub of [a, b, c])
      await eventually(async () => expect(await activeTexts(hub)).toEqual(['alice', 'bob', 'carol']));
    await sleep(100);
    const publishesBefore = nodeA.cluster.stats.publishLatencyCount;
    // One turn: 50 to bob and 50 to carol interleaved, a broadcast, 50 more to bob.
    for (let i = 0; i < 50; i++) {
      void alice.session.sendDirect([Name.fromText('bob')], `b${i}`);
      void alice.session.sendDirect([Name.fromText('carol')], `c${i}`);
    }
    alice.session.broadcast('everyone');
    for (let i = 50; i < 100; i++) void alice.session.sendDirect([Name.fromText('bob')], `b${i}`);
    const texts = (messages: ChatMessage[]) => messages.map((m) => m.text);
    const range = (prefix: string, from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) => `${prefix}${from + i}`);
    await eventually(() => {
      expect(texts(bob.messages)).toEqual([...range('b', 0, 50), 'everyone', ...range('b', 50, 100)]);
      expect(texts(carol.messages)).toEqual([...range('c', 0, 50), 'everyone']);
    });
    // bob's first 50 and carol's 50, the broadcast on the cluster channel, bob's last 50.
    await eventually(() => expect(nodeA.cluster.stats.publishLatencyCount - publishesBefore).toBe(4));
    expect(nodeA.cluster.stats.publishedByKind.direct).toBe(150);
  });

  it('forwards a frame once to the new holder when the old one lost the name, only if it was the sole target', async () => {
    fixture = redisClusterFixture(server, { heartbeatMs: 100, nodeTtlMs: 1_000 });
    await startHub('a');
    const { node: nodeB } = await startHub('b');
    const { hub: c, node: nodeC } = await startHub('c');
    const carol = await guest(c, 'carol');
    await eventually(() => expect(nodeB.cluster.sync.mirror.holds('carol')).toBe(true));
    const keys = new RedisKeys(fixture.keyPrefix);
    const raw = await connectRedis(server.url, silentLogger);
    try {
      const frame = (text: string, flags: number) =>
        encodeBusFrame(
          'a',
          { kind: 'direct', to: ['carol'], sender: 'alice', text: Buffer.from(text), timestamp: Date.now() },
          flags,
        );
      // In flight to b, which does not hold carol (any more): b passes on what a sent it alone.
      await raw.redis.publish(keys.inbox('b'), frame('sole', DirectFlags.SOLE));
      await raw.redis.publish(keys.inbox('b'), frame('shared', 0));
      await raw.redis.publish(keys.inbox('b'), frame('already forwarded', DirectFlags.FORWARDED));
      await eventually(() => expect(carol.messages.map((m) => m.text)).toEqual(['sole']));
      await sleep(100);
      expect(carol.messages.map((m) => m.text)).toEqual(['sole']);
      expect(nodeB.cluster.stats.forwarded).toBe(1);
      expect(nodeB.cluster.stats.undeliverable).toBe(2);
      expect(nodeC.cluster.stats.forwarded).toBe(0);
    } finally {
      await raw.close();
    }
  });

  it('holds the first frames after a move until the handoff, which comes after what the old holder forwarded', async () => {
    fixture = redisClusterFixture(server, { heartbeatMs: 100, nodeTtlMs: 1_000 });
    await startHub('a');
    const { node: nodeB } = await startHub('b');
    const { hub: c } = await startHub('c');
    const carol = await guest(c, 'carol');
    await eventually(() => expect(nodeB.cluster.sync.mirror.holds('carol')).toBe(true));
    const keys = new RedisKeys(fixture.keyPrefix);
    const raw = await connectRedis(server.url, silentLogger);
    try {
      const direct = (text: string, flags: number) =>
        encodeBusFrame(
          'a',
          { kind: 'direct', to: ['carol'], sender: 'alice', text: Buffer.from(text), timestamp: Date.now() },
          flags,
        );
      // a's route for carol moved from b to c: the newer frames reach c first...
      await raw.redis.publish(keys.inbox('c'), direct('m3', DirectFlags.SOLE | DirectFlags.AFTER_MOVE));
      await raw.redis.publish(keys.inbox('c'), direct('m4', DirectFlags.SOLE));
      await sleep(100);
      expect(carol.messages).toEqual([]);
      // ...while b still passes on the older ones, then the handoff.
      await raw.redis.publish(keys.inbox('b'), direct('m1', DirectFlags.SOLE));
      await raw.redis.publish(keys.inbox('b'), direct('m2', DirectFlags.SOLE));
      await raw.redis.publish(
        keys.inbox('b'),
        encodeBusFrame('a', { kind: 'handoff', name: 'carol', to: 'c' }),
      );
      await eventually(() => expect(carol.messages.map((m) => m.text)).toEqual(['m1', 'm2', 'm3', 'm4']));
      // Later frames flow straight through.
      await raw.redis.publish(keys.inbox('c'), direct('m5', DirectFlags.SOLE));
      await eventually(() =>
        expect(carol.messages.map((m) => m.text)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']),
      );
    } finally {
      await raw.close();
    }
  });

  it('releases held frames after the timeout when the old holder never hands off (it died)', async () => {
    fixture = redisClusterFixture(server, { heartbeatMs: 100, nodeTtlMs: 1_000 });
    const { hub: c, node: nodeC } = await startHub('c');
    const carol = await guest(c, 'carol');
    const keys = new RedisKeys(fixture.keyPrefix);
    const raw = await connectRedis(server.url, silentLogger);
    try {
      const frame = encodeBusFrame(
        'a',
        { kind: 'direct', to: ['carol'], sender: 'alice', text: Buffer.from('late'), timestamp: Date.now() },
        DirectFlags.SOLE | DirectFlags.AFTER_MOVE,
      );
      await raw.redis.publish(keys.inbox('c'), frame);
      await sleep(300);
      expect(carol.messages).toEqual([]);
      await eventually(() => expect(carol.messages.map((m) => m.text)).toEqual(['late']), 3_000);
      expect(nodeC.cluster.stats.handoffTimeouts).toBe(1);
    } finally {
      await raw.close();
    }
  });

  it('hands off through the old holder when a live sender keeps sending to a name that moves', async () => {
    fixture = redisClusterFixture(server, { heartbeatMs: 100, nodeTtlMs: 1_000 });
    const { hub: a, node: nodeA } = await startHub('a');
    const { hub: b } = await startHub('b');
    const { hub: c } = await startHub('c');
    const sender = await guest(a, 'sender');
    const holders = [await guest(b, 'mover')];
    await eventually(async () => expect(await activeTexts(a)).toEqual(['mover', 'sender']));
    const expected: string[] = [];
    let sent = 0;
    const traffic = setInterval(() => {
      for (let i = 0; i < 20; i++) {
        void sender.session.sendDirect([Name.fromText('mover')], `m${sent}`);
        expected.push(`m${sent}`);
        sent += 1;
      }
    }, 1);
    try {
      for (const hub of [c, b, c, b]) {
        const last = holders.at(-1)!;
        const before = last.messages.length;
        await eventually(() => expect(last.messages.length).toBeGreaterThan(before + 50), 10_000);
        holders.push(await guest(hub, 'mover'));
      }
      const last = holders.at(-1)!;
      const before = last.messages.length;
      await eventually(() => expect(last.messages.length).toBeGreaterThan(before + 50), 10_000);
    } finally {
      clearInterval(traffic);
    }
    const received = () => holders.flatMap((holder) => holder.messages.map((m) => m.text));
    await eventually(() => expect(received()).toHaveLength(expected.length), 10_000);
    expect(received()).toEqual(expected);
    expect(nodeA.cluster.stats.publishedByKind.handoff).toBe(4);
    const forwarded =
      fixture.nodes.get('b')!.cluster.stats.forwarded + fixture.nodes.get('c')!.cluster.stats.forwarded;
    console.info(`${sent} messages over 4 moves: ${forwarded} forwarded by an old holder`);
  });
});

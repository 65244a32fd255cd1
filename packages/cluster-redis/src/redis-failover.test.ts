import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { type ChatMessage, type Hub, Name, type Session } from '@switchboard/core';
import { createTestHub } from '@switchboard/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually, sleep } from './testing/eventually.ts';
import { type RedisNode, redisClusterFixture } from './testing/redis-fixture.ts';
import { RedisServer } from './testing/redis-server.ts';

const HEARTBEAT_MS = 100;
const NODE_TTL_MS = 500;

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

function connect(hub: Hub): { session: Session; messages: ChatMessage[] } {
  const messages: ChatMessage[] = [];
  const session = hub.open('test', '127.0.0.1', {
    deliver: (message) => messages.push(message),
    replaced() {},
  });
  if (!session) throw new Error('refused');
  return { session, messages };
}

async function guest(hub: Hub, name: string) {
  const client = connect(hub);
  expect(await client.session.claimGuest(Name.fromText(name))).toBe('ok');
  return client;
}

const activeTexts = async (hub: Hub) => (await hub.activeNames()).map((name) => name.text);

describe('nodes that die without a goodbye', () => {
  it('a node whose connections drop disappears from presence and sessions within its TTL', async () => {
    fixture = redisClusterFixture(server, { heartbeatMs: HEARTBEAT_MS, nodeTtlMs: NODE_TTL_MS });
    const { hub: a } = await startHub('a');
    const { hub: b } = await startHub('b');
    await guest(a, 'alice');
    await guest(b, 'bob');
    b.sessions.set('bob-client', 'bob-session');
    await eventually(async () => expect(await activeTexts(a)).toEqual(['alice', 'bob']));
    await fixture.kill?.('b');
    const killedAt = Date.now();
    await eventually(async () => {
      expect(await activeTexts(a)).toEqual(['alice']);
      expect(await a.sessions.list()).toEqual([]);
    }, 3_000);
    const goneMs = Date.now() - killedAt;
    console.info(`dropped node gone after ${goneMs} ms (TTL ${NODE_TTL_MS}, heartbeat ${HEARTBEAT_MS})`);
    expect(goneMs).toBeLessThanOrEqual(NODE_TTL_MS + HEARTBEAT_MS + 250);
  });

  it('a node process killed with kill -9 vanishes within nodeTtlMs plus one heartbeat', async () => {
    fixture = redisClusterFixture(server, { heartbeatMs: HEARTBEAT_MS, nodeTtlMs: NODE_TTL_MS });
    const { hub: a } = await startHub('a');
    await guest(a, 'alice');
    const script = fileURLToPath(new URL('./testing/cluster-node-process.ts', import.meta.url));
    const prefix = fixture.keyPrefix;
    const args = [script, server.url, prefix, 'victim', 'zed', String(HEARTBEAT_MS), String(NODE_TTL_MS)];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = once(child, 'exit');
    try {
      const [line] = (await once(child.stdout!, 'data')) as [Buffer];
      expect(line.toString()).toBe('ready\n');
      await eventually(async () => {
        expect(await activeTexts(a)).toEqual(['alice', 'zed']);
        expect(await a.sessions.list()).toEqual([['zed-client', 'zed-session']]);
      });
      child.kill('SIGKILL');
      await exited;
      const killedAt = Date.now();
      await eventually(async () => {
        expect(await activeTexts(a)).toEqual(['alice']);
        expect(await a.sessions.list()).toEqual([]);
      }, 3_000);
      const goneMs = Date.now() - killedAt;
      console.info(`kill -9'd node gone after ${goneMs} ms (TTL ${NODE_TTL_MS}, heartbeat ${HEARTBEAT_MS})`);
      expect(goneMs).toBeLessThanOrEqual(NODE_TTL_MS + HEARTBEAT_MS + 250);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('Redis goes away and comes back', () => {
  it('refuses claims at once while Redis is down, and serves the first one within 0.5 s of its return', async () => {
    fixture = redisClusterFixture(server, { heartbeatMs: 200, nodeTtlMs: 1_000 });
    const { hub: a } = await startHub('a');
    await guest(a, 'before');
    await server.kill();
    await sleep(3_000); // long enough for any reconnect backoff to reach its cap
    const refusedAt = Date.now();
    await expect(connect(a).session.claimGuest(Name.fromText('during'))).rejects.toThrow();
    expect(Date.now() - refusedAt).toBeLessThan(100);
    await server.restart();
    const restartedAt = Date.now();
    let servedMs = -1;
    while (Date.now() - restartedAt < 5_000) {
      const attempt = connect(a);
      const result = await attempt.session.claimGuest(Name.fromText('after')).catch(() => null);
      if (result === 'ok') {
        servedMs = Date.now() - restartedAt;
        break;
      }
      attempt.session.close();
      await sleep(10);
    }
    console.info(`first identification served ${servedMs} ms after Redis came back`);
    expect(servedMs).toBeGreaterThanOrEqual(0);
    expect(servedMs).toBeLessThan(500);
  });

  it('keeps local delivery, counts failed publishes, and rejoins without restarting the hubs', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      fixture = redisClusterFixture(server, { heartbeatMs: 200, nodeTtlMs: 1_000 });
      const { hub: a, node: nodeA } = await startHub('a');
      const { hub: b, node: nodeB } = await startHub('b');
      const alice = await guest(a, 'alice');
      const local = await guest(a, 'local');
      const leaving = await guest(a, 'leaving');
      const bob = await guest(b, 'bob');
      a.sessions.set('alice-client', 'alice-session');
      await eventually(async () =>
        expect(await activeTexts(b)).toEqual(['alice', 'bob', 'leaving', 'local']),
      );

      let sent = 0;
      const traffic = setInterval(() => {
        sent += 1;
        void alice.session.sendDirect([Name.fromText('bob'), Name.fromText('local')], `m${sent}`);
        alice.session.broadcast(`b${sent}`);
      }, 10);
      try {
        await eventually(() => expect(bob.messages.length).toBeGreaterThan(10));

        await server.kill();
        const localBefore = local.messages.length;
        const bobBefore = bob.messages.length;
        leaving.session.close(); // a presence change Redis can't hear about yet
        await sleep(2_500); // long enough for ioredis to back off to its 1 s cap
        expect(local.messages.length).toBeGreaterThan(localBefore + 100);
        expect(nodeA.cluster.stats.publishFailures).toBeGreaterThan(100);
        expect(nodeA.cluster.stats.writeFailures).toBeGreaterThan(0);
        expect(await activeTexts(a)).toEqual(['alice', 'local']); // local names, Redis or not
        expect(bob.messages.length).toBeLessThanOrEqual(bobBefore + 2); // in flight at the kill at most

        await server.restart(); // same port, empty: everything must be registered again
        const restartedAt = Date.now();
        await eventually(async () => {
          expect(bob.messages.length).toBeGreaterThan(bobBefore + 10);
          expect(await activeTexts(b)).toEqual(['alice', 'bob', 'local']);
          expect(await activeTexts(a)).toEqual(['alice', 'bob', 'local']);
          expect(await b.sessions.list()).toEqual([['alice-client', 'alice-session']]);
        }, 10_000);
        const rejoinMs = Date.now() - restartedAt;
        expect(rejoinMs).toBeLessThan(10_000);
        console.info(`rejoined ${rejoinMs} ms after Redis came back`);
        expect(nodeA.cluster.stats.registrations).toBeGreaterThanOrEqual(2);
        expect(nodeB.cluster.stats.registrations).toBeGreaterThanOrEqual(2);
      } finally {
        clearInterval(traffic);
      }
      // Cross-node order held across the outage: bob's texts from alice only ever go forward.
      const numbers = bob.messages.filter((m) => m.direct).map((m) => Number(m.text.slice(1)));
      expect(numbers).toEqual([...numbers].sort((x, y) => x - y));
      await sleep(50);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

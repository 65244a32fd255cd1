/**
 * End to end, over real processes: three gateways sharing one private redis-server form one
 * service (SPEC §1 Cluster, §2–§6): presence, routing, broadcasts, `/sessions`, `client_id`
 * uniqueness, guest takeovers and rs-us `invalidate` cross processes; a `kill -9`'d process leaves
 * no ghosts; a Redis outage degrades to local service and heals without restarting anything.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { RedisClusterServer } from '../../../packages/cluster-redis/src/testing/redis-cluster-server.ts';
import { RedisServer } from '../../../packages/cluster-redis/src/testing/redis-server.ts';
import {
  addAccount,
  adminUrl,
  eventually,
  expectAllRunning,
  type Gateway,
  killAll,
  sleep,
  startGateway,
  terminate,
  troubleLines,
} from './e2e/fleet.ts';
import {
  type JsonConnection,
  jsonWs,
  type LineConnection,
  type RsUsConnection,
  rsUsLogin,
  type SessionsConnection,
  type SohConnection,
  sessionsList,
  sessionsWs,
  soh,
  tcpRoomsLogin,
  tcpRoomsWho,
} from './e2e/wire.ts';

let redis: RedisServer;
let g1: Gateway;
let g2: Gateway;
let g3: Gateway;
let g3Killed = false;
const survivors = (): Gateway[] => (g3Killed ? [g1, g2] : [g1, g2, g3]);

// The chat users, by process. Names are ASCII, so JS sort order is byte order.
let jay: JsonConnection; // g1 json-ws
let tom: LineConnection; // g1 tcp-rooms
let sam: SohConnection; // g2 soh
let rita: RsUsConnection; // g2 rs-us
let jill: JsonConnection; // g3 json-ws
let ron: RsUsConnection; // g3 rs-us
const sessionsUsers: SessionsConnection[] = []; // sid-1 on g1, sid-2 on g2, sid-3 on g3

beforeAll(async () => {
  redis = await RedisServer.start();
  const join = (label: string) => startGateway(label, ['--redis', redis.url]);
  [g1, g2, g3] = await Promise.all([join('g1'), join('g2'), join('g3')]);
  for (const name of ['tom', 'rita', 'ron', 'vic']) await addAccount(g1, name, `${name}-pw`);
  jay = await jsonWs(g1.port('json-ws'), 'jay');
  tom = await tcpRoomsLogin(g1.port('tcp-rooms'), 'tom', 'tom-pw');
  sam = await soh(g2.port('soh'), 'sam');
  rita = await rsUsLogin(g2.port('rs-us'), 'rita', 'rita-pw');
  jill = await jsonWs(g3.port('json-ws'), 'jill');
  ron = await rsUsLogin(g3.port('rs-us'), 'ron', 'ron-pw');
});

afterAll(async () => {
  await killAll();
  await redis?.kill();
});

const EVERYONE = ['jay', 'jill', 'rita', 'ron', 'sam', 'tom'];

describe('presence spans the three processes', () => {
  it('json-ws chat_status, tcp-rooms /who and rs-us who each list the users of all three', async () => {
    // SOH's introduction is silent: presence is the first place it shows.
    await eventually(async () => expect(await jay.status()).toEqual(EVERYONE));
    expect(await jill.status()).toEqual(EVERYONE); // g3
    expect(await tcpRoomsWho(tom)).toEqual(EVERYONE); // g1
    expect(await rita.command('who')).toEqual(['who_ack', ...EVERYONE]); // g2
    expect(await ron.command('who')).toEqual(['who_ack', ...EVERYONE]); // g3
  });
});

describe('routing crosses processes', () => {
  it('json-ws on g1 → soh on g2', async () => {
    jay.sendDirect(['sam'], 'to sam from g1');
    await sam.delivery('jay', 'to sam from g1');
  });

  it('soh on g2 → json-ws on g3', async () => {
    sam.sendDirect('jill', 'to jill from g2');
    const frame = await jill.message('sam', 'to jill from g2');
    expect(Math.abs(frame.data!.timestamp! - Date.now() / 1000)).toBeLessThan(5);
  });

  it('tcp-rooms on g1 → rs-us on g3 (and /msg stays silent when delivered)', async () => {
    tom.line('/msg ron to ron from g1');
    const [, ms] = await ron.event('tom: to ron from g1');
    expect(Math.abs(Number(ms) - Date.now())).toBeLessThan(5_000);
    await tom.lines.nothing((line) => line.startsWith('No such user'), 200, 'No such user');
  });

  it('a broadcast from g3 reaches the main chat on every process, never its sender', async () => {
    jill.broadcast('hello everyone');
    await jay.message('jill', 'hello everyone'); // g1 json-ws
    await tom.waitFor(/^jill \(\d\d:\d\d\): hello everyone$/); // g1 tcp-rooms
    await sam.delivery('jill', 'hello everyone'); // g2 soh
    await rita.event('jill: hello everyone'); // g2 rs-us
    await ron.event('jill: hello everyone'); // g3 rs-us
    await jill.frames.nothing((f) => f.type === 'recieve_message', 200, 'an echo to the sender');
  });
});

describe('the cluster on /metrics', () => {
  it('exports the bus per kind, the mirror, reloads, forwarding and publish latency', async () => {
    const scrape = async (gateway: Gateway) => (await fetch(`${adminUrl(gateway)}/metrics`)).text();
    const value = (text: string, series: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      if (!line) throw new Error(`no ${series} on /metrics`);
      return Number(line.slice(series.length + 1));
    };
    const g1Text = await scrape(g1);
    const g2Text = await scrape(g2);
    // jay on g1 messaged sam on g2 directly: one inbox frame each way of counting.
    expect(value(g1Text, 'switchboard_cluster_events_published_total{kind="direct"}')).toBeGreaterThan(0);
    expect(value(g2Text, 'switchboard_cluster_events_received_total{kind="direct"}')).toBeGreaterThan(0);
    expect(value(g1Text, 'switchboard_cluster_events_published_total{kind="broadcast"}')).toBe(0);
    expect(value(g2Text, 'switchboard_cluster_events_received_total{kind="beat"}')).toBeGreaterThan(0);
    // The other two gateways' users, as g1's mirror holds them.
    expect(value(g1Text, 'switchboard_cluster_mirror_names')).toBe(4);
    expect(value(g1Text, 'switchboard_cluster_mirror_nodes')).toBe(2);
    expect(value(g1Text, 'switchboard_cluster_mirror_reloads_total{cause="join"}')).toBe(1);
    expect(value(g1Text, 'switchboard_cluster_publish_latency_seconds_count')).toBeGreaterThan(0);
    for (const series of [
      'switchboard_cluster_forwarded_total',
      'switchboard_cluster_malformed_events_total',
      'switchboard_cluster_presence_write_failures_total',
      'switchboard_cluster_registrations_total',
      'switchboard_cluster_connection_errors_total',
      'switchboard_cluster_publish_failures_total',
      'switchboard_cluster_stale_events_total',
    ])
      expect(value(g1Text, series)).toBeGreaterThanOrEqual(0);
  });
});

describe('sessions are one service', () => {
  it('/sessions on every process lists every session of the service', async () => {
    for (const gateway of [g1, g2, g3])
      sessionsUsers.push(await sessionsWs(gateway.port('sessions'), `sid-${sessionsUsers.length + 1}`));
    const expected = sessionsUsers.map((user, index): [string, string] => [
      `sid-${index + 1}`,
      user.sessionId,
    ]);
    for (const [, id] of expected)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    // Each process answers /sessions from its presence mirror, fed by the others' numbered events:
    // a session opened on g3 a moment ago reaches g1's mirror within one pub/sub hop.
    for (const gateway of [g1, g2, g3])
      await eventually(
        async () => expect(await sessionsList(gateway.port('sessions'))).toEqual(expected),
        1_000,
      );
    // And each session is a chat user of the whole service.
    jay.sendDirect(['sid-3'], 'to the session on g3');
    await sessionsUsers[2]!.message('jay', 'to the session on g3');
  });

  it('50 concurrent connections with one client_id over three processes leave exactly one', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, index) => stormConnection([g1, g2, g3][index % 3]!)),
    );
    // Every loser is closed; the settled state must hold a moment later.
    await eventually(() => expect(outcomes.filter((o) => o.close === null)).toHaveLength(1), 10_000);
    await sleep(500);
    const open = outcomes.filter((o) => o.close === null);
    expect(open).toHaveLength(1);
    const closes = outcomes.filter((o) => o.close !== null).map((o) => `${o.close!.code} ${o.close!.reason}`);
    expect(new Set(closes)).toEqual(new Set(['4001 replaced']));
    expect(closes).toHaveLength(49);
    const withId = outcomes.filter((o) => o.sessionId !== undefined).length;
    console.info(`client_id storm: 1 of 50 left open; ${withId} had received a session id`);
    const survivor = open[0]!;
    expect(survivor.sessionId).toBeDefined();
    for (const gateway of [g1, g2, g3]) {
      const storm = (await sessionsList(gateway.port('sessions'))).filter(([id]) => id === 'storm');
      expect(storm).toEqual([['storm', survivor.sessionId]]);
    }
    // The survivor is the chat user `storm` for the whole service.
    sam.sendDirect('storm', 'to the survivor');
    await eventually(() => expect(survivor.frames.join()).toContain('to the survivor'));
    for (const outcome of outcomes) outcome.ws.terminate();
    await eventually(async () => {
      for (const gateway of [g1, g2, g3])
        expect((await sessionsList(gateway.port('sessions'))).map(([id]) => id)).not.toContain('storm');
    });
  });
});

interface StormOutcome {
  ws: WebSocket;
  sessionId: string | undefined;
  close: { code: number; reason: string } | null;
  frames: string[];
}

/** A raw sessions connection for `storm`, recording its session id and how it closed. */
async function stormConnection(gateway: Gateway): Promise<StormOutcome> {
  const ws = new WebSocket(`ws://127.0.0.1:${gateway.port('sessions')}/?client_id=storm`);
  const outcome: StormOutcome = { ws, sessionId: undefined, close: null, frames: [] };
  ws.on('error', () => {});
  ws.on('message', (data) => {
    if (outcome.sessionId === undefined) outcome.sessionId = data.toString();
    else outcome.frames.push(data.toString());
  });
  ws.on('close', (code, reason) => {
    outcome.close = { code, reason: reason.toString() };
  });
  await new Promise<void>((resolve) => {
    ws.once('open', () => resolve());
    ws.once('close', () => resolve());
  });
  return outcome;
}

describe('takeovers cross processes', () => {
  it('a json-ws guest name claimed on another process is taken over: error + 4001 on the old one', async () => {
    const old = await jsonWs(g1.port('json-ws'), 'gina');
    const taker = await jsonWs(g2.port('json-ws'), 'gina');
    const error = await old.frame('error');
    expect(error.data?.message).toEqual(expect.any(String));
    expect(await old.closed).toEqual({ code: 4001, reason: 'replaced' });
    expect((await jay.status()).filter((name) => name === 'gina')).toEqual(['gina']);
    jay.sendDirect(['gina'], 'to the new gina');
    await taker.message('jay', 'to the new gina');
    expect(old.frames.pending).toEqual([]);
    taker.close();
  });

  it('rs-us invalidate on g1 reaches the connection bound to the same name on g2', async () => {
    const vicOnG2 = await rsUsLogin(g2.port('rs-us'), 'vic', 'vic-pw');
    const vicOnG1 = await rsUsLogin(g1.port('rs-us'), 'vic', 'vic-pw');
    const sentAt = performance.now();
    expect(await vicOnG1.command('invalidate')).toEqual(['invalidate_ack']);
    await vicOnG2.word('invalidated');
    console.info(
      `rs-us invalidate g1 → invalidated on g2 after ${Math.round(performance.now() - sentAt)} ms`,
    );
    expect(await vicOnG2.command('who')).toEqual(['not_logged_in']);
    // The invalidating connection stays bound.
    expect((await vicOnG1.command('who'))[0]).toBe('who_ack');
    vicOnG1.close();
    vicOnG2.close();
  });
});

describe('a gateway killed with kill -9', () => {
  it('its users vanish from presence and /sessions elsewhere within 15 s', async () => {
    await eventually(async () => expect(await jay.status()).toContain('sid-3'));
    const before = await jay.status();
    const g3Users = ['jill', 'ron', 'sid-3'];
    for (const name of g3Users) expect(before).toContain(name);
    const expectedNames = before.filter((name) => !g3Users.includes(name));
    const expectedSessions = (await sessionsList(g1.port('sessions'))).filter(([id]) => id !== 'sid-3');

    g3.child.kill('SIGKILL');
    await g3.exited;
    g3Killed = true;
    const killedAt = performance.now();
    await eventually(
      async () => {
        expect(await jay.status()).toEqual(expectedNames);
        expect(await rita.command('who')).toEqual(['who_ack', ...expectedNames]);
        expect(await sessionsList(g1.port('sessions'))).toEqual(expectedSessions);
        expect(await sessionsList(g2.port('sessions'))).toEqual(expectedSessions);
      },
      15_000,
      100,
    );
    const goneMs = Math.round(performance.now() - killedAt);
    console.info(
      `kill -9: g3's users gone from presence and /sessions after ${goneMs} ms (TTL 1500, heartbeat 200)`,
    );
    expect(goneMs).toBeLessThan(15_000);
    expectAllRunning([g1, g2]);
  });
});

describe('Redis goes away under traffic and comes back', () => {
  it('each process keeps serving its local users, and the cluster heals within 10 s', async () => {
    // Background traffic across and within processes, through the outage.
    let sent = 0;
    const traffic = setInterval(() => {
      sent += 1;
      jay.sendDirect(['sam', 'tom'], `traffic ${sent}`);
      jay.broadcast(`chatter ${sent}`);
    }, 20);
    try {
      await sam.delivery('jay', 'traffic 5');
      await redis.kill();
      const downAt = performance.now();
      await sleep(1_500); // long enough for every client to have noticed

      // g1: json-ws → tcp-rooms, and tcp-rooms → json-ws.
      jay.sendDirect(['tom'], 'local on g1 during the outage');
      await tom.waitFor(/^jay \(\d\d:\d\d\) \[private\]: local on g1 during the outage$/);
      tom.line('/msg jay back to you on g1');
      await jay.message('tom', 'back to you on g1');
      // g2: soh → rs-us, and rs-us → soh.
      sam.sendDirect('rita', 'local on g2 during the outage');
      await rita.event('sam: local on g2 during the outage');
      expect(await rita.command('send', 'sam', 'back to you on g2')).toEqual(['send_ack']);
      await sam.delivery('rita', 'back to you on g2');
      // The background traffic kept flowing locally.
      const countBefore = sent;
      await tom.waitFor(new RegExp(`^jay \\(\\d\\d:\\d\\d\\) \\[private\\]: traffic ${countBefore + 3}$`));
      // Local presence still answers.
      expect(await jay.status()).toEqual(expect.arrayContaining(['jay', 'sid-1', 'tom']));
      expectAllRunning([g1, g2]);
      console.info(`local service checked ${Math.round(performance.now() - downAt)} ms into the outage`);

      await redis.restart(); // same port, empty
      const upAt = performance.now();
      let probe = 0;
      await eventually(
        async () => {
          probe += 1;
          jay.sendDirect(['sam'], `probe ${probe}`);
          await sam.delivery('jay', `probe ${probe}`, 300);
          expect(await rita.command('send', 'jay', `probe ${probe}`)).toEqual(['send_ack']);
          await jay.message('rita', `probe ${probe}`, 300);
          const names = ['jay', 'rita', 'sam', 'sid-1', 'sid-2', 'tom'];
          expect(await jay.status()).toEqual(expect.arrayContaining(names));
          expect((await rita.command('who')).slice(1)).toEqual(expect.arrayContaining(names));
          const sessions = sessionsUsers
            .slice(0, 2)
            .map((user, i): [string, string] => [`sid-${i + 1}`, user.sessionId]);
          expect(await sessionsList(g1.port('sessions'))).toEqual(sessions);
          expect(await sessionsList(g2.port('sessions'))).toEqual(sessions);
        },
        10_000,
        100,
      );
      const healedMs = Math.round(performance.now() - upAt);
      console.info(`Redis back: cross-process delivery, presence and /sessions again after ${healedMs} ms`);
      expect(healedMs).toBeLessThan(10_000);
    } finally {
      clearInterval(traffic);
    }
    expectAllRunning([g1, g2]);
  });
});

describe('after the heal', () => {
  it('a guest takeover crosses processes again (the claim registry was rebuilt)', async () => {
    const old = await jsonWs(g2.port('json-ws'), 'gus');
    const taker = await jsonWs(g1.port('json-ws'), 'gus');
    await old.frame('error');
    expect(await old.closed).toEqual({ code: 4001, reason: 'replaced' });
    expect(await rita.command('send', 'gus', 'to gus after the heal')).toEqual(['send_ack']);
    await taker.message('rita', 'to gus after the heal');
    expect(await rita.command('who')).toEqual(expect.arrayContaining(['who_ack', 'gus']));
    taker.close();
  });
});

describe('the end', () => {
  it('no gateway crashed; every survivor exits 0 on SIGTERM', async () => {
    expectAllRunning(survivors());
    for (const gateway of [g1, g2, g3]) expect(troubleLines(gateway)).toEqual([]);
    const stops = await Promise.all(survivors().map((gateway) => terminate(gateway)));
    console.info(`SIGTERM exits: ${stops.map(({ code, ms }) => `code ${code} in ${ms} ms`).join(', ')}`);
    for (const { code, ms } of stops) {
      expect(code).toBe(0);
      expect(ms).toBeLessThan(5_000);
    }
  });
});

/**
 * The same service over a real three-master Redis Cluster (`--redis redis+cluster://...`):
 * sharded per-gateway channels, presence in one hash-tagged slot. The outage and kill -9 cases
 * above are about one Redis's restart and are not repeated here.
 */
describe('on a Redis Cluster', () => {
  let cluster: RedisClusterServer;
  let c1: Gateway;
  let c2: Gateway;
  let c3: Gateway;

  beforeAll(async () => {
    cluster = await RedisClusterServer.start();
    const join = (label: string) => startGateway(label, ['--redis', cluster.url]);
    [c1, c2, c3] = await Promise.all([join('c1'), join('c2'), join('c3')]);
    for (const name of ['tina', 'russ']) await addAccount(c1, name, `${name}-pw`);
  }, 60_000);

  afterAll(async () => {
    for (const gateway of [c1, c2, c3]) if (gateway) await terminate(gateway);
    await cluster?.kill();
  });

  it('presence, routing across protocols, broadcasts, /sessions and takeovers span the three processes', async () => {
    const jo = await jsonWs(c1.port('json-ws'), 'jo');
    const tina = await tcpRoomsLogin(c1.port('tcp-rooms'), 'tina', 'tina-pw');
    const sol = await soh(c2.port('soh'), 'sol');
    const russ = await rsUsLogin(c3.port('rs-us'), 'russ', 'russ-pw');
    const all = ['jo', 'russ', 'sol', 'tina'];
    await eventually(async () => expect(await jo.status()).toEqual(all));
    expect(await tcpRoomsWho(tina)).toEqual(all);
    expect(await russ.command('who')).toEqual(['who_ack', ...all]);

    jo.sendDirect(['sol'], 'to sol over the cluster');
    await sol.delivery('jo', 'to sol over the cluster');
    tina.line('/msg russ to russ over the cluster');
    await russ.event('tina: to russ over the cluster');
    sol.sendDirect('jo', 'back to jo');
    await jo.message('sol', 'back to jo');

    expect(await russ.command('broadcast', 'hello cluster')).toEqual(['broadcast_ack']);
    await jo.message('russ', 'hello cluster');
    await sol.delivery('russ', 'hello cluster');
    await tina.waitFor(/^russ \(\d\d:\d\d\): hello cluster$/);

    const sessions = [
      await sessionsWs(c1.port('sessions'), 'cs-1'),
      await sessionsWs(c3.port('sessions'), 'cs-2'),
    ];
    const expected: Array<[string, string]> = [
      ['cs-1', sessions[0]!.sessionId],
      ['cs-2', sessions[1]!.sessionId],
    ];
    for (const gateway of [c1, c2, c3])
      await eventually(async () => expect(await sessionsList(gateway.port('sessions'))).toEqual(expected));

    const old = await jsonWs(c1.port('json-ws'), 'gus');
    const taker = await jsonWs(c3.port('json-ws'), 'gus');
    expect(await old.closed).toEqual({ code: 4001, reason: 'replaced' });
    jo.sendDirect(['gus'], 'to the new gus');
    await taker.message('jo', 'to the new gus');

    expectAllRunning([c1, c2, c3]);
    for (const gateway of [c1, c2, c3]) expect(troubleLines(gateway)).toEqual([]);
  });
});

/**
 * The server API across two gateway processes on a private redis-server: asked of one gateway,
 * a system message reaches one client per protocol on the other (and this one's own), the
 * connection listing and its pages span both, a disconnect closes the other gateway's
 * connections in each protocol's way, and the configured system sender is reserved on both.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { RedisServer } from '../../../packages/cluster-redis/src/testing/redis-server.ts';
import { connectionPage } from '../src/admin/admin-schemas.ts';
import {
  api,
  arrivals,
  connectFive,
  expectDisconnectedByAdmin,
  type FiveClients,
  ONLY_FIVE,
  PROTOCOLS,
  percentile,
  sayAndSee,
} from './e2e/five-clients.ts';
import {
  adminUrl,
  eventually,
  expectAllRunning,
  type Gateway,
  killAll,
  startGateway,
  troubleLines,
} from './e2e/fleet.ts';
import { type JsonConnection, jsonWs } from './e2e/wire.ts';
import { BIN } from './gateway-process.ts';

/** A sender name of its own: the setting reaches both processes, and the default is free again. */
const SENDER = 'announcer';

let redis: RedisServer;
let g1: Gateway;
let g2: Gateway;
let five: FiveClients; // all on g2
let local: JsonConnection; // on g1, where the API is asked

beforeAll(async () => {
  redis = await RedisServer.start();
  const env = { SWITCHBOARD_SYSTEM_SENDER: SENDER };
  [g1, g2] = await Promise.all([
    startGateway('g1', ['--redis', redis.url, ...ONLY_FIVE], env),
    startGateway('g2', ['--redis', redis.url, ...ONLY_FIVE], env),
  ]);
  five = await connectFive(g2, g1, '', SENDER);
  local = await jsonWs(g1.port('json-ws'), 'lou');
});

afterAll(async () => {
  for (const gateway of [g1, g2]) if (gateway) expect(troubleLines(gateway)).toEqual([]);
  await killAll();
  await redis?.kill();
});

const REMOTE = () => Object.values(five.names).sort();

function cli(
  gateway: Gateway,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args, '--admin-url', adminUrl(gateway)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data) => {
      stdout += data;
    });
    child.stderr.on('data', (data) => {
      stderr += data;
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('system messages asked of one gateway', () => {
  it('reach the main chat on both gateways, every protocol, and the answer names all of them', async () => {
    const here = local.message(SENDER, 'cluster-wide');
    const { answer } = await sayAndSee(g1, five, { text: 'cluster-wide' });
    await here;
    expect(answer.body).toEqual({
      sender: SENDER,
      delivered: [...REMOTE(), 'lou'].sort(),
      missingGateways: 0,
    });
  });

  it('go direct to users of the other gateway; the inactive are named back', async () => {
    const { answer } = await sayAndSee(g1, five, { text: 'over there', to: [...REMOTE(), 'nobody'] });
    expect(answer.body).toEqual({
      sender: SENDER,
      delivered: REMOTE(),
      inactive: ['nobody'],
      missingGateways: 0,
    });
    await local.frames.nothing((frame) => frame.data?.text === 'over there', 200, 'a direct message to lou');
  });

  it('measures the time from the request on g1 to delivery on g2, per protocol', async () => {
    const samples = Object.fromEntries(PROTOCOLS.map((protocol) => [protocol, [] as number[]]));
    for (let round = 0; round < 30; round += 1) {
      const { ms } = await sayAndSee(g1, five, { text: `cross ${round}` });
      for (const [protocol, value] of Object.entries(ms)) samples[protocol]!.push(value);
    }
    const report = Object.fromEntries(
      PROTOCOLS.map((protocol) => [
        protocol,
        {
          p50: +percentile(samples[protocol]!, 50).toFixed(2),
          p95: +percentile(samples[protocol]!, 95).toFixed(2),
        },
      ]),
    );
    console.log(
      `POST /admin/messages on g1 → delivery on g2 via Redis, 30 rounds (ms): ${JSON.stringify(report)}`,
    );
    for (const protocol of PROTOCOLS) expect(percentile(samples[protocol]!, 95)).toBeLessThan(1_000);
  });
});

describe('the connection listing spans the cluster', () => {
  it('lists both gateways’ connections, paged in gateway order, from either gateway', async () => {
    for (const asked of [g1, g2]) {
      const seen: Array<{ gateway: string; name: string | null; protocol: string }> = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor === null ? '' : `&cursor=${cursor}`;
        const answer = await api(asked, 'GET', `/admin/connections?limit=4${query}`);
        const page = connectionPage.parse(answer.body);
        expect(page.missingGateways).toBe(0);
        seen.push(...page.connections);
        cursor = page.next;
      } while (cursor !== null);
      expect(seen.map((entry) => entry.name).sort()).toEqual([...REMOTE(), 'lou'].sort());
      const gateways = [...new Set(seen.map((entry) => entry.gateway))];
      expect(gateways).toHaveLength(2);
      expect(gateways).toEqual([...gateways].sort()); // pages in gateway order
      const onLouGateway = seen.filter(
        (entry) => entry.gateway === seen.find((e) => e.name === 'lou')!.gateway,
      );
      expect(onLouGateway.map((entry) => entry.name)).toEqual(['lou']);
    }
    const who = await cli(g1, ['who']);
    expect(who.code).toBe(0);
    for (const protocol of PROTOCOLS)
      expect(who.stdout).toMatch(new RegExp(`^${five.names[protocol]} +${protocol} `, 'm'));
  });
});

describe('the configured system sender', () => {
  it('is reserved on the other gateway too, and the default name is an ordinary one', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${g2.port('json-ws')}/`);
    const first = new Promise<string>((resolve) => ws.once('message', (data) => resolve(data.toString())));
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(JSON.stringify({ type: 'hello', data: { user: SENDER } }));
    expect(JSON.parse(await first)).toMatchObject({ type: 'error' });
    ws.terminate();
    const ordinary = await jsonWs(g2.port('json-ws'), 'switchboard');
    ordinary.close();
  });
});

describe('disconnect asked of one gateway', () => {
  it('closes each protocol’s connection on the other gateway in its own way (switchboard kick)', async () => {
    for (const protocol of PROTOCOLS) {
      const kicked = await cli(g1, ['kick', five.names[protocol]]);
      expect(kicked).toEqual({
        code: 0,
        stdout: `disconnected ${five.names[protocol]} (1 connection)\n`,
        stderr: '',
      });
    }
    await expectDisconnectedByAdmin(five);
    await eventually(async () =>
      expect((await api(g1, 'GET', '/admin/presence')).body.active).toEqual(['lou']),
    );
    const after = await api(g2, 'GET', '/admin/connections');
    expect(connectionPage.parse(after.body).connections.map((entry) => entry.name)).toEqual(['lou']);
    // lou, on the asking gateway, was not touched.
    const still = arrivals({ ...five, json: local }, 'still here', false, performance.now(), ['json-ws']);
    expect((await api(g2, 'POST', '/admin/messages', { text: 'still here' })).body.delivered).toEqual([
      'lou',
    ]);
    await still;
    expectAllRunning([g1, g2]);
  });
});

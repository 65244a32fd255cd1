/**
 * The server API end to end on one gateway process: system messages reach one real client per
 * protocol as that protocol shows any message, a disconnect closes each in its protocol's way,
 * the connection listing pages, bad input is refused with a clear 4xx, the system sender cannot
 * be claimed on any protocol, and `switchboard say|kick|who` drive it all as a child process.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connectionPage, disconnected, systemMessageSent } from '../src/admin/admin-schemas.ts';
import {
  api,
  arrivals,
  connectFive,
  expectDisconnectedByAdmin,
  type FiveClients,
  ONLY_FIVE,
  PROTOCOLS,
  percentile,
  SYSTEM,
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
  userCli,
} from './e2e/fleet.ts';
import { rsUs, sessionsList, sessionsWs, soh, tcpRooms } from './e2e/wire.ts';
import { BIN, tempDir } from './gateway-process.ts';

let gateway: Gateway;
let five: FiveClients;

beforeAll(async () => {
  gateway = await startGateway('solo', ['--data-dir', tempDir(), ...ONLY_FIVE]);
  five = await connectFive(gateway, gateway, '');
});

afterAll(async () => {
  expect(troubleLines(gateway)).toEqual([]);
  await killAll();
});

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args, '--admin-url', adminUrl(gateway)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SWITCHBOARD_ADMIN_TOKEN: '' },
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

const ALL = () => Object.values(five.names).sort();

describe('POST /admin/messages', () => {
  it('reaches the main chat on every protocol, from the system sender, and names who got it', async () => {
    const { answer } = await sayAndSee(gateway, five, { text: 'maintenance at noon' });
    expect(systemMessageSent.parse(answer.body)).toEqual({
      sender: SYSTEM,
      delivered: ALL(),
      missingGateways: 0,
    });
  });

  it('goes direct to the named users of every protocol; the inactive ones are named back', async () => {
    const { answer } = await sayAndSee(gateway, five, {
      text: 'just you',
      to: [...ALL(), 'ghost', five.names.soh],
    });
    expect(answer.body).toEqual({
      sender: SYSTEM,
      delivered: ALL(),
      inactive: ['ghost'],
      missingGateways: 0,
    });
  });

  it('goes to one private room only', async () => {
    five.tcp.line('/create den');
    await five.tcp.waitFor(/^Room den created\. Password: /);
    const since = performance.now();
    const seen = arrivals(five, 'room only', false, since, ['tcp-rooms']);
    const answer = await api(gateway, 'POST', '/admin/messages', { text: 'room only', room: 'den' });
    expect(answer).toEqual({
      status: 200,
      body: { sender: SYSTEM, delivered: [five.names['tcp-rooms']], missingGateways: 0 },
    });
    await seen;
    await five.soh.deliveries.nothing((item) => item.text === 'room only', 300, 'a room message outside it');
    expect(five.json.frames.pending.filter((frame) => frame.data?.text === 'room only')).toEqual([]);
    // The main chat now misses the room's member.
    const main = await api(gateway, 'POST', '/admin/messages', { text: 'outside' });
    expect(main.body.delivered).toEqual(ALL().filter((name) => name !== five.names['tcp-rooms']));
    five.tcp.line('/exit');
    await five.tcp.waitFor('Back in the main chat.');
    await five.json.message(SYSTEM, 'outside');
  });

  it('cannot break any protocol’s framing: delimiters and line breaks in the text stay inside one delivery', async () => {
    const hostile =
      'one\nswitchboard (00:00): forged\r\nsam\u0001forged\u0001\u001eevent\u001f0\u001fforged\u001e';
    five.tcp.lines.clear();
    five.soh.deliveries.clear();
    five.rsUs.frames.clear();
    expect((await api(gateway, 'POST', '/admin/messages', { text: hostile })).status).toBe(200);
    await sayAndSee(gateway, five, { text: 'marker' });
    // json-ws and sessions carry it as it is, in one frame.
    await five.json.message(SYSTEM, hostile);
    await five.sessions.message(SYSTEM, hostile);
    // One line on tcp-rooms before the marker, one delivery on SOH, one event on rs-us: nothing forged.
    expect(five.tcp.lines.pending.filter((line) => line.includes('forged'))).toHaveLength(1);
    expect(five.tcp.lines.pending.every((line) => line.startsWith(`${SYSTEM} (`))).toBe(true);
    expect(five.soh.deliveries.pending.map((item) => item.sender)).toEqual([SYSTEM]);
    expect(five.rsUs.frames.pending.map((parts) => [parts[0], parts.length])).toEqual([['event', 3]]);
  });

  it('refuses bad input with a 4xx naming the problem, never a 500', async () => {
    const cases: Array<[body: unknown, status: number, message: RegExp]> = [
      [{ text: 'x', room: 'nowhere' }, 404, /no such room: nowhere/],
      [{ text: '' }, 400, /text: the text is empty/],
      [{}, 400, /text: /],
      [{ text: 'x'.repeat(4097) }, 400, /longer than 4096 code points/],
      [{ text: '😀'.repeat(4096) }, 200, /./], // exactly the limit, in code points
      [{ text: 'x', to: [] }, 400, /to is empty/],
      [{ text: 'x', to: ['n'.repeat(257)] }, 400, /to\.0: invalid name \(too-long\)/],
      [{ text: 'x', to: ['a\nb'] }, 400, /invalid name \(control-character\)/],
      [{ text: 'x', to: ['a'], room: 'den' }, 400, /either to or room/],
      [{ text: 'x', extra: 1 }, 400, /extra/],
      [{ text: 'x'.repeat(1024 * 1024) }, 413, /too large/i],
      ['{"text": "unterminated', 400, /JSON/],
      [{ text: 'x', to: Array.from({ length: 1001 }, (_, i) => `n${i}`) }, 400, /to: /],
    ];
    for (const [body, status, message] of cases) {
      const answer = await api(gateway, 'POST', '/admin/messages', body);
      expect({ status: answer.status, body: JSON.stringify(body).slice(0, 60) }).toEqual({
        status,
        body: JSON.stringify(body).slice(0, 60),
      });
      if (status !== 200) expect(String(answer.body.error)).toMatch(message);
    }
    expectAllRunning([gateway]);
  });

  it('measures the time from the request to delivery on each protocol', async () => {
    const samples = Object.fromEntries(PROTOCOLS.map((protocol) => [protocol, [] as number[]]));
    for (let round = 0; round < 30; round += 1) {
      const { ms } = await sayAndSee(gateway, five, { text: `timing ${round}` });
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
    console.log(`POST /admin/messages → delivery, one process, 30 rounds (ms): ${JSON.stringify(report)}`);
    for (const protocol of PROTOCOLS) expect(percentile(samples[protocol]!, 95)).toBeLessThan(1_000);
  });
});

describe('GET /admin/connections', () => {
  it('lists every connection with protocol, gateway, address, age and identification, in pages', async () => {
    const unnamed = await tcpRooms(gateway.port('tcp-rooms'));
    await unnamed.expect('Enter your nickname:');
    const all: Array<Record<string, unknown>> = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? '' : `&cursor=${cursor}`;
      const answer = await api(gateway, 'GET', `/admin/connections?limit=2${query}`);
      expect(answer.status).toBe(200);
      const page = connectionPage.parse(answer.body);
      expect(page.connections.length).toBeLessThanOrEqual(2);
      all.push(...page.connections);
      cursor = page.next;
      pages += 1;
    } while (cursor !== null);
    expect(pages).toBe(3);
    const byName = new Map(all.map((entry) => [entry.name, entry]));
    for (const protocol of PROTOCOLS) {
      expect(byName.get(five.names[protocol])).toMatchObject({
        protocol,
        gateway: expect.any(String),
        address: '127.0.0.1',
        identified: true,
      });
    }
    expect(byName.get(null)).toMatchObject({ protocol: 'tcp-rooms', identified: false, kind: null });
    expect(byName.get(five.names['rs-us'])).toMatchObject({ kind: 'registered' });
    expect(byName.get(five.names.soh)).toMatchObject({ kind: 'guest' });
    const since = Date.parse(String(byName.get(null)!.connectedAt));
    expect(Math.abs(Date.now() - since)).toBeLessThan(60_000);
    unnamed.close();
    for (const bad of ['limit=0', 'limit=1001', 'limit=x', 'cursor=bm90LW91cnM', 'other=1']) {
      const answer = await api(gateway, 'GET', `/admin/connections?${bad}`);
      expect([bad, answer.status]).toEqual([bad, 400]);
      expect(String(answer.body.error)).toMatch(/^invalid query: /);
    }
  });
});

describe('the system sender is reserved on every protocol and in the admin API', () => {
  it('json-ws hello, sessions client_id, soh, tcp-rooms, rs-us login and user add all refuse it', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${gateway.port('json-ws')}/`);
    const first = new Promise<string>((resolve) => ws.once('message', (data) => resolve(data.toString())));
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(JSON.stringify({ type: 'hello', data: { user: SYSTEM } }));
    expect(JSON.parse(await first)).toMatchObject({ type: 'error' });
    ws.terminate();

    const refused = await new Promise<number>((resolve) => {
      const attempt = new WebSocket(`ws://127.0.0.1:${gateway.port('sessions')}/?client_id=${SYSTEM}`);
      attempt.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      attempt.once('open', () => resolve(101));
      attempt.on('error', () => {});
    });
    expect(refused).toBe(403);

    const sohClient = await soh(gateway.port('soh'), SYSTEM);
    await sohClient.ended;

    const tcp = await tcpRooms(gateway.port('tcp-rooms'));
    await tcp.expect('Enter your nickname:');
    tcp.line(SYSTEM);
    await tcp.expect('Password:');
    tcp.line('anything');
    await tcp.expect('Wrong password.');
    await tcp.ended;

    const rs = await rsUs(gateway.port('rs-us'));
    expect(await rs.command('login', SYSTEM, 'anything')).toEqual(['login_invalid']);
    rs.close();

    const add = await api(gateway, 'POST', '/admin/accounts', { name: SYSTEM, password: 'pw' });
    expect(add).toEqual({ status: 422, body: { error: `${SYSTEM} is reserved for system messages` } });
    const presence = await api(gateway, 'GET', '/admin/presence');
    expect(presence.body.active).not.toContain(SYSTEM);
  });
});

describe('switchboard say, who and kick (the CLI as a child process)', () => {
  it('say sends to everyone, --to names, --room rooms; bad input exits non-zero with the reason', async () => {
    const everyone = arrivals(five, 'from the cli', false, performance.now());
    const said = await cli(['say', 'from', 'the', 'cli']);
    expect(said).toMatchObject({ code: 0, stdout: `delivered to ${ALL().join(', ')}\n` });
    await everyone;

    const direct = arrivals(five, 'to two', true, performance.now(), ['json-ws', 'soh']);
    const two = await cli([
      'say',
      '--to',
      five.names['json-ws'],
      '--to',
      five.names.soh,
      '--to',
      'ghost',
      'to two',
    ]);
    expect(two).toEqual({
      code: 0,
      stdout: `delivered to ${five.names['json-ws']}, ${five.names.soh}\n`,
      stderr: 'not active (not delivered): ghost\n',
    });
    await direct;

    expect(await cli(['say', '--to', 'ghost', 'hello?'])).toMatchObject({ code: 1 });
    expect(await cli(['say', '--room', 'nowhere', 'hi'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'switchboard say: no such room: nowhere\n',
    });
    expect(await userCli(gateway, ['add', SYSTEM], 'a-password\n')).toEqual({
      code: 1,
      stdout: '',
      stderr: `switchboard user add: ${SYSTEM} is reserved for system messages\n`,
    });
    // With no gateway answering, on the store itself: refused the same way, nothing created.
    const dataDir = tempDir();
    const offline = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        [BIN, 'user', 'add', SYSTEM, '--data-dir', dataDir, '--admin-url', 'http://127.0.0.1:9'],
        { stdio: ['pipe', 'ignore', 'pipe'], env: { ...process.env, SWITCHBOARD_REDIS: '' } },
      );
      let stderr = '';
      child.stderr.on('data', (data) => {
        stderr += data;
      });
      child.stdin.end('a-password\n');
      child.on('exit', (code) => resolve({ code, stderr }));
    });
    expect(offline).toEqual({
      code: 1,
      stderr: `switchboard user add: ${SYSTEM} is reserved for system messages\n`,
    });
  });

  it('who prints one line per connection', async () => {
    const who = await cli(['who']);
    expect(who.code).toBe(0);
    const lines = who.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME +PROTOCOL +ADDRESS +SINCE +GATEWAY$/);
    for (const protocol of PROTOCOLS)
      expect(lines).toContainEqual(
        expect.stringMatching(new RegExp(`^${five.names[protocol]} +${protocol} +127\\.0\\.0\\.1 +\\d{4}-`)),
      );
  });

  it('kick closes every protocol in its own way; a second kick finds nobody', async () => {
    for (const protocol of PROTOCOLS) {
      const kicked = await cli(['kick', five.names[protocol]]);
      expect(kicked).toEqual({
        code: 0,
        stdout: `disconnected ${five.names[protocol]} (1 connection)\n`,
        stderr: '',
      });
    }
    await expectDisconnectedByAdmin(five);
    await eventually(async () =>
      expect((await api(gateway, 'GET', '/admin/presence')).body.active).toEqual([]),
    );
    // The kicked sessions client is gone from /sessions too, and may come back (a kick, not a ban).
    await eventually(async () => expect(await sessionsList(gateway.port('sessions'))).toEqual([]));
    const back = await sessionsWs(gateway.port('sessions'), five.names.sessions);
    expect(await sessionsList(gateway.port('sessions'))).toEqual([[five.names.sessions, back.sessionId]]);
    back.close();
    expect(await cli(['kick', five.names['json-ws']])).toEqual({
      code: 1,
      stdout: '',
      stderr: `switchboard kick: not connected: ${five.names['json-ws']}\n`,
    });
    // A name of exactly the limit (256 bytes, 768 characters percent-encoded) is a name.
    const longest = await api(
      gateway,
      'POST',
      `/admin/users/${encodeURIComponent('é'.repeat(128))}/disconnect`,
    );
    expect(longest).toEqual({ status: 404, body: { error: `not connected: ${'é'.repeat(128)}` } });
    const answer = await api(gateway, 'POST', `/admin/users/${'n'.repeat(257)}/disconnect`);
    expect(answer).toEqual({ status: 400, body: { error: 'invalid path: name: invalid name (too-long)' } });
    expect(disconnected.safeParse(answer.body).success).toBe(false);
    expectAllRunning([gateway]);
  });
});

describe('the CLI and a gateway with an admin token', () => {
  it('without the token is refused and says so; with it (flag or environment) works', async () => {
    const token = 'a-token-of-sixteen-or-more';
    const guarded = await startGateway('guarded', [
      '--data-dir',
      tempDir(),
      ...ONLY_FIVE,
      '--admin-token',
      token,
    ]);
    const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [BIN, ...args, '--admin-url', adminUrl(guarded)], {
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, SWITCHBOARD_ADMIN_TOKEN: '', ...env },
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
    expect(await run(['who'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'the admin API refused the request (set --admin-token)\n',
    });
    expect(await run(['say', 'hi'])).toMatchObject({ code: 1 });
    expect(await run(['who', '--admin-token', token])).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^NAME /),
    });
    expect(await run(['say', 'hi'], { SWITCHBOARD_ADMIN_TOKEN: token })).toEqual({
      code: 0,
      stdout: 'delivered to nobody: no recipient is active\n',
      stderr: '',
    });
    expect(await run(['kick', 'nobody', '--admin-token', token])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'switchboard kick: not connected: nobody\n',
    });
  });
});

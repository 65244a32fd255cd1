import { Name, silentLogger } from '@switchboard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { type RunningGateway, startGateway } from '../src/gateway.ts';
import {
  type ChatClient,
  jsonWsClient,
  type LineClient,
  type Ports,
  rsUsClient,
  sessionsClient,
  sohClient,
  tcpRoomsClient,
} from '../src/scripted-clients.ts';
import { tempDir } from './gateway-process.ts';

/**
 * Every protocol to every protocol over real sockets: direct messages and main-chat broadcasts,
 * each checked in the recipient's own rendering, with non-ASCII names and texts.
 */
const PROTOCOLS = ['json-ws', 'tcp-rooms', 'soh', 'rs-us', 'sessions'] as const;
type Protocol = (typeof PROTOCOLS)[number];

/** Names with non-ASCII UTF-8 on every protocol. */
const NAMES: Record<Protocol, string> = {
  'json-ws': 'jösé',
  'tcp-rooms': 'tçp-ñick',
  soh: 'søh-Юзер',
  'rs-us': 'rš-用户',
  sessions: 'séss-🎧',
};

let gateway: RunningGateway;
let ports: Ports;
const clients = {} as Record<Protocol, ChatClient>;

async function connect(protocol: Protocol, name: string): Promise<ChatClient> {
  switch (protocol) {
    case 'json-ws':
      return jsonWsClient(ports['json-ws'], name);
    case 'tcp-rooms':
      return tcpRoomsClient(ports['tcp-rooms'], name);
    case 'soh':
      return sohClient(ports.soh, name);
    case 'rs-us':
      await gateway.hub.addAccount(Name.fromText(name), `pw-${name}`);
      return rsUsClient(ports['rs-us'], name, `pw-${name}`);
    case 'sessions':
      return sessionsClient(ports.sessions, name);
  }
}

/** Each protocol shows time at its own precision; all must agree with the send time. */
function expectTimely(protocol: Protocol, time: number | null, sentAt: number) {
  if (protocol === 'soh') return expect(time).toBeNull();
  if (protocol === 'tcp-rooms') {
    const minute = 60_000;
    return expect(Math.floor(time! / minute)).toBeGreaterThanOrEqual(Math.floor(sentAt / minute) - 1);
  }
  const precision = protocol === 'rs-us' ? 0 : 1_000;
  expect(time!).toBeGreaterThanOrEqual(Math.floor(sentAt / 1000) * 1000 - precision);
  expect(time!).toBeLessThanOrEqual(sentAt + 1_000);
}

beforeAll(async () => {
  const config = loadConfig({
    env: {},
    flags: {
      host: '127.0.0.1',
      dataDir: tempDir(),
      scryptCost: 1024,
      admin: { port: 0 },
      adapters: Object.fromEntries(PROTOCOLS.map((p) => [p, { port: 0 }])),
    },
  });
  gateway = await startGateway(config, silentLogger);
  ports = gateway.ports as unknown as Ports;
  for (const protocol of PROTOCOLS) clients[protocol] = await connect(protocol, NAMES[protocol]);
});

afterAll(async () => {
  for (const client of Object.values(clients)) client?.close();
  await gateway?.stop();
});

describe('interop matrix: direct messages', () => {
  for (const from of PROTOCOLS) {
    for (const to of PROTOCOLS) {
      if (from === to) continue;
      it(`${from} → ${to}`, async () => {
        const text = `direct ${from}→${to}: héllo ✓ Привет 🎉`;
        const sentAt = Date.now();
        await clients[from].sendDirect(NAMES[to], text);
        const got = await clients[to].next();
        expect(got.sender).toBe(NAMES[from]);
        expect(got.text).toBe(text);
        if (to === 'tcp-rooms') expect(got.direct).toBe(true);
        expectTimely(to, got.time, sentAt);
      });
    }
  }
});

describe('interop matrix: main-chat broadcasts', () => {
  for (const from of PROTOCOLS) {
    if (from === 'soh') continue; // SOH has no broadcast
    it(`${from} → everyone else`, async () => {
      const text = `broadcast from ${from} ✓ ünïcödé 🎉`;
      const sentAt = Date.now();
      await clients[from].broadcast!(text);
      for (const to of PROTOCOLS) {
        if (to === from) continue;
        const got = await clients[to].next();
        expect(got.sender, `${to} sees the sender`).toBe(NAMES[from]);
        expect(got.text, `${to} sees the text`).toBe(text);
        if (to === 'tcp-rooms') expect(got.direct).toBe(false);
        expectTimely(to, got.time, sentAt);
      }
      await clients[from].expectNothing(150);
    });
  }
});

describe('interop: no protocol can break another protocol framing', () => {
  const hostile = 'a\nforged (00:00): line\r\x01b\u001ec\u001fd\u2028e';

  it('json-ws text with every delimiter reaches each protocol in one piece', async () => {
    for (const to of ['soh', 'rs-us', 'tcp-rooms', 'sessions'] as const) {
      await clients['json-ws'].sendDirect(NAMES[to], hostile);
      const got = await clients[to].next();
      expect(got.sender).toBe(NAMES['json-ws']);
      if (to === 'soh') expect(got.text).toBe(hostile.replace(/\x01/g, ''));
      if (to === 'rs-us') expect(got.text).toBe(hostile.replace(/[\u001e\u001f]/g, ''));
      if (to === 'sessions') expect(got.text).toBe(hostile);
      if (to === 'tcp-rooms') {
        // One line, escaped: nothing the reader sees can pass for a line the server wrote.
        expect(got.raw).not.toMatch(/[\u0000-\u001f\u007f\u2028]/);
        expect(got.raw.startsWith(`${NAMES['json-ws']} (`)).toBe(true);
      }
    }
    await clients['tcp-rooms'].expectNothing(200);
  });

  it('a SOH text with NUL and invalid UTF-8 reaches text protocols with U+FFFD in place', async () => {
    await clients.soh.sendDirect(NAMES['json-ws'], 'nul\u0000 ok');
    expect((await clients['json-ws'].next()).text).toBe('nul\u0000 ok');
  });
});

describe('interop: private rooms isolate across protocols', () => {
  it('a tcp-rooms user in a private room gets no main-chat broadcast from any protocol', async () => {
    const roomUser = (await tcpRoomsClient(ports['tcp-rooms'], 'röom-user')) as LineClient;
    await roomUser.line('/create sëcret');
    expect(await roomUser.nextLine()).toMatch(/^Room sëcret created\. Password: \S+$/);
    for (const from of ['json-ws', 'rs-us', 'sessions', 'tcp-rooms'] as const) {
      await clients[from].broadcast!(`main chat only, from ${from}`);
    }
    await roomUser.expectNothing(400);
    // ...while direct messages still reach it.
    await clients['json-ws'].sendDirect('röom-user', 'psst');
    expect((await roomUser.next()).text).toBe('psst');
    roomUser.close();
    // Drain what the main-chat members received.
    for (const to of PROTOCOLS) {
      while (true) {
        try {
          await clients[to].next(300);
        } catch {
          break;
        }
      }
    }
  });
});

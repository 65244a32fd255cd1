import { LineClient } from '@switchboard/adapter-tcp-rooms/testing';
import { Name, silentLogger } from '@switchboard/core';
import type { ContractClient, ContractDelivery } from '@switchboard/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { type RunningGateway, startGateway } from '../src/gateway.ts';
import { tempDir } from './gateway-process.ts';
import { type DrivenAdapter, registryDrivers } from './registry-drivers.ts';

/**
 * Every protocol to every protocol over real sockets: direct messages and main-chat broadcasts,
 * each checked in the recipient's own rendering, with non-ASCII names and texts. The protocols
 * are the registry's, each driven by the driver its package exports: a new adapter joins the
 * N×N matrix by exporting one.
 */
const driven = await registryDrivers();
const PROTOCOLS = driven.map(({ definition }) => definition.name);
const byName = new Map<string, DrivenAdapter>(driven.map((entry) => [entry.definition.name, entry]));

/** Names with non-ASCII UTF-8 on every protocol. */
const NAMES: Record<string, string> = Object.fromEntries(
  driven.map(({ definition, driver }) => [definition.name, driver.sampleName ?? `${definition.name}-ñ✓`]),
);

let gateway: RunningGateway;
const clients: Record<string, ContractClient> = {};

/** Each protocol shows time at its own precision; all must agree with the send time. */
function expectTimely(protocol: string, got: ContractDelivery, sentAt: number) {
  const precision = byName.get(protocol)!.driver.timePrecisionMs;
  if (precision === undefined) return; // the driver does not read times
  if (precision === null) return expect(got.time, `${protocol} shows no time`).toBeUndefined();
  const time = got.time!;
  if (precision >= 60_000) {
    return expect(Math.floor(time / precision)).toBeGreaterThanOrEqual(Math.floor(sentAt / precision) - 1);
  }
  const slack = precision >= 1_000 ? 1_000 : 0;
  expect(time).toBeGreaterThanOrEqual(Math.floor(sentAt / 1000) * 1000 - slack);
  expect(time).toBeLessThanOrEqual(sentAt + 1_000);
}

const connect = (protocol: string, name: string) =>
  byName.get(protocol)!.driver.connect({ hub: gateway.hub, port: gateway.ports[protocol]! }, name);

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
  for (const protocol of PROTOCOLS) clients[protocol] = await connect(protocol, NAMES[protocol]!);
});

afterAll(async () => {
  for (const client of Object.values(clients)) client.destroy();
  await gateway?.stop();
});

/** Reads what is waiting, for tests that leave deliveries behind. */
async function drain(client: ContractClient): Promise<void> {
  for (;;) {
    try {
      await client.next(300);
    } catch {
      return;
    }
  }
}

describe('interop matrix: direct messages', () => {
  for (const from of PROTOCOLS) {
    for (const to of PROTOCOLS) {
      if (from === to) continue;
      it(`${from} → ${to}`, async () => {
        const text = `direct ${from}→${to}: héllo ✓ Привет 🎉`;
        const sentAt = Date.now();
        clients[from]!.sendDirect(NAMES[to]!, text);
        const got = await clients[to]!.next(3_000);
        expect(got.sender).toBe(NAMES[from]);
        expect(got.text).toBe(text);
        if (got.direct !== undefined) expect(got.direct).toBe(true);
        expectTimely(to, got, sentAt);
      });
    }
  }
});

describe('interop matrix: main-chat broadcasts', () => {
  for (const from of PROTOCOLS) {
    if (!byName.get(from)!.driver.canBroadcast) continue; // SOH has no broadcast
    it(`${from} → everyone else`, async () => {
      const text = `broadcast from ${from} ✓ ünïcödé 🎉`;
      const sentAt = Date.now();
      clients[from]!.broadcast!(text);
      for (const to of PROTOCOLS) {
        if (to === from) continue;
        const got = await clients[to]!.next(3_000);
        expect(got.sender, `${to} sees the sender`).toBe(NAMES[from]);
        expect(got.text, `${to} sees the text`).toBe(text);
        if (got.direct !== undefined) expect(got.direct, `${to} sees a broadcast`).toBe(false);
        expectTimely(to, got, sentAt);
      }
      await clients[from]!.expectNothing(150);
    });
  }
});

describe('interop: no protocol can break another protocol framing', () => {
  const hostile = 'a\nforged (00:00): line\r\x01b\u001ec\u001fd\u2028e';
  /** What each built-in protocol makes of the hostile text; others: kept on one line. */
  const rendered: Record<string, (got: ContractDelivery) => void> = {
    soh: (got) => expect(got.text).toBe(hostile.replace(/\x01/g, '')),
    'rs-us': (got) => expect(got.text).toBe(hostile.replace(/[\u001e\u001f]/g, '')),
    sessions: (got) => expect(got.text).toBe(hostile),
    'tcp-rooms': (got) => {
      // One line, escaped: nothing the reader sees can pass for a line the server wrote.
      expect(got.raw).not.toMatch(/[\u0000-\u001f\u007f\u2028]/);
      expect(got.raw!.startsWith(`${NAMES['json-ws']} (`)).toBe(true);
    },
  };

  it('json-ws text with every delimiter reaches each protocol in one piece', async () => {
    for (const to of PROTOCOLS) {
      if (to === 'json-ws') continue;
      clients['json-ws']!.sendDirect(NAMES[to]!, hostile);
      const got = await clients[to]!.next(3_000);
      expect(got.sender).toBe(NAMES['json-ws']);
      const check =
        rendered[to] ??
        ((delivery: ContractDelivery) => {
          expect(delivery.text).toContain('forged (00:00): line');
          expect(delivery.text).not.toMatch(/[\r\n\u0000]/);
        });
      check(got);
      await clients[to]!.expectNothing(100);
    }
  });

  it('a SOH text with NUL and invalid UTF-8 reaches text protocols with U+FFFD in place', async () => {
    clients.soh!.sendDirect(NAMES['json-ws']!, 'nul\u0000 ok');
    expect((await clients['json-ws']!.next(3_000)).text).toBe('nul\u0000 ok');
  });
});

describe('interop: private rooms isolate across protocols', () => {
  it('a tcp-rooms user in a private room gets no main-chat broadcast from any protocol', async () => {
    await gateway.hub.addAccount(Name.fromText('röom-user'), 'pw-röom');
    const roomUser = await LineClient.open(gateway.ports['tcp-rooms']!);
    expect(await roomUser.nextLine()).toBe('Enter your nickname:');
    roomUser.send('röom-user');
    expect(await roomUser.nextLine()).toBe('Password:');
    roomUser.send('pw-röom');
    expect(await roomUser.nextLine()).toBe('Welcome back, röom-user!');
    roomUser.send('/create sëcret');
    expect(await roomUser.nextLine()).toMatch(/^Room sëcret created\. Password: \S+$/);
    const broadcasters = PROTOCOLS.filter((from) => byName.get(from)!.driver.canBroadcast);
    for (const from of broadcasters) clients[from]!.broadcast!(`main chat only, from ${from}`);
    // ...while a direct message still reaches it: the first line it gets after the broadcasts.
    await new Promise((resolve) => setTimeout(resolve, 400));
    clients['json-ws']!.sendDirect('röom-user', 'psst');
    const line = await roomUser.nextLine();
    expect(line.startsWith(`${NAMES['json-ws']} (`), line).toBe(true);
    expect(line).toMatch(/ \(\d\d:\d\d\) \[private\]: psst$/);
    await roomUser.end();
    for (const to of PROTOCOLS) await drain(clients[to]!);
  });
});

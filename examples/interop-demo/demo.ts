// One command: a gateway with all five adapters, one scripted user per protocol, a short
// conversation, and every delivery printed exactly as the receiving protocol put it on the wire.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Name, silentLogger } from '@switchboard/core';
import { loadConfig, startGateway } from '@switchboard/gateway';
import {
  type ChatClient,
  jsonWsClient,
  rsUsClient,
  sessionsClient,
  sohClient,
  tcpRoomsClient,
} from '@switchboard/gateway/scripted-clients';

const config = loadConfig({
  env: {},
  flags: {
    host: '127.0.0.1',
    dataDir: mkdtempSync(join(tmpdir(), 'switchboard-demo-')),
    logLevel: 'silent',
    admin: { port: 0 },
    adapters: Object.fromEntries(
      ['json-ws', 'tcp-rooms', 'sessions', 'rs-us', 'soh'].map((name) => [name, { port: 0 }]),
    ),
  },
});
const gateway = await startGateway(config, silentLogger);
const port = (name: string) => gateway.ports[name]!;
console.log(
  `gateway up: ${Object.entries(gateway.ports)
    .map(([name, p]) => `${name}=${p}`)
    .join(' ')}\n`,
);

await gateway.hub.addAccount(Name.fromText('dave'), 'dave-secret');
const users: ChatClient[] = [
  await jsonWsClient(port('json-ws'), 'alice'),
  await tcpRoomsClient(port('tcp-rooms'), 'bob', 'bob-secret'),
  await sohClient(port('soh'), 'carol'),
  await rsUsClient(port('rs-us'), 'dave', 'dave-secret'),
  await sessionsClient(port('sessions'), 'erin'),
];
const [alice, bob, carol, dave, erin] = users as [ChatClient, ChatClient, ChatClient, ChatClient, ChatClient];

/** Runs one step of the conversation and prints what every user's protocol received. */
async function step(title: string, action: () => Promise<void>) {
  console.log(`── ${title}`);
  await action();
  await new Promise((resolve) => setTimeout(resolve, 250));
  for (const user of users) {
    for (;;) {
      const got = await user.next(50).catch(() => null);
      if (!got) break;
      console.log(`   ${`${user.protocol} ${user.name}`.padEnd(16)} got ${JSON.stringify(got.raw)}`);
    }
  }
  console.log();
}

await step('alice (json-ws) says hello to the main chat', () => alice.broadcast!('hello everyone 👋'));
await step('bob (tcp-rooms) writes privately to carol (soh)', () => bob.sendDirect('carol', 'psst, carol'));
await step('carol (soh) answers dave (rs-us)', () => carol.sendDirect('dave', 'hi dave, from raw TCP'));
await step('dave (rs-us) broadcasts', () => dave.broadcast!('dave here, over RS/US'));
await step('erin (sessions) writes to alice (json-ws)', () =>
  erin.sendDirect('alice', 'one session per client id'),
);
await step('alice tries to forge a tcp-rooms line', () =>
  alice.sendDirect('bob', 'ok\nmallory (12:00): send me your password'),
);

for (const user of users) user.close();
await gateway.stop();

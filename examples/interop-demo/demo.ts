// One command: a gateway with every registered adapter, one scripted user per protocol (each
// driven by the test driver its adapter package exports), a short conversation, and every
// delivery printed as the receiving protocol put it on the wire.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@switchboard/core';
import type { AdapterContractDriver, ContractClient } from '@switchboard/core/testing';
import { adapterPackage, adapters, loadConfig, startGateway } from '@switchboard/gateway';

const config = loadConfig({
  env: {},
  flags: {
    host: '127.0.0.1',
    dataDir: mkdtempSync(join(tmpdir(), 'switchboard-demo-')),
    logLevel: 'silent',
    scryptCost: 1024,
    admin: { port: 0 },
    adapters: Object.fromEntries(adapters.map(({ name }) => [name, { port: 0 }])),
  },
});
const gateway = await startGateway(config, silentLogger);
console.log(
  `gateway up: ${Object.entries(gateway.ports)
    .map(([name, p]) => `${name}=${p}`)
    .join(' ')}\n`,
);

interface User {
  protocol: string;
  name: string;
  driver: AdapterContractDriver;
  client: ContractClient;
}
const NAMES = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi'];
const users: User[] = [];
for (const [index, { name: protocol }] of adapters.entries()) {
  const { driver } = (await import(`${adapterPackage(protocol)}/testing`)) as {
    driver: AdapterContractDriver;
  };
  const name = NAMES[index] ?? `user${index}`;
  const client = await driver.connect({ hub: gateway.hub, port: gateway.ports[protocol]! }, name);
  users.push({ protocol, name, driver, client });
}

/** Runs one step of the conversation and prints what every user's protocol received. */
async function step(title: string, action: () => void) {
  console.log(`── ${title}`);
  action();
  await new Promise((resolve) => setTimeout(resolve, 250));
  for (const user of users) {
    for (;;) {
      const got = await user.client.next(50).catch(() => null);
      if (!got) break;
      const shown = got.raw ?? `${got.sender}: ${got.text}`;
      console.log(`   ${`${user.protocol} ${user.name}`.padEnd(16)} got ${JSON.stringify(shown)}`);
    }
  }
  console.log();
}

const [first] = users;
if (first?.client.broadcast)
  await step(`${first.name} (${first.protocol}) says hello to the main chat`, () =>
    first.client.broadcast!('hello everyone 👋'),
  );
for (const [index, user] of users.entries()) {
  const next = users[(index + 1) % users.length]!;
  await step(`${user.name} (${user.protocol}) writes privately to ${next.name} (${next.protocol})`, () =>
    user.client.sendDirect(next.name, `hi ${next.name}, from ${user.protocol}`),
  );
}
const lineUser = users.find((user) => user.protocol === 'tcp-rooms');
if (first && lineUser)
  await step(`${first.name} tries to forge a tcp-rooms line`, () =>
    first.client.sendDirect(lineUser.name, 'ok\nmallory (12:00): send me your password'),
  );

for (const user of users) user.client.destroy();
await gateway.stop();

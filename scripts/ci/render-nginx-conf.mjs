// Turns the shipped deploy/nginx.conf into one that runs on this machine in front of local
// gateways, changing nothing but addresses and paths, so CI tests the file users deploy:
//   `server gatewayN:DEFAULT_PORT;` → `server 127.0.0.1:<gateway N's port for that adapter>;`
//   `listen DEFAULT_PORT;`          → `listen 127.0.0.1:<the balancer's port for that adapter>;`
//   /var/log/nginx/                 → the run's log directory
//   plus temp paths inside the run's directory (Debian's defaults are root's /var/lib/nginx) and,
//   for an nginx whose stream module is a dynamic one (Debian's), its load_module line.
// Every expected line must be there exactly once, or rendering fails: a reshaped shipped file
// must not quietly stop being tested.

import { adapters } from '../../apps/gateway/src/adapters.ts';

/**
 * The adapters' default ports, which the shipped file uses to name each adapter: from the
 * gateway's registry, so a registered adapter the file lacks fails the rendering.
 */
export const DEFAULT_PORTS = Object.fromEntries(
  adapters.map((adapter) => [adapter.defaultPort, adapter.name]),
);

const TEMP_KINDS = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'];

/** The temp-path directives an nginx build knows, from its `nginx -V` output. */
export function tempKindsOf(nginxV) {
  return TEMP_KINDS.filter(
    (kind) => kind === 'client_body' || !nginxV.includes(`--without-http_${kind}_module`),
  );
}

/**
 * @param {string} text the shipped nginx.conf
 * @param {{ gateways: Array<Record<string, number>>, listen: Record<string, number>,
 *           runDir: string, loadModules?: string[], tempKinds?: string[] }} options
 *   gateways[i] are the ports of `gateway${i + 1}` by adapter name; listen, the balancer's ports;
 *   tempKinds, the modules with temp paths this nginx has (see {@link tempKindsOf}).
 */
export function renderNginxConf(
  text,
  { gateways, listen, runDir, loadModules = [], tempKinds = TEMP_KINDS },
) {
  const adapters = Object.values(DEFAULT_PORTS);
  const seenServers = new Set();
  const seenListens = new Set();

  let rendered = text.replace(/^(\s*)server gateway(\d+):(\d+);/gm, (_, indent, index, port) => {
    const adapter = DEFAULT_PORTS[port];
    const gateway = gateways[Number(index) - 1];
    if (!adapter || !gateway)
      throw new Error(`nginx.conf: unexpected upstream server gateway${index}:${port}`);
    const key = `${index}:${adapter}`;
    if (seenServers.has(key)) throw new Error(`nginx.conf: gateway${index}:${port} listed twice`);
    seenServers.add(key);
    return `${indent}server 127.0.0.1:${gateway[adapter]};`;
  });
  rendered = rendered.replace(/^(\s*)listen (\d+);/gm, (_, indent, port) => {
    const adapter = DEFAULT_PORTS[port];
    if (!adapter || seenListens.has(adapter)) throw new Error(`nginx.conf: unexpected listen ${port}`);
    seenListens.add(adapter);
    return `${indent}listen 127.0.0.1:${listen[adapter]};`;
  });

  const missingServers = gateways.flatMap((_, i) =>
    adapters
      .filter((adapter) => !seenServers.has(`${i + 1}:${adapter}`))
      .map((adapter) => `gateway${i + 1}/${adapter}`),
  );
  const missingListens = adapters.filter((adapter) => !seenListens.has(adapter));
  if (missingServers.length > 0 || missingListens.length > 0)
    throw new Error(
      `nginx.conf: no upstream server for ${missingServers.join(', ') || '-'}; no listen for ${missingListens.join(', ') || '-'}`,
    );

  const logDir = `${runDir}/logs/`;
  if (!rendered.includes('/var/log/nginx/')) throw new Error('nginx.conf: no log under /var/log/nginx/');
  rendered = rendered.replaceAll('/var/log/nginx/', logDir);

  const httpOpen = /^http\s*\{\s*$/m;
  if (!httpOpen.test(rendered)) throw new Error('nginx.conf: no `http {` line');
  const tempPaths = tempKinds.map((kind) => `    ${kind}_temp_path ${runDir}/temp/${kind};`).join('\n');
  rendered = rendered.replace(
    httpOpen,
    (line) => `${line}\n    # CI run: temp files in the run's directory\n${tempPaths}\n`,
  );

  const modules = loadModules.map((path) => `load_module ${path};\n`).join('');
  return `# Rendered by scripts/ci/render-nginx-conf.mjs from deploy/nginx.conf for a local run.\n${modules}${rendered}`;
}

#!/usr/bin/env bash
# Proves every published package works on its own: `pnpm pack` each one (its prepack builds
# dist/ and publishConfig points `exports` there), install the tarballs into an empty project
# with plain npm, and run a SOH exchange and a json-ws hello through the installed packages only.
# Then the CLI as a user installs it: the gateway packed too, everything installed globally with
# `npm install -g` into a temporary prefix, and that `switchboard` run (pack-check-cli.mjs).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
node_bin=$(node "$root/scripts/bootstrap.mjs" which-node)
pnpm_entry="$root/.tools/pnpm-10.34.9/node_modules/pnpm/bin/pnpm.cjs"
export PATH="$(dirname "$node_bin"):$PATH"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
started=$(date +%s)

packages=(core adapter-soh adapter-json-ws adapter-tcp-rooms adapter-rs-us adapter-sessions cluster-redis)
# Whatever else the gateway depends on (a newly registered adapter) is packed as well, after these.
for dep in $("$node_bin" -e 'const m = require(process.argv[1]); console.log(Object.keys(m.dependencies).filter((n) => n.startsWith("@switchboard/")).map((n) => n.slice(13)).join(" "))' "$root/apps/gateway/package.json"); do
  [[ " ${packages[*]} " == *" $dep "* ]] || packages+=("$dep")
done
for pkg in "${packages[@]}"; do
  if ! log=$(cd "$root/packages/$pkg" && "$node_bin" "$pnpm_entry" pack --pack-destination "$out" 2>&1); then
    printf 'pack-check: packing %s failed:\n%s\n' "$pkg" "$log" >&2
    exit 1
  fi
done
# The gateway last: its prepack compiles against the packages' dist/ built just now.
if ! log=$(cd "$root/apps/gateway" && "$node_bin" "$pnpm_entry" pack --pack-destination "$out" 2>&1); then
  printf 'pack-check: packing the gateway failed:\n%s\n' "$log" >&2
  exit 1
fi
if tar -tzf "$out"/switchboard-gateway-*.tgz | grep -q '^package/src/'; then
  echo "pack-check: the gateway tarball ships TypeScript sources" >&2
  exit 1
fi
for tarball in "$out"/*.tgz; do
  manifest=$(tar -xzOf "$tarball" package/package.json)
  if grep -q 'workspace:' <<<"$manifest" || grep -q '"./src/' <<<"$manifest"; then
    echo "pack-check: $(basename "$tarball") still points at sources or workspace: ranges" >&2
    exit 1
  fi
  listing=$(tar -tzf "$tarball")
  grep -qx 'package/dist/index.js' <<<"$listing" || { echo "pack-check: $(basename "$tarball") has no dist/index.js" >&2; exit 1; }
done

mkdir "$out/app"
cd "$out/app"
echo '{ "name": "pack-check", "private": true, "type": "module" }' > package.json
npm install --no-audit --no-fund --loglevel=error $(ls "$out"/*.tgz | grep -v switchboard-gateway-) >/dev/null
cat > check.js <<'JS'
import { connect } from 'node:net';
import { Hub, MemoryAccountStore, MemoryRoomStore, silentLogger } from '@switchboard/core';
import { sohAdapter } from '@switchboard/adapter-soh';
import { jsonWsAdapter } from '@switchboard/adapter-json-ws';
import { tcpRoomsAdapter } from '@switchboard/adapter-tcp-rooms';
import { rsUsAdapter } from '@switchboard/adapter-rs-us';
import { sessionsAdapter } from '@switchboard/adapter-sessions';
import { createRedisCluster } from '@switchboard/cluster-redis';

if (typeof createRedisCluster !== 'function') throw new Error('cluster-redis export missing');
for (const adapter of [jsonWsAdapter, tcpRoomsAdapter, rsUsAdapter, sessionsAdapter]) {
  if (typeof adapter.start !== 'function') throw new Error(`${adapter.name}: no start()`);
}
const hub = new Hub({ accounts: new MemoryAccountStore(), rooms: new MemoryRoomStore() });
const soh = await sohAdapter.start({ hub, logger: silentLogger, host: '127.0.0.1', port: 0, options: sohAdapter.optionsSchema.parse({}) });
const open = () => new Promise((resolve) => { const s = connect(soh.port, '127.0.0.1', () => resolve(s)); });
const bob = await open();
const alice = await open();
bob.write('bob\x01');
await new Promise((r) => setTimeout(r, 100));
const got = new Promise((resolve) => bob.once('data', (d) => resolve(d.toString('latin1'))));
alice.write('alice\x01bob\x01hi\x01');
const frame = await got;
if (frame !== 'alice\x01hi\x01') throw new Error(`unexpected ${JSON.stringify(frame)}`);
alice.destroy(); bob.destroy();
await soh.close();
hub.close();
console.log('packages work from their tarballs');
JS
"$node_bin" check.js

# The CLI from a global install: its own directory, no workspace and no sources in reach.
cd "$out"
npm install -g --prefix "$out/global" --no-audit --no-fund --loglevel=error "$out"/*.tgz >/dev/null
"$node_bin" "$root/scripts/ci/pack-check-cli.mjs" "$out/global"
echo "pack-check: ${#packages[@]} packages and the gateway packed, installed with npm (a project and -g) and run in $(( $(date +%s) - started ))s"

#!/usr/bin/env bash
# CI: deploy/nginx.conf for real, without Docker. Installs nginx (with its stream module) and
# redis-server from Debian when missing, then cluster-lb-check.mjs starts a private Redis, three
# gateways joined through it and nginx with the shipped configuration in front, and runs seed
# 002's scenario and cross-process messages through nginx, then the per-client login lockout
# (PROXY protocol from nginx, clients on 127.0.0.2 and 127.0.0.3). One summary line; non-zero on
# failure.
set -euo pipefail
cd "$(dirname "$0")/../.."

sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
nginx_bin=$(command -v nginx || true)
[ -n "$nginx_bin" ] || [ ! -x /usr/sbin/nginx ] || nginx_bin=/usr/sbin/nginx   # not on a user's PATH
packages=()
if [ -z "$nginx_bin" ]; then
  packages+=(nginx libnginx-mod-stream)
elif "$nginx_bin" -V 2>&1 | grep -q -- '--with-stream=dynamic' && ! [ -e /usr/lib/nginx/modules/ngx_stream_module.so ]; then
  packages+=(libnginx-mod-stream)
fi
command -v redis-server >/dev/null 2>&1 || packages+=(redis-server)
if ((${#packages[@]})); then
  echo "cluster-lb-check: installing ${packages[*]} from Debian" >&2
  $sudo_cmd apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${packages[@]}" >&2
  [ -n "$nginx_bin" ] || nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
fi

# which-node prints the path last (a stale install may print before it).
node_bin=$(node scripts/bootstrap.mjs which-node 2>/dev/null | tail -n 1)
NGINX_BIN="$nginx_bin" exec "$node_bin" scripts/ci/cluster-lb-check.mjs "$@"

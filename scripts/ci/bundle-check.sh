#!/usr/bin/env bash
# CI: builds the Docker image's bundle without Docker (the Dockerfile's pnpm steps replayed on a
# copy of the build context) and starts the gateway from it: production dependencies only, ready
# line, the image's HEALTHCHECK, SIGTERM → exit 0. One summary line; non-zero exit on failure.
# The work is in bundle-check.mjs; this finds the supported Node the way .ci/run does.
set -euo pipefail
cd "$(dirname "$0")/../.."
# which-node prints the path last (a stale install may print before it).
node_bin=$(node scripts/bootstrap.mjs which-node 2>/dev/null | tail -n 1)
exec "$node_bin" scripts/ci/bundle-check.mjs "$@"

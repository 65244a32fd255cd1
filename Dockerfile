# syntax=docker/dockerfile:1
# switchboard gateway image: Node runs the TypeScript sources directly (type stripping), so there
# is no compile step; the build stage only installs the gateway's production dependencies.
# scripts/ci/bundle-check.sh replays this file's `RUN pnpm` lines and HEALTHCHECK without Docker:
# keep each of those on one line.

ARG NODE_IMAGE=node:24-slim

FROM ${NODE_IMAGE} AS build
# Same pnpm as packageManager in package.json (bundle-check.sh fails when they differ).
ARG PNPM_VERSION=10.34.9
RUN npm install --global --no-audit --no-fund pnpm@${PNPM_VERSION}
# The pnpm store lives in a BuildKit cache mount, so it persists between builds but is not part of
# the image; packages are therefore copied (not hard-linked) into node_modules.
ENV npm_config_store_dir=/pnpm/store
WORKDIR /app
COPY . .
# Only the gateway and the workspace packages it imports; --prod leaves out vitest, typescript,
# biome and the bench's load tools.
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store pnpm install --prod --frozen-lockfile --filter @switchboard/gateway... --config.package-import-method=copy

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    SWITCHBOARD_DATA_DIR=/data
WORKDIR /app
# Code and dependencies stay owned by root: the gateway's user can read them, not change them.
COPY --from=build /app /app
# The embedded SQLite store (accounts, rooms) when no --redis is given.
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node

# json-ws, tcp-rooms, sessions, rs-us, soh, irc, admin. The admin server stays on 127.0.0.1 inside
# the container (the HEALTHCHECK below runs in here); publish 8081 only after setting
# --admin-host 0.0.0.0 together with --admin-token. To move the admin port, set
# SWITCHBOARD_ADMIN_PORT (not --admin-port): the HEALTHCHECK reads it.
EXPOSE 8080 7070 8880 7171 7878 6667 8081

HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.SWITCHBOARD_ADMIN_PORT || 8081}/healthz`, { signal: AbortSignal.timeout(2000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# node is PID 1 and the gateway handles SIGTERM itself (graceful stop, exit 0 within 5 s).
ENTRYPOINT ["node", "apps/gateway/bin/switchboard.js"]
CMD ["serve", "--data-dir", "/data"]

import { timingSafeEqual } from 'node:crypto';
import { type Hub, type Logger, silentLogger } from '@switchboard/core';
import Fastify, { type FastifyError, type FastifyInstance, type RouteOptions } from 'fastify';
import { accountRoutes } from './admin/account-routes.ts';
import { type AdminRoute, defineRoute, registerRoute } from './admin/admin-route.ts';
import { health } from './admin/admin-schemas.ts';
import { openApiDocument } from './admin/openapi.ts';
import { serverApiRoutes } from './admin/server-api.ts';
import type { GatewayMetrics } from './metrics.ts';

export interface AdminOptions {
  hub: Hub;
  metrics: GatewayMetrics;
  token: string | undefined;
  /** True once every adapter listens and the store answers. */
  ready: () => Promise<boolean>;
  /** Where failures of the admin server itself are logged (a 500 is a bug, and says so here). */
  logger?: Logger;
  /** Told of every route fastify registers (tests check the OpenAPI document lists them all). */
  onRoute?: (route: RouteOptions) => void;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
const API_VERSION = '1.0.0';

function tokenMatches(header: string | undefined, token: string): boolean {
  const expected = Buffer.from(`Bearer ${token}`);
  const actual = Buffer.from(header ?? '');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

function healthRoutes(options: AdminOptions): AdminRoute[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/healthz',
      summary: 'Liveness: the process answers',
      protected: false,
      responses: { 200: { description: 'Alive', schema: health } },
      handle: async () => ({ status: 200, body: { status: 'ok' } }),
    }),
    defineRoute({
      method: 'GET',
      url: '/readyz',
      summary: 'Readiness: every adapter listens and the store answers',
      protected: false,
      responses: {
        200: { description: 'Ready', schema: health },
        503: { description: 'Not ready yet, or the store is unreachable', schema: health },
      },
      async handle() {
        const ready = await options.ready();
        return { status: ready ? 200 : 503, body: { status: ready ? 'ready' : 'not ready' } };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/metrics',
      summary: 'Prometheus metrics',
      protected: false,
      responses: { 200: { description: 'Prometheus text format', contentType: options.metrics.contentType } },
      handle: async () => ({ status: 200, body: options.metrics.render() }),
    }),
  ];
}

/** Every route of the admin server, its OpenAPI document included (built from all of them). */
export function adminRoutes(options: AdminOptions): AdminRoute[] {
  const openApi: AdminRoute = defineRoute({
    method: 'GET',
    url: '/admin/openapi.json',
    summary: 'This document',
    protected: true,
    responses: { 200: { description: 'The OpenAPI 3.1 document of the admin server' } },
    handle: async () => ({ status: 200, body: document }),
  });
  const routes = [
    ...healthRoutes(options),
    ...accountRoutes(options.hub),
    ...serverApiRoutes(options.hub),
    openApi,
  ];
  const document = openApiDocument(routes, API_VERSION);
  return routes;
}

/**
 * The admin server: health, readiness, Prometheus metrics, the admin API (accounts, sessions,
 * rooms, presence) and the server API (system messages, disconnects, connections), described by
 * an OpenAPI document built from the same schemas that check every request. `/admin/*` needs the
 * bearer token when one is set; without one it answers only loopback clients. Request bodies
 * (passwords) are never logged: fastify's logger is off.
 */
export function createAdminServer(options: AdminOptions): FastifyInstance {
  const { token } = options;
  const logger = options.logger ?? silentLogger;
  // A name in a path is up to 256 bytes, percent-encoded up to 3 characters each.
  const app = Fastify({ logger: false, bodyLimit: 16 * 1024, routerOptions: { maxParamLength: 1024 } });
  if (options.onRoute) app.addHook('onRoute', options.onRoute);

  // Refusals keep the API's `{"error": ...}` shape; only a bug is a 500, and it is logged.
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) logger.error({ err: error, url: request.url }, 'admin request failed');
    return reply.code(status).send({ error: status === 500 ? 'internal error' : error.message });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: `no route ${request.method} ${request.url.split('?')[0]}` }),
  );

  const routes = adminRoutes(options);
  const open = routes.filter((route) => !route.protected);
  const guarded = routes.filter((route) => route.protected);

  for (const route of open) registerRoute(app, route);
  app.register(async (api) => {
    api.addHook('onRequest', async (request, reply) => {
      const allowed = token ? tokenMatches(request.headers.authorization, token) : LOOPBACK.has(request.ip);
      if (!allowed) return reply.code(401).send({ error: 'unauthorized' });
    });
    for (const route of guarded) registerRoute(api, route);
  });
  return app;
}

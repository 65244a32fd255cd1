import { timingSafeEqual } from 'node:crypto';
import { checkTextName, type Hub, Name } from '@switchboard/core';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { GatewayMetrics } from './metrics.ts';

export interface AdminOptions {
  hub: Hub;
  metrics: GatewayMetrics;
  token: string | undefined;
  /** True once every adapter listens and the store answers. */
  ready: () => Promise<boolean>;
}

const credentials = z.strictObject({ name: z.string(), password: z.string().min(1).max(1024) });
const newPassword = z.strictObject({ password: z.string().min(1).max(1024) });

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

function tokenMatches(header: string | undefined, token: string): boolean {
  const expected = Buffer.from(`Bearer ${token}`);
  const actual = Buffer.from(header ?? '');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * The admin server: health, readiness, Prometheus metrics and the admin API (accounts, sessions,
 * rooms, presence). The API needs the bearer token when one is set; without one it answers only
 * loopback clients. Request bodies (passwords) are never logged: fastify's logger is off.
 */
export function createAdminServer(options: AdminOptions): FastifyInstance {
  const { hub, metrics, token } = options;
  const app = Fastify({ logger: false, bodyLimit: 16 * 1024 });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const ready = await options.ready();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready' });
  });
  app.get('/metrics', async (_request, reply) => reply.type(metrics.contentType).send(metrics.render()));

  app.register(
    async (api) => {
      api.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
        const allowed = token ? tokenMatches(request.headers.authorization, token) : LOOPBACK.has(request.ip);
        if (!allowed) return reply.code(401).send({ error: 'unauthorized' });
      });

      const nameFrom = (raw: string, reply: FastifyReply): Name | null => {
        const problem = checkTextName(raw);
        if (problem) {
          reply.code(400).send({ error: `invalid name: ${problem}` });
          return null;
        }
        return Name.fromText(raw);
      };

      api.get('/accounts', async () => ({
        accounts: (await hub.accounts.list()).map((key) => Name.fromKey(key).text),
      }));
      api.post('/accounts', async (request, reply) => {
        const body = credentials.safeParse(request.body);
        if (!body.success)
          return reply.code(400).send({ error: 'expected {"name": string, "password": string}' });
        const name = nameFrom(body.data.name, reply);
        if (!name) return reply;
        const created = await hub.addAccount(name, body.data.password);
        return reply
          .code(created ? 201 : 409)
          .send(created ? { name: name.text } : { error: 'account exists' });
      });
      api.put<{ Params: { name: string } }>('/accounts/:name/password', async (request, reply) => {
        const body = newPassword.safeParse(request.body);
        if (!body.success) return reply.code(400).send({ error: 'expected {"password": string}' });
        const name = nameFrom(request.params.name, reply);
        if (!name) return reply;
        const changed = await hub.changePassword(name, body.data.password);
        return reply.code(changed ? 204 : 404).send(changed ? undefined : { error: 'no such account' });
      });
      api.delete<{ Params: { name: string } }>('/accounts/:name', async (request, reply) => {
        const name = nameFrom(request.params.name, reply);
        if (!name) return reply;
        const deleted = await hub.deleteAccount(name);
        return reply.code(deleted ? 204 : 404).send(deleted ? undefined : { error: 'no such account' });
      });
      api.get('/sessions', async () => ({
        sessions: (await hub.sessions.list()).map(([clientId, sessionId]) => ({ clientId, sessionId })),
      }));
      api.get('/rooms', async () => ({ rooms: await hub.rooms.list() }));
      api.get('/presence', async () => ({ active: (await hub.activeNames()).map((name) => name.text) }));
    },
    { prefix: '/admin' },
  );
  return app;
}

/**
 * The admin server's OpenAPI document: a well-formed OpenAPI 3.1 document whose every `$ref`
 * resolves and whose operations are exactly the routes fastify serves (enumerated with the
 * `onRoute` hook, so a route added without documentation fails here).
 */
import { Name } from '@switchboard/core';
import { createTestHub } from '@switchboard/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type AdminOptions, adminRoutes, createAdminServer } from '../src/admin-http.ts';
import { GatewayMetrics } from '../src/metrics.ts';

const hubs: ReturnType<typeof createTestHub>[] = [];
afterEach(() => {
  for (const hub of hubs.splice(0)) hub.close();
});

function admin(token?: string) {
  const hub = createTestHub();
  hubs.push(hub);
  const routes: Array<{ method: string; url: string }> = [];
  const app = createAdminServer({
    hub,
    metrics: new GatewayMetrics(hub, ['soh'], () => 0),
    token,
    ready: async () => true,
    onRoute: (route) => {
      for (const method of [route.method].flat()) routes.push({ method, url: route.url ?? '' });
    },
  });
  return { app, routes };
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** The parts of OpenAPI 3.1 this document uses, checked strictly where the spec is strict. */
const response = z.object({
  description: z.string().min(1),
  content: z.record(z.string(), z.object({ schema: z.record(z.string(), z.unknown()) })).optional(),
});
const parameter = z.object({
  name: z.string().min(1),
  in: z.enum(['path', 'query', 'header', 'cookie']),
  required: z.boolean(),
  schema: z.record(z.string(), z.unknown()),
});
const operation = z.object({
  operationId: z.string().regex(/^[A-Za-z0-9]+$/),
  summary: z.string().min(1),
  parameters: z.array(parameter).optional(),
  requestBody: z
    .object({ required: z.boolean(), content: z.record(z.string(), z.object({ schema: z.unknown() })) })
    .optional(),
  responses: z.record(z.string().regex(/^[1-5]\d\d$/), response).refine((r) => Object.keys(r).length > 0),
  security: z.array(z.record(z.string(), z.array(z.string()))),
});
const document = z.object({
  openapi: z.string().regex(/^3\.1\.\d+$/),
  info: z.object({
    title: z.string().min(1),
    version: z.string().min(1),
    description: z.string().optional(),
  }),
  jsonSchemaDialect: z.literal('https://json-schema.org/draft/2020-12/schema'),
  paths: z.record(z.string().startsWith('/'), z.partialRecord(z.enum(METHODS), operation)),
  components: z.object({
    schemas: z.record(z.string().regex(/^[A-Za-z0-9._-]+$/), z.record(z.string(), z.unknown())),
    securitySchemes: z.record(z.string(), z.object({ type: z.literal('http'), scheme: z.literal('bearer') })),
  }),
});

/** Every `$ref` anywhere in `value`. */
function refsIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) refsIn(item, found);
  else if (value && typeof value === 'object')
    for (const [key, item] of Object.entries(value)) {
      if (key === '$ref' && typeof item === 'string') found.push(item);
      else refsIn(item, found);
    }
  return found;
}

describe('GET /admin/openapi.json', () => {
  it('is a well-formed OpenAPI 3.1 document: unique operation ids, resolvable refs, declared path parameters', async () => {
    const { app } = admin();
    const answer = await app.inject({ url: '/admin/openapi.json' });
    expect(answer.statusCode).toBe(200);
    const parsed = document.parse(answer.json());
    const operations = Object.entries(parsed.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({ path, method, op: op! })),
    );
    const ids = operations.map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const ref of refsIn(parsed)) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(Object.keys(parsed.components.schemas)).toContain(ref.slice('#/components/schemas/'.length));
    }
    for (const { path, op } of operations) {
      const templated = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      const declared = (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
      expect({ path, declared }).toEqual({ path, declared: templated });
      for (const scheme of op.security.flatMap((requirement) => Object.keys(requirement)))
        expect(Object.keys(parsed.components.securitySchemes)).toContain(scheme);
    }
  });

  it('documents every route the server has, and nothing it does not', async () => {
    const { app, routes } = admin();
    await app.ready();
    const parsed = document.parse((await app.inject({ url: '/admin/openapi.json' })).json());
    const served = routes
      .filter((route) => route.method !== 'HEAD') // fastify's automatic HEAD for every GET
      .map((route) => `${route.method} ${route.url.replace(/:(\w+)/g, '{$1}')}`)
      .sort();
    const documented = Object.entries(parsed.paths)
      .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    expect(served.length).toBeGreaterThanOrEqual(14);
    expect(documented).toEqual(served);
    expect(served).toEqual(
      expect.arrayContaining([
        'POST /admin/messages',
        'POST /admin/users/{name}/disconnect',
        'GET /admin/connections',
        'GET /admin/openapi.json',
      ]),
    );
  });

  it('is behind the same token rule as the rest of /admin, the health routes are not', async () => {
    const { app } = admin('0123456789abcdef-token');
    for (const [method, url] of [
      ['GET', '/admin/openapi.json'],
      ['POST', '/admin/messages'],
      ['POST', '/admin/users/ann/disconnect'],
      ['GET', '/admin/connections'],
    ] as const) {
      const answer = await app.inject({
        method,
        url,
        payload: method === 'POST' ? { text: 'x' } : undefined,
      });
      expect([url, answer.statusCode, answer.json()]).toEqual([url, 401, { error: 'unauthorized' }]);
    }
    const allowed = await app.inject({
      url: '/admin/connections',
      headers: { authorization: 'Bearer 0123456789abcdef-token' },
    });
    expect(allowed.statusCode).toBe(200);
    const parsed = document.parse(
      (
        await app.inject({
          url: '/admin/openapi.json',
          headers: { authorization: 'Bearer 0123456789abcdef-token' },
        })
      ).json(),
    );
    expect(parsed.paths['/healthz']?.get?.security).toEqual([]);
    expect(parsed.paths['/admin/messages']?.post?.security).toEqual([{ bearer: [] }, {}]);
  });

  it('an unknown route is a 404 in the API’s error shape', async () => {
    const { app } = admin();
    const answer = await app.inject({ url: '/admin/nothing-here' });
    expect(answer.statusCode).toBe(404);
    expect(answer.json()).toEqual({ error: 'no route GET /admin/nothing-here' });
  });
});

describe('every answer of the admin server', () => {
  it('has a status its route documents, and a body its schema accepts', async () => {
    const hub = createTestHub();
    hubs.push(hub);
    const options: AdminOptions = {
      hub,
      metrics: new GatewayMetrics(hub, ['soh'], () => 0),
      token: undefined,
      ready: async () => true,
    };
    const app = createAdminServer(options);
    const routes = adminRoutes(options);
    await hub.addAccount(Name.fromText('bob'), 'pw');
    const bob = hub.open('rs-us', '127.0.0.1', { deliver() {}, replaced() {}, disconnected() {} })!;
    expect(await bob.login(Name.fromText('bob'), 'pw')).toBe('ok');
    await hub.rooms.create('den', Name.fromText('bob'));
    hub.sessions.set('c1', 's1');

    // [route, url, payload]: each route, answered well and refused.
    const calls: Array<[route: string, url: string, payload?: unknown]> = [
      ['GET /healthz', '/healthz'],
      ['GET /readyz', '/readyz'],
      ['GET /metrics', '/metrics'],
      ['GET /admin/accounts', '/admin/accounts'],
      ['POST /admin/accounts', '/admin/accounts', { name: 'amy', password: 'pw' }],
      ['POST /admin/accounts', '/admin/accounts', { name: 'amy', password: 'pw' }],
      ['POST /admin/accounts', '/admin/accounts', { name: 'switchboard', password: 'pw' }],
      ['POST /admin/accounts', '/admin/accounts', { name: '' }],
      ['PUT /admin/accounts/:name/password', '/admin/accounts/amy/password', { password: 'pw2' }],
      ['PUT /admin/accounts/:name/password', '/admin/accounts/zed/password', { password: 'pw2' }],
      ['DELETE /admin/accounts/:name', '/admin/accounts/amy'],
      ['DELETE /admin/accounts/:name', '/admin/accounts/amy'],
      ['GET /admin/sessions', '/admin/sessions'],
      ['GET /admin/rooms', '/admin/rooms'],
      ['GET /admin/presence', '/admin/presence'],
      ['POST /admin/messages', '/admin/messages', { text: 'hi' }],
      ['POST /admin/messages', '/admin/messages', { text: 'hi', to: ['bob', 'ghost'] }],
      ['POST /admin/messages', '/admin/messages', { text: 'hi', room: 'den' }],
      ['POST /admin/messages', '/admin/messages', { text: 'hi', room: 'nowhere' }],
      ['POST /admin/messages', '/admin/messages', { text: '' }],
      ['GET /admin/connections', '/admin/connections'],
      ['GET /admin/connections', '/admin/connections?limit=5000'],
      ['GET /admin/openapi.json', '/admin/openapi.json'],
      ['POST /admin/users/:name/disconnect', '/admin/users/ghost/disconnect'],
      ['POST /admin/users/:name/disconnect', '/admin/users/bob/disconnect'],
    ];
    const statuses = new Map<string, Set<number>>();
    for (const [key, url, payload] of calls) {
      const route = routes.find((each) => `${each.method} ${each.url}` === key)!;
      expect(route, key).toBeDefined();
      const answer = await app.inject({
        method: route.method,
        url,
        ...(payload !== undefined && { payload: payload as object }),
      });
      const documented = route.responses[answer.statusCode];
      expect({ key, url, status: answer.statusCode, documented: documented !== undefined }).toEqual({
        key,
        url,
        status: answer.statusCode,
        documented: true,
      });
      if (documented?.schema) documented.schema.parse(answer.json());
      else if (documented?.contentType) expect(answer.headers['content-type']).toBe(documented.contentType);
      else if (answer.statusCode === 204) expect(answer.body).toBe('');
      if (!statuses.has(key)) statuses.set(key, new Set());
      statuses.get(key)!.add(answer.statusCode);
    }
    // Every route was called, and the refusals above really were refusals.
    expect([...statuses.keys()].sort()).toEqual(routes.map((route) => `${route.method} ${route.url}`).sort());
    expect([...statuses.get('POST /admin/accounts')!].sort()).toEqual([201, 400, 409, 422]);
    expect([...statuses.get('POST /admin/messages')!].sort()).toEqual([200, 400, 404]);
    expect([...statuses.get('POST /admin/users/:name/disconnect')!].sort()).toEqual([200, 404]);
  });
});

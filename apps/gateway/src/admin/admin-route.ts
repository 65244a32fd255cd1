import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** One documented answer of a route: JSON by its schema, or another content type. */
export interface RouteResponse {
  description: string;
  schema?: z.ZodType;
  /** Default `application/json`. */
  contentType?: string;
}

type Shape<Schema> = Schema extends z.ZodType ? z.infer<Schema> : undefined;

/** What a handler gets: the request's parts, already checked against the route's schemas. */
export interface RouteInput<Params, Query, Body> {
  params: Params;
  query: Query;
  body: Body;
  request: FastifyRequest;
}

/** What a handler answers: a documented status and its body (JSON unless the route says). */
export interface RouteAnswer {
  status: number;
  body?: unknown;
}

/**
 * An admin HTTP route and everything the OpenAPI document says about it. The same schemas
 * check the request and describe it, so the document cannot drift from the server.
 */
export interface AdminRoute {
  method: HttpMethod;
  /** fastify's form: `/admin/users/:name/disconnect`. */
  url: string;
  summary: string;
  /** Needs the admin token (or a loopback client without one). */
  protected: boolean;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** A body limit of its own (bytes), for a route that takes more than the server's default. */
  bodyLimit?: number;
  responses: Record<number, RouteResponse>;
  handle(input: RouteInput<unknown, unknown, unknown>, reply: FastifyReply): Promise<RouteAnswer>;
}

/** Types a route's handler by its schemas; the result is erased to {@link AdminRoute}. */
export function defineRoute<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(
  route: Omit<AdminRoute, 'params' | 'query' | 'body' | 'handle'> & {
    params?: P;
    query?: Q;
    body?: B;
    handle(input: RouteInput<Shape<P>, Shape<Q>, Shape<B>>, reply: FastifyReply): Promise<RouteAnswer>;
  },
): AdminRoute {
  return route as AdminRoute;
}

/** `{"error": "..."}`: every refusal of the admin server. */
export const refuse = (status: number, error: string): RouteAnswer => ({ status, body: { error } });

/** The first problems of a failed parse, named by where they are: `to.0: invalid name: empty`. */
function describeIssues(part: string, error: z.ZodError): string {
  const issues = error.issues.slice(0, 5).map((issue) => {
    const at = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    return `${at}${issue.message}`;
  });
  return `invalid ${part}: ${issues.join('; ')}`;
}

/** Registers `route` on `app`: request parts checked first (400 naming the problem), then handled. */
export function registerRoute(app: FastifyInstance, route: AdminRoute): void {
  app.route({
    method: route.method,
    url: route.url,
    ...(route.bodyLimit !== undefined && { bodyLimit: route.bodyLimit }),
    handler: async (request, reply) => {
      const parts: Array<[name: 'params' | 'query' | 'body', label: string, schema: z.ZodType | undefined]> =
        [
          ['params', 'path', route.params],
          ['query', 'query', route.query],
          ['body', 'body', route.body],
        ];
      const input: RouteInput<unknown, unknown, unknown> = {
        params: undefined,
        query: undefined,
        body: undefined,
        request,
      };
      for (const [name, label, schema] of parts) {
        if (!schema) continue;
        const parsed = schema.safeParse(request[name] ?? (name === 'body' ? undefined : {}));
        if (!parsed.success) return reply.code(400).send({ error: describeIssues(label, parsed.error) });
        input[name] = parsed.data;
      }
      const answer = await route.handle(input, reply);
      const contentType = route.responses[answer.status]?.contentType;
      if (contentType) reply.type(contentType);
      return reply.code(answer.status).send(answer.body);
    },
  });
}

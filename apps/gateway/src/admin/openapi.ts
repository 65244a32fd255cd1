import { z } from 'zod';
import type { AdminRoute } from './admin-route.ts';

export type OpenApiDocument = Record<string, unknown> & { paths: Record<string, Record<string, unknown>> };

/** fastify's `/a/:name` as OpenAPI's `/a/{name}`. */
export const openApiPath = (url: string): string => url.replace(/:(\w+)/g, '{$1}');

/**
 * The OpenAPI 3.1 document of the admin server, from the routes' own zod schemas. Schemas with
 * an `id` (`.meta({ id })`) become shared components referenced by `$ref`.
 */
export function openApiDocument(routes: readonly AdminRoute[], version: string): OpenApiDocument {
  const registry = z.registry<{ id?: string }>();
  const schemas = new Map<z.ZodType, string>();
  let anonymous = 0;
  // One JSON Schema generation over every schema, so shared ones come out once as components.
  const name = (schema: z.ZodType): string => {
    let key = schemas.get(schema);
    if (!key) {
      const id = (schema.meta() as { id?: string } | undefined)?.id;
      anonymous += 1;
      key = id ?? `Schema${anonymous}`;
      schemas.set(schema, key);
      registry.add(schema, { id: key });
    }
    return key;
  };
  const ref = (schema: z.ZodType) => ({ $ref: `#/components/schemas/${name(schema)}` });

  const paths: OpenApiDocument['paths'] = {};
  for (const route of routes) {
    const parameters: unknown[] = [];
    for (const [where, schema] of [
      ['path', route.params],
      ['query', route.query],
    ] as const) {
      if (!schema) continue;
      const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
        properties?: Record<string, unknown>;
        required?: string[];
      };
      for (const [parameter, parameterSchema] of Object.entries(json.properties ?? {})) {
        parameters.push({
          name: parameter,
          in: where,
          required: where === 'path' || (json.required ?? []).includes(parameter),
          schema: parameterSchema,
        });
      }
    }
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(route.responses)) {
      const contentType = response.contentType ?? 'application/json';
      responses[status] = {
        description: response.description,
        ...(response.schema && { content: { [contentType]: { schema: ref(response.schema) } } }),
        ...(!response.schema &&
          response.contentType && { content: { [contentType]: { schema: { type: 'string' } } } }),
      };
    }
    const operation = {
      operationId: `${route.method.toLowerCase()}${openApiPath(route.url).replace(/[^A-Za-z0-9]+(.)?/g, (_, c?: string) => (c ?? '').toUpperCase())}`,
      summary: route.summary,
      ...(parameters.length > 0 && { parameters }),
      ...(route.body && {
        requestBody: { required: true, content: { 'application/json': { schema: ref(route.body) } } },
      }),
      responses,
      security: route.protected ? [{ bearer: [] }, {}] : [],
    };
    const path = openApiPath(route.url);
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation };
  }

  const generated = z.toJSONSchema(registry, {
    io: 'output',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  });
  const components: Record<string, unknown> = {};
  for (const [id, schema] of Object.entries(generated.schemas)) {
    const { $schema: _dialect, $id: _id, ...rest } = schema as Record<string, unknown>;
    components[id] = rest;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'switchboard admin API',
      version,
      description:
        'Health, metrics and the admin API of one switchboard gateway; cluster-wide calls reach every gateway ' +
        'of the service. Protected operations need `Authorization: Bearer TOKEN` when the gateway has a ' +
        'token, and answer only loopback clients when it has none.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    components: {
      schemas: components,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    },
  };
}

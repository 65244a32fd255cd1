import { z } from 'zod';
import { configSchema } from './config.ts';

/** Where the committed schema lives, beside the package.json (shipped in the package). */
export const CONFIG_SCHEMA_FILE = new URL('../switchboard.schema.json', import.meta.url);

/**
 * The JSON Schema of a `switchboard.json` config file, generated from the zod schema that
 * validates it, so editors complete and check what the gateway will accept. It describes the
 * file as written (zod's input side: defaults optional, the descriptor-derived maxConnections
 * absent), and allows the `$schema` key that points an editor at this file.
 */
export function configJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  > & { properties: Record<string, unknown> };
  const { $schema, properties, ...rest } = generated;
  return {
    $schema,
    title: 'switchboard gateway configuration',
    description:
      'The --config file of `switchboard serve`. Flags beat environment variables, which beat this file. ' +
      'Generated from the gateway config schema: do not edit, regenerate with `node scripts/bootstrap.mjs node scripts/write-config-schema.ts`.',
    ...rest,
    properties: {
      $schema: { type: 'string', description: 'the JSON Schema this file follows (ignored by the gateway)' },
      ...properties,
    },
  };
}

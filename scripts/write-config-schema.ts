// Regenerates apps/gateway/switchboard.schema.json from the gateway's config schema (zod), in
// the repository's JSON format (biome), so the committed file and its test stay in step:
//   node scripts/bootstrap.mjs node scripts/write-config-schema.ts
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CONFIG_SCHEMA_FILE, configJsonSchema } from '../apps/gateway/src/config-schema.ts';

const file = fileURLToPath(CONFIG_SCHEMA_FILE);
writeFileSync(file, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
const biome = fileURLToPath(new URL('../node_modules/.bin/biome', import.meta.url));
execFileSync(biome, ['format', '--write', file], { stdio: 'inherit' });
console.log(`wrote ${file}`);

#!/usr/bin/env node
// The `switchboard` CLI. In a checkout Node >= 22.18 runs the TypeScript sources directly (type
// stripping), so there is no build step; an installed package ships no sources (Node refuses to
// strip types under node_modules anyway) and runs the compiled dist/ its prepack built. One
// process, so signals reach the gateway itself. The compile cache keeps compiled (and
// type-stripped) modules on disk between runs, which cuts the start of the gateway to a fraction.
import { existsSync } from 'node:fs';
import module from 'node:module';

// `engines` is only advice to npm: an older Node would fail on a missing built-in (node:sqlite).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(`switchboard needs Node.js 22.12 or newer; this is ${process.version}\n`);
  process.exit(1);
}
module.enableCompileCache?.();
const sources = new URL('../src/cli.ts', import.meta.url);
const entry = existsSync(sources) ? sources.href : new URL('../dist/cli.js', import.meta.url).href;
const { main } = await import(entry);
await main(process.argv.slice(2));

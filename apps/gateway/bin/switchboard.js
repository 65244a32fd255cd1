#!/usr/bin/env node
// The `switchboard` CLI. Node >= 22.18 runs the TypeScript sources directly (type stripping),
// so a checkout needs no build step; one process, so signals reach the gateway itself.
// The compile cache keeps compiled (and type-stripped) modules on disk between runs, which
// cuts the start of the gateway to a fraction.
import module from 'node:module';

module.enableCompileCache?.();
const { main } = await import('../src/cli.ts');
await main(process.argv.slice(2));

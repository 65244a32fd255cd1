import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adapterPackage, adapters } from '../src/adapters.ts';

/**
 * The deployment files name every registered adapter: a new one is not done until the image
 * exposes its port, compose publishes it, nginx balances it and the README's table lists it.
 * (scripts/ci/cluster-lb-check.sh then runs that nginx.conf for real.)
 */
const root = join(import.meta.dirname, '..', '..', '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe.each(
  adapters.map((adapter) => [adapter.name, adapter.defaultPort] as const),
)('deployment files name %s (port %i)', (name, port) => {
  it('Dockerfile EXPOSEs its port', () => {
    const expose =
      read('Dockerfile')
        .match(/^EXPOSE (.+)$/m)?.[1]
        ?.split(/\s+/) ?? [];
    expect(expose).toContain(String(port));
  });

  it('compose.yaml publishes its port on nginx', () => {
    expect(read('compose.yaml')).toMatch(new RegExp(`^\\s+- "${port}:${port}"`, 'm'));
  });

  it('deploy/nginx.conf listens on its port and balances it over the three gateways', () => {
    const conf = read('deploy/nginx.conf');
    expect(conf).toMatch(new RegExp(`^\\s+listen ${port};$`, 'm'));
    for (const gateway of [1, 2, 3])
      expect(conf).toMatch(new RegExp(`^\\s+server gateway${gateway}:${port};$`, 'm'));
  });

  it("README's table has its row", () => {
    const pkg = adapterPackage(name).replace('@switchboard/', 'packages/');
    expect(read('README.md')).toMatch(new RegExp(`^\\|.*\\| \`${escapeRegExp(pkg)}\` \\| ${port} \\|$`, 'm'));
  });
});

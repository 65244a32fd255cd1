import { readFileSync } from 'node:fs';

/**
 * The gateway package's version, read from its package.json: `../package.json` from both
 * `src/` (a checkout) and `dist/` (an installed package), so the two can never disagree.
 */
export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version?: unknown;
  };
  return typeof manifest.version === 'string' ? manifest.version : '0.0.0';
}

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// What protects and paces a connection is written once, in the connection runtime
// (packages/core/src/connection): an adapter is its codec, its commands and its replies. So no
// adapter's source touches the slow-reader limit, the token bucket, a timer of its own (which the
// fake clock cannot drive) or the hub's counters. Tests and the testing/ folders may.

const root = fileURLToPath(new URL('../../../..', import.meta.url));
const packagesDir = join(root, 'packages');

/** What only the runtime may use, and why. */
const FORBIDDEN: ReadonlyArray<{ name: string; pattern: RegExp }> = [
  { name: 'maxQueuedBytes', pattern: /\bmaxQueuedBytes\b/ }, // the slow-reader drop is the runtime's send()
  { name: 'TokenBucket', pattern: /\bTokenBucket\b/ }, // the rate is the runtime's
  { name: 'rateLimiter', pattern: /\brateLimiter\b/ },
  { name: 'setTimeout', pattern: /\bsetTimeout\b/ }, // timers: setDeadline / setIdleTimeout on the core's clock
  { name: 'timers/promises', pattern: /timers\/promises/ },
  { name: 'hub.stats', pattern: /\bhub\s*\.\s*stats\b/ }, // counters: the runtime's, or the session's
];

/**
 * `source` with its comments blanked (line breaks kept, so line numbers stay), strings kept: a
 * comment may explain what the runtime does; code may not do it.
 */
export function withoutComments(source: string): string {
  let out = '';
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    const next = source[i + 1];
    if (c === '/' && next === '/') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end === -1 ? source.length : end + 2;
      out += source.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < source.length && source[j] !== c) {
        if (source[j] === '\\') j++;
        j++;
      }
      out += source.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Every source file of an adapter package's src: not tests, not its testing/ folder. */
function adapterSources(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'testing' && entry.name !== 'node_modules') walk(path);
      } else if (/\.(ts|mts|js|mjs)$/.test(entry.name) && !/\.test\.[mc]?[tj]s$/.test(entry.name)) {
        files.push(path);
      }
    }
  };
  for (const entry of readdirSync(packagesDir, { withFileTypes: true })) {
    if (entry.isDirectory() && entry.name.startsWith('adapter-')) walk(join(packagesDir, entry.name, 'src'));
  }
  return files.sort();
}

describe('adapters leave connections to the runtime', () => {
  it('strips comments but keeps code and strings', () => {
    const source = [
      "const a = '//not a comment'; // setTimeout here is fine",
      '/* hub.stats in a',
      '   block comment */ setTimeout(f, 1);',
      'const b = `a /* b */ c`;',
    ].join('\n');
    const stripped = withoutComments(source);
    expect(stripped.split('\n')).toHaveLength(4);
    expect(stripped).toContain("'//not a comment'");
    expect(stripped).not.toContain('setTimeout here');
    expect(stripped).not.toContain('hub.stats');
    expect(stripped.split('\n')[2]).toContain('setTimeout(f, 1);');
    expect(stripped).toContain('`a /* b */ c`');
  });

  it("finds every adapter package's sources", () => {
    const packages = new Set(adapterSources().map((file) => relative(packagesDir, file).split(/[\\/]/)[0]));
    expect(packages.size).toBeGreaterThanOrEqual(6);
  });

  it('no adapter source mentions maxQueuedBytes, TokenBucket, rateLimiter, setTimeout, timers/promises or hub.stats', () => {
    const offenders: string[] = [];
    for (const file of adapterSources()) {
      const lines = withoutComments(readFileSync(file, 'utf8')).split('\n');
      lines.forEach((line, index) => {
        for (const { name, pattern } of FORBIDDEN) {
          if (pattern.test(line)) {
            offenders.push(`${relative(root, file)}:${index + 1}: ${name} — ${line.trim().slice(0, 120)}`);
          }
        }
      });
    }
    // Each entry names the file and line, what it touches, and the code: move it onto the
    // runtime (Connection's send, setDeadline/setIdleTimeout, the runtime's counters).
    expect(offenders, `${offenders.length} mentions of what only the connection runtime may do`).toEqual([]);
  });
});

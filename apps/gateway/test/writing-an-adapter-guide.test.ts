import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * docs/writing-an-adapter.md shows the example adapter's files whole; each block marked
 * `<!-- file: PATH -->` must be that file, so the guide's code is the code the tests run.
 */
const root = join(import.meta.dirname, '..', '..', '..');
const guide = readFileSync(join(root, 'docs', 'writing-an-adapter.md'), 'utf8');
const blocks = [...guide.matchAll(/^<!-- file: (\S+) -->\n```ts\n([\s\S]*?)^```$/gm)].map(
  ([, path, code]) => [path!, code!] as const,
);

describe('docs/writing-an-adapter.md', () => {
  it('shows every file of the example adapter', () => {
    const files = readdirSync(join(root, 'examples', 'line-chat-adapter', 'src'));
    expect(blocks.map(([path]) => path).sort()).toEqual(
      files.map((file) => `examples/line-chat-adapter/src/${file}`).sort(),
    );
  });

  it.each(blocks)('shows %s as it is', (path, code) => {
    expect(code).toBe(readFileSync(join(root, path), 'utf8'));
  });
});

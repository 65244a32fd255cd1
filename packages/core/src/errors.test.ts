import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type ErrorCode,
  errorCatalog,
  errorMessage,
  isServiceUnavailable,
  SwitchboardError,
} from './errors.ts';

const SOURCE_ROOT = import.meta.dirname;

/** The core's own sources: not tests, not the test kit. */
function coreSources(dir = SOURCE_ROOT): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'testing') files.push(...coreSources(path));
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) files.push(path);
  }
  return files;
}

/** Where a code is produced: returned, chosen by a ternary, or thrown as a SwitchboardError. */
const PRODUCED = /(?:\breturn|\?|:|new SwitchboardError\()\s*'([A-Z][A-Z0-9_]*)'/g;
/** A file that speaks the catalog's vocabulary imports it. */
const IMPORTS_CATALOG = /from '\.{1,2}\/(?:\.\.\/)*errors\.ts'/;

/** Every code each vocabulary-speaking core source produces, by file. */
function producedCodes(): Map<string, Set<string>> {
  const byFile = new Map<string, Set<string>>();
  for (const path of coreSources()) {
    if (path.endsWith('errors.ts')) continue;
    const text = readFileSync(path, 'utf8');
    if (!IMPORTS_CATALOG.test(text)) continue;
    const codes = new Set<string>();
    for (const match of text.matchAll(PRODUCED)) codes.add(match[1]!);
    if (codes.size > 0) byFile.set(relative(SOURCE_ROOT, path), codes);
  }
  return byFile;
}

describe('the error catalog', () => {
  const produced = producedCodes();
  const all = new Set([...produced.values()].flatMap((codes) => [...codes]));

  it('finds the places that produce codes (the scan itself works)', () => {
    expect([...produced.keys()].sort()).toEqual([
      'accounts/accounts.ts',
      'hub/hub.ts',
      'names/name.ts',
      'rooms/rooms.ts',
    ]);
    expect(produced.get('rooms/rooms.ts')).toEqual(
      new Set(['ROOM_EXISTS', 'NO_SUCH_ROOM', 'WRONG_ROOM_PASSWORD']),
    );
  });

  it('has no code that nothing in the core produces', () => {
    const unused = Object.keys(errorCatalog).filter((code) => !all.has(code));
    expect(unused).toEqual([]);
  });

  it('is the whole vocabulary: the core produces no code outside it', () => {
    const unknown = [...all].filter((code) => !Object.hasOwn(errorCatalog, code));
    expect(unknown).toEqual([]);
  });

  it('gives every code a plain-English message, each its own', () => {
    const messages = Object.values(errorCatalog);
    for (const message of messages) expect(message).toMatch(/^[a-z][^\n]*[a-z.]$/);
    expect(new Set(messages).size).toBe(messages.length);
  });

  it('carries the code and the message on a SwitchboardError', () => {
    const cause = new Error('ECONNREFUSED');
    const error = new SwitchboardError('SERVICE_UNAVAILABLE', 'redis', cause);
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('SERVICE_UNAVAILABLE' satisfies ErrorCode);
    expect(error.message).toBe(`${errorMessage('SERVICE_UNAVAILABLE')}: redis`);
    expect(error.cause).toBe(cause);
    expect(isServiceUnavailable(error)).toBe(true);
    expect(isServiceUnavailable(new SwitchboardError('REPLACED'))).toBe(false);
    expect(isServiceUnavailable(cause)).toBe(false);
  });
});

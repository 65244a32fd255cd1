#!/usr/bin/env node
// Copies what `docker build .` would send as its build context into TARGET, without Docker:
// the checkout's files (tracked, plus untracked ones git does not ignore) minus the patterns of
// .dockerignore. Usage: node scripts/ci/build-context.mjs TARGET
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
} from 'node:fs';
import { dirname, join, matchesGlob } from 'node:path';
import { fileURLToPath } from 'node:url';

const defaultRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** .dockerignore as Docker reads it: one pattern a line, `#` comments, `!` re-includes, last match wins. */
function readDockerignore(root) {
  const file = join(root, '.dockerignore');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const negated = line.startsWith('!');
      const pattern = (negated ? line.slice(1) : line).replace(/^\/+/, '').replace(/\/+$/, '');
      return { negated, pattern };
    });
}

/** A pattern that matches a directory excludes everything below it, as in Docker. */
function isExcluded(file, rules) {
  const parts = file.split('/');
  const candidates = parts.map((_, index) => parts.slice(0, index + 1).join('/'));
  let excluded = false;
  for (const { negated, pattern } of rules) {
    if (candidates.some((candidate) => matchesGlob(candidate, pattern))) excluded = !negated;
  }
  return excluded;
}

/** Copies the build context of `root` into `target`; returns the number of files copied. */
export function copyBuildContext(root, target) {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  })
    .split('\0')
    .filter(Boolean);
  const rules = readDockerignore(root);
  let copied = 0;
  for (const file of new Set(listed)) {
    const source = join(root, file);
    // A tracked file deleted in the work tree is not in the context either.
    if (!existsSync(source) && !isSymlink(source)) continue;
    if (isExcluded(file, rules)) continue;
    const destination = join(target, file);
    mkdirSync(dirname(destination), { recursive: true });
    if (isSymlink(source)) symlinkSync(readlinkSync(source), destination);
    else copyFileSync(source, destination);
    copied += 1;
  }
  return copied;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const target = process.argv[2];
  if (!target) {
    process.stderr.write('usage: build-context.mjs TARGET\n');
    process.exit(2);
  }
  process.stdout.write(`${copyBuildContext(defaultRoot, target)}\n`);
}

function isSymlink(path) {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

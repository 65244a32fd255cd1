/**
 * Heap snapshots of a server under test, without touching its code: the server is started with
 * `NODE_OPTIONS=--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=DIR`, so a SIGUSR2 makes Node
 * write `Heap.<date>.<time>.<pid>.<tid>.<seq>.heapsnapshot` into DIR. `takeHeapSnapshot` sends
 * the signal, waits for the file to be complete and renames it to a label of the caller's.
 */
import { closeSync, openSync, readdirSync, readSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Runs `start` with the snapshot signal armed for the processes it spawns (and only those: the
 * load workers are forked before, and NODE_OPTIONS is put back right after).
 */
export async function withSnapshotSignal<T>(dir: string, start: () => Promise<T>): Promise<T> {
  const previous = process.env.NODE_OPTIONS;
  process.env.NODE_OPTIONS = [previous, '--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${dir}`]
    .filter(Boolean)
    .join(' ');
  try {
    return await start();
  } finally {
    if (previous === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = previous;
  }
}

/** Asks `pid` for a heap snapshot and returns its path (`DIR/<label>.heapsnapshot`) once written. */
export async function takeHeapSnapshot(pid: number, dir: string, label: string): Promise<string> {
  const mine = (name: string) => name.endsWith('.heapsnapshot') && name.includes(`.${pid}.`);
  const existing = new Set(readdirSync(dir).filter(mine));
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (Date.now() > deadline) throw new Error(`no heap snapshot from ${pid} within 120 s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
    const file = readdirSync(dir).find((name) => mine(name) && !existing.has(name));
    if (file === undefined || !complete(join(dir, file))) continue;
    const target = join(dir, `${label}.heapsnapshot`);
    renameSync(join(dir, file), target);
    return target;
  }
}

/** A snapshot is complete when its JSON is closed (V8 writes the strings table last). */
function complete(path: string): boolean {
  const size = statSync(path).size;
  if (size < 2) return false;
  const tail = Buffer.alloc(Math.min(16, size));
  const fd = openSync(path, 'r');
  try {
    readSync(fd, tail, 0, tail.length, size - tail.length);
  } finally {
    closeSync(fd);
  }
  return tail.toString('latin1').trimEnd().endsWith(']}');
}

import { readdirSync, readFileSync } from 'node:fs';

/**
 * The process's soft limit of open files (`ulimit -n`), from /proc/self/limits; null where
 * that file does not exist (not Linux) or says "unlimited". Node has no getrlimit of its own.
 */
export function descriptorSoftLimit(limitsFile = '/proc/self/limits'): number | null {
  let text: string;
  try {
    text = readFileSync(limitsFile, 'utf8');
  } catch {
    return null;
  }
  const match = /^Max open files\s+(\d+|unlimited)\s/m.exec(text);
  if (!match || match[1] === 'unlimited') return null;
  return Number(match[1]);
}

/**
 * Descriptors open in this process right now; null where /proc/self/fd is not there. With no
 * descriptor left, reading that directory fails itself: that is Infinity, out of them.
 */
export function openDescriptorCount(): number | null {
  try {
    // readdir itself holds one descriptor while it reads.
    return readdirSync('/proc/self/fd').length - 1;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'EMFILE' || code === 'ENFILE' ? Number.POSITIVE_INFINITY : null;
  }
}

/**
 * What `limits.maxConnections` defaults to under a descriptor limit: every client connection
 * costs one descriptor, so the limit must engage while descriptors are left for the rest of the
 * process — Node itself, the SQLite files, Redis connections, log files, the admin server
 * answering `/healthz`, and connections being refused (each is accepted before it is closed).
 * That reserve is 128 descriptors or 1/16 of the limit, whichever is more; the result never
 * exceeds `ceiling` (SPEC's 200 000) and is at least 1.
 */
export function maxConnectionsForDescriptors(softLimit: number | null, ceiling: number): number {
  if (softLimit === null) return ceiling;
  const reserve = Math.max(128, Math.ceil(softLimit / 16));
  return Math.max(1, Math.min(ceiling, softLimit - reserve));
}

import { readFileSync } from 'node:fs';

/** A V8 `.cpuprofile` as `node --cpu-prof` writes it (the fields this reads). */
interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  label: string;
  totalMs: number;
  top: Array<{ function: string; location: string; selfMs: number; percent: number }>;
}

/** Self time per function (summed over every node of the same function), biggest first. */
export function summarizeProfile(file: string, label: string, limit = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const keyOf = new Map<number, string>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? `${shorten(url)}:${lineNumber + 1}` : '';
    keyOf.set(node.id, `${functionName || '(anonymous)'}\t${where}`);
  }
  const selfMicros = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((nodeId, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    const key = keyOf.get(nodeId) ?? '?';
    selfMicros.set(key, (selfMicros.get(key) ?? 0) + delta);
    total += delta;
  });
  const top = [...selfMicros]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([key, micros]) => {
      const [name, location] = key.split('\t');
      return {
        function: name!,
        location: location ?? '',
        selfMs: micros / 1000,
        percent: (micros / total) * 100,
      };
    });
  return { label, totalMs: total / 1000, top };
}

/** Paths from this checkout or node_modules, short enough for a table. */
function shorten(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) return path.slice(modules + '/node_modules/'.length);
  const packages = path.search(/\/(packages|apps)\//);
  return packages >= 0 ? path.slice(packages + 1) : path;
}

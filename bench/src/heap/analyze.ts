/**
 * `node --max-old-space-size=4096 bench/src/heap/analyze.ts DIR [--rows json-ws,soh] [--top 25]
 * [--who 'closure wrapper,Promise']`:
 * reads the heap snapshots the idle scenario wrote with `--heap-snapshots DIR`
 * (`<row>-<system>-<count>.heapsnapshot`) and prints, per protocol row, in markdown:
 * - bytes per connection by class (after − before, self sizes, over N), switchboard beside the
 *   raw relay it is compared with, and the difference;
 * - the per-connection roots: objects that appeared since the first snapshot and are held by one
 *   that was there before (a Map's table, a timer list, the listening server…), grouped by class,
 *   with their retained size per connection and who holds them — the partition of the new heap;
 * - for the costliest classes, which new object dominates them (who keeps them alive);
 * - the closures made per connection (`name file:line`, what their context holds);
 * - with `--who`, who points at the new instances of those classes, two steps up;
 * - memory outside the V8 heap: RSS and /proc's anonymous memory against the heap, per connection.
 * Node ids are stable across snapshots of one process, so "new" means an id the first lacks.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { HeapGraph } from './heap-graph.ts';

/** The raw relay each protocol row is compared with (as in the idle scenario). */
const BASELINE: Record<string, string> = {
  'json-ws': 'json-ws-raw-ws',
  sessions: 'json-ws-raw-ws',
  soh: 'soh-raw-net',
  'tcp-rooms': 'soh-raw-net',
  'rs-us': 'soh-raw-net',
  irc: 'soh-raw-net',
};

interface ClassCost {
  count: number;
  bytes: number;
}

interface Root {
  count: number;
  retained: number;
  holders: Map<string, number>;
}

interface Summary {
  label: string;
  connections: number;
  /** Net change by class over N: (after − before) / N. */
  classes: Map<string, ClassCost>;
  /** New objects whose dominator is old, by class: retained bytes over N, and their holders. */
  roots: Map<string, Root>;
  /** For each class of new objects: which new ancestor class (nearest per-connection root) dominates them. */
  dominatedBy: Map<string, Map<string, number>>;
  heapSelfBytes: number;
  who: string[];
  /** New closures by `name file:line`: count and bytes (closure + its context, counted once) over N. */
  closures: Map<string, { count: number; bytes: number; variables: string }>;
  memory: { before: MemoryFile | null; after: MemoryFile | null };
}

interface MemoryFile {
  count: number;
  rss: number;
  heapUsed: number;
  proc: Record<string, number>;
}

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rows: { type: 'string' },
    top: { type: 'string', default: '25' },
    /** Classes (as the tables name them) whose holders to list, comma-separated. */
    who: { type: 'string' },
  },
});
const dir = positionals[0];
if (!dir) throw new Error('usage: analyze.ts DIR [--rows json-ws,soh] [--top 25] [--who CLASS,…]');
const top = Number(flags.top);

/** `<prefix>` → the counts it has snapshots for. */
const series = new Map<string, number[]>();
for (const file of readdirSync(dir)) {
  const match = /^(.+)-(\d+)\.heapsnapshot$/.exec(file);
  if (!match) continue;
  const counts = series.get(match[1]!) ?? [];
  counts.push(Number(match[2]));
  series.set(match[1]!, counts);
}

const rows = flags.rows?.split(',') ?? Object.keys(BASELINE);
const summaries = new Map<string, Summary>();
const summary = (prefix: string): Summary | null => {
  const known = summaries.get(prefix);
  if (known) return known;
  const counts = series.get(prefix);
  if (!counts?.includes(0) || counts.length < 2) return null;
  process.stderr.write(`reading ${prefix}…\n`);
  const made = summarize(prefix, Math.max(...counts));
  summaries.set(prefix, made);
  return made;
};

for (const row of rows) {
  const ours = summary(`${row}-switchboard`);
  if (!ours) continue;
  const baseline = summary(BASELINE[row]!);
  print(row, ours, baseline);
}

function summarize(prefix: string, count: number): Summary {
  const before = HeapGraph.read(join(dir!, `${prefix}-0.heapsnapshot`));
  const oldIds = new Set<number>();
  const beforeClasses = byClass(before);
  for (let node = 0; node < before.nodeCount; node++) oldIds.add(before.id[node]!);
  const after = HeapGraph.read(join(dir!, `${prefix}-${count}.heapsnapshot`));
  const afterClasses = byClass(after);
  const classes = new Map<string, ClassCost>();
  for (const [key, cost] of afterClasses) {
    const was = beforeClasses.get(key) ?? { count: 0, bytes: 0 };
    classes.set(key, { count: (cost.count - was.count) / count, bytes: (cost.bytes - was.bytes) / count });
  }
  for (const [key, was] of beforeClasses)
    if (!afterClasses.has(key)) classes.set(key, { count: -was.count / count, bytes: -was.bytes / count });

  const { idom, retained } = after;
  const isNew = (node: number) => !oldIds.has(after.id[node]!);
  const roots = new Map<string, Root>();
  const dominatedBy = new Map<string, Map<string, number>>();
  const rootOf = new Int32Array(after.nodeCount).fill(-1);
  for (let node = 0; node < after.nodeCount; node++) {
    if (!isNew(node) || idom[node] === -1) continue;
    // The nearest ancestor in the dominator tree whose own dominator is old: the per-connection root.
    let root = node;
    while (idom[root] !== root && isNew(idom[root]!)) {
      const cached = rootOf[idom[root]!]!;
      if (cached >= 0) {
        root = cached;
        break;
      }
      root = idom[root]!;
    }
    rootOf[node] = root;
    const key = after.key(node);
    if (root === node) {
      const entry = roots.get(key) ?? { count: 0, retained: 0, holders: new Map<string, number>() };
      entry.count += 1;
      entry.retained += retained[node]!;
      const holder = holderName(after, idom[node]!, node);
      entry.holders.set(holder, (entry.holders.get(holder) ?? 0) + 1);
      roots.set(key, entry);
    }
    const parent = idom[node]!;
    const holderKey = isNew(parent) ? after.key(parent) : '(old)';
    const tally = dominatedBy.get(key) ?? new Map<string, number>();
    tally.set(holderKey, (tally.get(holderKey) ?? 0) + after.selfSize[node]!);
    dominatedBy.set(key, tally);
  }
  for (const entry of roots.values()) {
    entry.count /= count;
    entry.retained /= count;
  }
  const closures = new Map<string, { count: number; bytes: number; variables: string }>();
  const countedContexts = new Set<number>();
  for (let node = 0; node < after.nodeCount; node++) {
    if (after.nodeType(node) !== 'closure' || !isNew(node)) continue;
    const where = after.where(node);
    const entry = closures.get(where) ?? {
      count: 0,
      bytes: 0,
      variables: after.contextVariables(node).join(', '),
    };
    entry.count += 1;
    entry.bytes += after.selfSize[node]!;
    const context = after.child(node, 'context');
    if (context >= 0 && isNew(context) && !countedContexts.has(context)) {
      countedContexts.add(context);
      entry.bytes += after.selfSize[context]!;
    }
    closures.set(where, entry);
  }
  for (const entry of closures.values()) {
    entry.count /= count;
    entry.bytes /= count;
  }
  let heapSelfBytes = 0;
  for (const cost of classes.values()) heapSelfBytes += cost.bytes;
  const who = (flags.who?.split(',') ?? []).flatMap((wanted) => whoHolds(after, isNew, wanted.trim(), count));
  return {
    label: prefix,
    connections: count,
    classes,
    roots,
    dominatedBy,
    heapSelfBytes,
    who,
    closures,
    memory: { before: memoryFile(`${prefix}-0`), after: memoryFile(`${prefix}-${count}`) },
  };
}

function byClass(graph: HeapGraph): Map<string, ClassCost> {
  const classes = new Map<string, ClassCost>();
  for (let node = 0; node < graph.nodeCount; node++) {
    if (graph.nodeType(node) === 'synthetic') continue;
    const key = graph.key(node);
    const cost = classes.get(key) ?? { count: 0, bytes: 0 };
    cost.count += 1;
    cost.bytes += graph.selfSize[node]!;
    classes.set(key, cost);
  }
  return classes;
}

/**
 * `Owner → edge` for the edge from `holder` to `node`; when the holder is the synthetic root (more
 * than one path keeps `node`), the strong retainers instead, joined with `+`.
 */
function holderName(graph: HeapGraph, holder: number, node: number): string {
  const weak = graph.edgeTypes.indexOf('weak');
  if (graph.nodeType(holder) === 'synthetic') {
    const names = graph
      .retainers(node)
      .filter(({ edge }) => graph.edgeType[edge] !== weak)
      .map(({ edge, from }) => `${graph.key(from)} → ${edgeText(graph, edge)}`);
    return [...new Set(names)].sort().join(' + ') || '(root)';
  }
  for (let index = graph.firstEdge[holder]!; index < graph.firstEdge[holder + 1]!; index++) {
    if (graph.edgeTo[index] === node && graph.edgeType[index] !== weak)
      return `${graph.key(holder)} → ${edgeText(graph, index)}`;
  }
  return graph.key(holder);
}

/** An edge's name, with element indices folded (`[n]`) so that many instances tally together. */
function edgeText(graph: HeapGraph, edge: number): string {
  const label = graph.edgeLabel(edge);
  return /^\[?\d+\]?$/.test(label) ? '[n]' : label;
}

/**
 * For `--who CLASS`: who points at the new instances of CLASS (`Owner → edge`), and who points at
 * those owners, tallied over the instances.
 */
function whoHolds(
  graph: HeapGraph,
  isNew: (node: number) => boolean,
  wanted: string,
  count: number,
): string[] {
  const weak = graph.edgeTypes.indexOf('weak');
  const tally = new Map<string, number>();
  let instances = 0;
  for (let node = 0; node < graph.nodeCount; node++) {
    if (!isNew(node) || graph.key(node) !== wanted) continue;
    instances++;
    for (const { edge, from } of graph.retainers(node)) {
      if (graph.edgeType[edge] === weak) continue;
      const first = `${graph.key(from)} → ${edgeText(graph, edge)}`;
      const up = graph
        .retainers(from)
        .filter((retainer) => graph.edgeType[retainer.edge] !== weak)
        .slice(0, 3)
        .map((retainer) => `${graph.key(retainer.from)} → ${edgeText(graph, retainer.edge)}`);
      const path = `${first}  ⟵  ${[...new Set(up)].join(' + ') || '(none)'}`;
      tally.set(path, (tally.get(path) ?? 0) + 1);
    }
  }
  const lines = [`#### who holds ${wanted} (${(instances / count).toFixed(2)} new per connection)`, ''];
  for (const [path, n] of [...tally].sort((x, y) => y[1] - x[1]).slice(0, 12))
    lines.push(`- ${(n / count).toFixed(2)}/conn: ${path}`);
  return [...lines, ''];
}

function memoryFile(label: string): MemoryFile | null {
  const path = join(dir!, `${label}.memory.json`);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as MemoryFile) : null;
}

function print(row: string, ours: Summary, baseline: Summary | null): void {
  const out: string[] = [];
  const name = baseline ? `${ours.label} vs ${baseline.label}` : ours.label;
  out.push(`## ${row}: ${name} (N = ${ours.connections}${baseline ? ` / ${baseline.connections}` : ''})`, '');
  out.push(...memoryLines(ours), ...(baseline ? memoryLines(baseline) : []), '');

  out.push('### Net change by class, bytes per connection (self sizes)', '');
  out.push('| class | ours n/conn | ours B/conn | raw n/conn | raw B/conn | ours − raw B |');
  out.push('|---|---:|---:|---:|---:|---:|');
  const keys = new Set([...ours.classes.keys(), ...(baseline?.classes.keys() ?? [])]);
  const diff = [...keys].map((key) => {
    const a = ours.classes.get(key) ?? { count: 0, bytes: 0 };
    const b = baseline?.classes.get(key) ?? { count: 0, bytes: 0 };
    return { key, a, b, delta: a.bytes - b.bytes };
  });
  diff.sort((x, y) => Math.abs(y.delta) - Math.abs(x.delta));
  for (const { key, a, b, delta } of diff.slice(0, top)) {
    out.push(
      `| ${cell(key)} | ${a.count.toFixed(2)} | ${a.bytes.toFixed(0)} | ${b.count.toFixed(2)} | ${b.bytes.toFixed(0)} | ${delta.toFixed(0)} |`,
    );
  }
  const total = (summary: Summary | null) => (summary ? summary.heapSelfBytes : 0);
  out.push(
    `| **all** | | ${total(ours).toFixed(0)} | | ${total(baseline).toFixed(0)} | ${(total(ours) - total(baseline)).toFixed(0)} |`,
    '',
  );
  for (const summary of [ours, baseline]) {
    if (!summary) continue;
    out.push(
      `### ${summary.label}: per-connection roots (new objects held by old ones), retained B/conn`,
      '',
    );
    out.push('| class | n/conn | retained B/conn | held by (share) |', '|---|---:|---:|---|');
    const roots = [...summary.roots].sort((x, y) => y[1].retained - x[1].retained);
    for (const [key, root] of roots.slice(0, Math.min(top, 15))) {
      const holders = [...root.holders].sort((x, y) => y[1] - x[1]);
      const all = holders.reduce((sum, [, n]) => sum + n, 0);
      const shown = holders
        .slice(0, 2)
        .map(([holder, n]) => `${cell(holder)} (${Math.round((100 * n) / all)} %)`)
        .join('; ');
      out.push(`| ${cell(key)} | ${root.count.toFixed(2)} | ${root.retained.toFixed(0)} | ${shown} |`);
    }
    out.push('');
    out.push(`### ${summary.label}: costliest classes and the new object that dominates them`, '');
    out.push('| class | B/conn | dominated by (share of bytes) |', '|---|---:|---|');
    const classes = [...summary.classes].sort((x, y) => y[1].bytes - x[1].bytes).slice(0, Math.min(top, 15));
    for (const [key, cost] of classes) {
      const tally = [...(summary.dominatedBy.get(key) ?? new Map<string, number>())].sort(
        (x, y) => y[1] - x[1],
      );
      const all = tally.reduce((sum, [, n]) => sum + n, 0);
      const shown = tally
        .slice(0, 3)
        .map(([holder, n]) => `${cell(holder)} (${Math.round((100 * n) / all)} %)`)
        .join('; ');
      out.push(`| ${cell(key)} | ${cost.bytes.toFixed(0)} | ${shown} |`);
    }
    out.push('');
    out.push(`### ${summary.label}: closures created per connection (closure + its context)`, '');
    out.push('| function | n/conn | B/conn | context holds |', '|---|---:|---:|---|');
    const closures = [...summary.closures].filter(([, entry]) => entry.count >= 0.5);
    closures.sort((x, y) => y[1].bytes - x[1].bytes);
    for (const [where, entry] of closures.slice(0, top))
      out.push(
        `| ${cell(where)} | ${entry.count.toFixed(2)} | ${entry.bytes.toFixed(0)} | ${cell(entry.variables)} |`,
      );
    const all = closures.reduce((sum, [, entry]) => sum + entry.bytes, 0);
    out.push(`| **all closures above** | | ${all.toFixed(0)} | |`, '', ...summary.who);
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

function memoryLines(summary: Summary): string[] {
  const { before, after } = summary.memory;
  if (!before || !after) return [];
  const n = summary.connections;
  const per = (a: number, b: number) => `${((a - b) / n / 1024).toFixed(2)} KiB`;
  const kb = (file: MemoryFile, name: string) => (file.proc[name] ?? 0) * 1024;
  return [
    `- ${summary.label}: RSS ${per(after.rss, before.rss)}/conn, V8 heap used ${per(after.heapUsed, before.heapUsed)}, ` +
      `snapshot self sizes ${(summary.heapSelfBytes / 1024).toFixed(2)} KiB, anonymous ${per(kb(after, 'Anonymous'), kb(before, 'Anonymous'))}, ` +
      `RSS − heap used ${((after.rss - before.rss - (after.heapUsed - before.heapUsed)) / n / 1024).toFixed(2)} KiB ` +
      '(the first snapshot itself inflates RSS: read RSS from a run without snapshots)',
  ];
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').slice(0, 90);
}

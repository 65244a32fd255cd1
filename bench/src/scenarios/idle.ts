import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { takeHeapSnapshot, withSnapshotSignal } from '../heap/snapshot.ts';
import type { ClientProtocol } from '../load/clients/client.ts';
import { type ClientHandle, type LoadPool, sleep } from '../load/pool.ts';
import type { ScenarioResult } from '../results.ts';
import { SWITCHBOARD } from '../results.ts';
import type { ServerUnderTest } from '../servers/server.ts';
import {
  type BenchContext,
  clientSpecs,
  errorText,
  gateway,
  names,
  rawNet,
  rawWs,
  requirePort,
  signUp,
  socketIo,
  using,
  workersFor,
} from './context.ts';
import { RowTable } from './rows.ts';

const PASSWORD = 'bench-password';
/** Registered protocols share this many accounts (a registered name may hold many connections). */
const ACCOUNTS = 100;
export const RSS_PER_CONNECTION = 'RSS per connection';

interface Contender {
  system: string;
  /** Which protocol row this is (the switchboard protocol it compares with). */
  row: string;
  protocol: ClientProtocol;
  start(context: BenchContext): Promise<ServerUnderTest>;
}

const contenders: Contender[] = [
  { system: SWITCHBOARD, row: 'json-ws', protocol: 'json-ws', start: (context) => gateway(context) },
  { system: 'raw ws', row: 'json-ws', protocol: 'json-ws', start: rawWs },
  { system: 'Socket.IO', row: 'json-ws', protocol: 'socket.io', start: (context) => socketIo(context) },
  { system: SWITCHBOARD, row: 'sessions', protocol: 'sessions', start: (context) => gateway(context) },
  { system: SWITCHBOARD, row: 'soh', protocol: 'soh', start: (context) => gateway(context) },
  { system: 'raw net', row: 'soh', protocol: 'soh', start: rawNet },
  { system: SWITCHBOARD, row: 'tcp-rooms', protocol: 'tcp-rooms', start: (context) => gateway(context) },
  { system: SWITCHBOARD, row: 'rs-us', protocol: 'rs-us', start: (context) => gateway(context) },
  { system: SWITCHBOARD, row: 'irc', protocol: 'irc', start: (context) => gateway(context) },
];

/**
 * Scenario 1: memory of idle identified connections. Each server starts fresh; its RSS (from
 * /proc) and V8 heap are read before any client and again once N connections are identified
 * and have settled; the difference over N is the cost of one connection.
 */
export async function idleScenario(
  context: BenchContext,
  /** Only these protocol rows (a short run of one protocol against its raw floor); all when absent. */
  onlyRows?: readonly string[],
  /**
   * Write a heap snapshot of each server before the first connection and after each step here
   * (`<row>-<system>-<count>.heapsnapshot`, beside a `.memory.json` with /proc's view); read them
   * with bench/src/heap/analyze.ts. Snapshots inflate the RSS figures of the steps after them.
   */
  heapSnapshotDir?: string,
): Promise<ScenarioResult> {
  const table = new RowTable();
  const notes: string[] = [];
  const counts = context.scale.idleCounts.map((count) => Math.min(count, context.maxConnectionsPerProcess));
  if (counts.some((count, index) => count < context.scale.idleCounts[index]!)) {
    notes.push(
      `Asked for ${context.scale.idleCounts.join(' and ')} connections; one process may open only ${context.maxConnectionsPerProcess} here (open-files limit), so the larger step is ${counts.at(-1)}.`,
    );
  }
  for (const contender of contenders) {
    if (onlyRows && !onlyRows.includes(contender.row)) continue;
    context.log(`idle ${contender.row}: ${contender.system}`);
    let measured: Array<{ count: number; rss: number; heap: number }> = [];
    try {
      const start = () => contender.start(context);
      const snapshots = heapSnapshotDir && {
        dir: heapSnapshotDir,
        prefix: `${contender.row}-${contender.system}`.replaceAll(/[^A-Za-z0-9.-]+/g, '-'),
      };
      measured = await using(
        async () =>
          requirePort(
            await (snapshots ? withSnapshotSignal(snapshots.dir, start) : start()),
            contender.protocol,
          ),
        workersFor(context, Math.max(...counts)),
        (pool, server) =>
          openAndMeasure(context, pool, server, contender.protocol, counts, snapshots || undefined),
      );
    } catch (error) {
      notes.push(`${contender.row} on ${contender.system}: not measured (${errorText(error)})`);
    }
    for (const [index, count] of counts.entries()) {
      const step = measured[index];
      const caseName = `${contender.row} × ${count.toLocaleString('en-US')}`;
      table.set(
        caseName,
        RSS_PER_CONNECTION,
        'KiB',
        'lower',
        contender.system,
        step ? step.rss / 1024 : null,
      );
      table.set(
        caseName,
        'heap per connection',
        'KiB',
        'lower',
        contender.system,
        step ? step.heap / 1024 : null,
      );
    }
  }
  // Rows without a raw relay of their own borrow the nearest one: raw ws for sessions (a WebSocket
  // with a name), raw net (the SOH relay) as the raw-TCP floor for tcp-rooms and rs-us.
  const borrowed: Record<string, [row: string, system: string]> = {
    sessions: ['json-ws', 'raw ws'],
    'tcp-rooms': ['soh', 'raw net'],
    'rs-us': ['soh', 'raw net'],
    irc: ['soh', 'raw net'],
  };
  for (const row of table.rows) {
    const protocol = row.case.split(' × ')[0]!;
    const borrow = borrowed[protocol];
    if (!borrow) continue;
    const [from, system] = borrow;
    const reference = table.rows.find(
      (candidate) => candidate.metric === row.metric && candidate.case === row.case.replace(protocol, from),
    );
    row.values[system] = reference?.values[system] ?? null;
  }
  return {
    id: 'idle',
    title: '1. Idle identified connections: memory per connection',
    systems: [SWITCHBOARD, 'raw ws', 'raw net', 'Socket.IO'],
    rows: table.rows,
    chartMetric: RSS_PER_CONNECTION,
    notes: [
      `(RSS or heap after N identified connections − before the first) / N, read ${context.scale.settleSeconds} s after the last one was identified. tcp-rooms and rs-us connections are logged in (100 accounts shared); soh connections have sent their name (soh never answers it). irc connections have registered (NICK, USER) and joined #main. The raw ws figure of the sessions row repeats the json-ws one; the raw net figure of tcp-rooms, rs-us and irc repeats the SOH relay, the raw-TCP floor.`,
      ...notes,
    ],
  };
}

async function openAndMeasure(
  context: BenchContext,
  pool: LoadPool,
  server: ServerUnderTest,
  protocol: ClientProtocol,
  counts: number[],
  snapshots?: { dir: string; prefix: string },
): Promise<Array<{ count: number; rss: number; heap: number }>> {
  const snapshot = async (count: number, memory: { rss: number; heapUsed: number }) => {
    if (!snapshots) return;
    const pid = server.pids[0]!;
    const label = `${snapshots.prefix}-${count}`;
    const proc = readProc(pid);
    const admin = server.ports.admin;
    const metrics = admin === undefined ? undefined : await processMetrics(admin);
    const path = await takeHeapSnapshot(pid, snapshots.dir, label);
    writeFileSync(
      join(snapshots.dir, `${label}.memory.json`),
      `${JSON.stringify({ count, ...memory, proc, metrics })}\n`,
    );
    context.log(`  heap snapshot ${path}`);
  };
  const registered = protocol === 'tcp-rooms' || protocol === 'rs-us';
  const accountCount = Math.min(ACCOUNTS, counts[0]!);
  const accounts = names('acct', accountCount);
  if (registered) await signUp(pool, server, accounts, PASSWORD);
  await sleep(context.scale.settleSeconds * 1000);
  const before = await server.memory();
  await snapshot(0, before);
  const results: Array<{ count: number; rss: number; heap: number }> = [];
  const open: ClientHandle[] = [];
  for (const count of counts) {
    const clientNames = registered
      ? Array.from(
          { length: count - open.length },
          (_, index) => accounts[(open.length + index) % accountCount]!,
        )
      : names('i', count - open.length, open.length);
    const { handles, summary } = await pool.open(clientSpecs(server, protocol, clientNames, PASSWORD), {
      concurrency: context.scale.openConcurrency,
      timeoutMs: 60_000,
    });
    if (summary.failed > 0)
      throw new Error(`${summary.failed} of ${clientNames.length} failed: ${summary.firstError}`);
    open.push(...handles);
    await sleep(context.scale.settleSeconds * 1000);
    const after = await server.memory();
    results.push({
      count,
      rss: (after.rss - before.rss) / count,
      heap: (after.heapUsed - before.heapUsed) / count,
    });
    context.log(`  ${count}: ${((after.rss - before.rss) / count / 1024).toFixed(2)} KiB RSS per connection`);
    await snapshot(count, after);
  }
  return results;
}

/** The gateway's `switchboard_process_*` gauges (heap total, external memory, …) from its admin port. */
async function processMetrics(adminPort: number): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
  const gauges: Record<string, number> = {};
  for (const match of text.matchAll(/^switchboard_process_(\w+) (\S+)$/gm))
    gauges[match[1]!] = Number(match[2]);
  return gauges;
}

/** /proc's memory view of `pid` (smaps_rollup and status lines, kB), for the snapshot's companion file. */
function readProc(pid: number): Record<string, number> {
  const fields: Record<string, number> = {};
  for (const file of ['smaps_rollup', 'status']) {
    let text = '';
    try {
      text = readFileSync(`/proc/${pid}/${file}`, 'utf8');
    } catch {
      continue;
    }
    for (const match of text.matchAll(/^(\w+):\s+(\d+) kB$/gm)) fields[match[1]!] = Number(match[2]);
  }
  return fields;
}

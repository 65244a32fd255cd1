/**
 * `node bench/src/cli.ts [--smoke] [--only idle,broadcast,direct,cluster,storm,scaling] [--profile]
 * [--out DIR] [--no-pin] [--keep] [--idle-rows json-ws,soh,…] [--idle-counts 5000,…]
 * [--heap-snapshots DIR]`: runs the scenarios against switchboard and the baselines in one run
 * and writes the report (markdown, JSON, one SVG per scenario). `--heap-snapshots` makes the idle
 * scenario write heap snapshots of every server it measures (read them with
 * bench/src/heap/analyze.ts).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sleep } from './load/pool.ts';
import { connectionsPerProcess, describeMachine } from './machine.ts';
import { type RunReport, renderMarkdown } from './report/markdown.ts';
import type { ProfileSummary } from './report/profile.ts';
import { barChart } from './report/svg.ts';
import type { ScenarioResult } from './results.ts';
import { scales } from './scale.ts';
import { broadcastScenario } from './scenarios/broadcast.ts';
import { clusterScenario } from './scenarios/cluster.ts';
import { type BenchContext, foreignCpuMeter } from './scenarios/context.ts';
import { directScenario } from './scenarios/direct.ts';
import { idleScenario } from './scenarios/idle.ts';
import { profileGateway } from './scenarios/profiles.ts';
import { scalingScenario } from './scenarios/scaling.ts';
import { stormScenario } from './scenarios/storm.ts';
import { BENCH_ENVIRONMENT } from './servers/gateway-server.ts';
import { canPin, pinSelf } from './servers/process-stats.ts';

const SCENARIOS: Record<string, { title: string; run(context: BenchContext): Promise<ScenarioResult> }> = {
  idle: {
    title: '1. Idle identified connections',
    run: (context) =>
      idleScenario(
        context,
        flags['idle-rows']?.split(',').map((row) => row.trim()),
        flags['heap-snapshots'] && resolve(flags['heap-snapshots']),
      ),
  },
  broadcast: { title: '2. Broadcast fan-out', run: broadcastScenario },
  direct: { title: '3. Direct messages', run: directScenario },
  cluster: { title: '4. Cluster', run: clusterScenario },
  storm: { title: '5. Connect storm', run: stormScenario },
  scaling: { title: '6. Scaling out', run: scalingScenario },
};

const { values: flags } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    only: { type: 'string' },
    profile: { type: 'boolean', default: false },
    out: { type: 'string', default: fileURLToPath(new URL('../results', import.meta.url)) },
    'no-pin': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    'idle-rows': { type: 'string' },
    'idle-counts': { type: 'string' },
    'heap-snapshots': { type: 'string' },
  },
});

const started = performance.now();
const scale = {
  ...scales[flags.smoke ? 'smoke' : 'full'],
  ...(flags['idle-counts'] && { idleCounts: flags['idle-counts'].split(',').map(Number) }),
};
if (flags['heap-snapshots']) mkdirSync(flags['heap-snapshots'], { recursive: true });
const machine = describeMachine();
const pin = !flags['no-pin'] && canPin(machine.cores);
if (pin) pinSelf(1); // the generator (and every worker it forks) on core 1, servers on core 0
const runDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-'));
const context: BenchContext = {
  scale,
  runDir,
  serverCore: pin ? 0 : null,
  maxConnectionsPerProcess: connectionsPerProcess(),
  log: (line) =>
    process.stderr.write(
      `[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(4)}s] ${line}\n`,
    ),
};

// Other work on this machine skews every figure: measure it before starting, and say so.
const otherWork = foreignCpuMeter([]);
await sleep(1000);
const otherWorkBefore = otherWork();
if (otherWorkBefore > 10)
  context.log(`other processes are using ${otherWorkBefore.toFixed(0)}% of a core: figures will suffer`);

const chosen = flags.only ? flags.only.split(',').map((id) => id.trim()) : Object.keys(SCENARIOS);
const scenarios: ScenarioResult[] = [];
for (const id of chosen) {
  const scenario = SCENARIOS[id];
  if (!scenario) throw new Error(`unknown scenario ${id}; choose from ${Object.keys(SCENARIOS).join(', ')}`);
  try {
    scenarios.push(await scenario.run(context));
  } catch (error) {
    context.log(`${id} failed: ${(error as Error).stack}`);
    scenarios.push({
      id,
      title: scenario.title,
      systems: ['switchboard'],
      rows: [],
      chartMetric: '',
      notes: [`failed: ${(error as Error).message}`],
    });
  }
}
let profiles: ProfileSummary[] = [];
if (flags.profile) {
  try {
    profiles = await profileGateway(context);
  } catch (error) {
    context.log(`profiling failed: ${(error as Error).stack}`);
  }
}

const date = new Date().toISOString().slice(0, 10);
const report: RunReport = {
  date,
  scale: scale.name,
  seconds: (performance.now() - started) / 1000,
  machine,
  settings: [
    pin
      ? 'Servers (every gateway, baseline and Redis) pinned to core 0 with `taskset -c 0`; the load generator and its workers to core 1.'
      : 'Not pinned (taskset unavailable, one core, or --no-pin): servers and generator share the cores.',
    `Load generator: ${scale.connectionsPerWorker} connections per worker process at most, sources 127.0.0.2–127.0.0.61 (\`localAddress\`), ${scale.textBytes}-byte texts carrying a CLOCK_MONOTONIC send stamp; latency histograms are log-bucketed (16 per octave, ±4.4 %).`,
    `switchboard runs as shipped (\`switchboard serve\`, SQLite, log level info, logs to a file) except: ${Object.entries(
      BENCH_ENVIRONMENT,
    )
      .map(([name, value]) => `\`${name}=${value}\``)
      .join(', ')} (why: see bench/src/servers/gateway-server.ts).`,
    `Other processes on the machine used ${otherWorkBefore.toFixed(0)}% of one core in the second before the run; each traffic table shows their use during its windows ("other processes CPU").`,
    `One process may hold ${context.maxConnectionsPerProcess} connections here (open files ${machine.openFilesLimit}; raising the hard limit needs CAP_SYS_RESOURCE).`,
    `Scale: ${JSON.stringify(scale)}`,
  ],
  scenarios,
  profiles,
};

const out = flags.out;
mkdirSync(out, { recursive: true });
const chartFile = (scenario: ScenarioResult) => `${date}-${scenario.id}.svg`;
for (const scenario of scenarios) writeFileSync(join(out, chartFile(scenario)), barChart(scenario));
const markdown = renderMarkdown(report, chartFile);
writeFileSync(join(out, `${date}.md`), markdown);
writeFileSync(join(out, 'latest.md'), markdown);
writeFileSync(join(out, `${date}.json`), `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(join(out, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
if (!flags.keep) rmSync(runDir, { recursive: true, force: true });
context.log(`report: ${join(out, `${date}.md`)}`);
process.exit(0);

/**
 * `node bench/src/irc-run.ts [--connections N] [--pairs N]`: the idle and direct scenarios for
 * IRC alone, against the raw net relay in the same run (SOH framing, the raw-TCP floor), at a
 * size that takes about a minute. Prints the rows as JSON; the full report is `cli.ts`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connectionsPerProcess, describeMachine } from './machine.ts';
import { scales } from './scale.ts';
import type { BenchContext } from './scenarios/context.ts';
import { directScenario } from './scenarios/direct.ts';
import { idleScenario } from './scenarios/idle.ts';
import { canPin, pinSelf } from './servers/process-stats.ts';

const { values: flags } = parseArgs({
  options: {
    connections: { type: 'string', default: '10000' },
    pairs: { type: 'string', default: '100' },
  },
});
const started = performance.now();
const machine = describeMachine();
const pin = canPin(machine.cores);
if (pin) pinSelf(1);
const context: BenchContext = {
  scale: { ...scales.full, idleCounts: [Number(flags.connections)], directPairs: Number(flags.pairs) },
  runDir: mkdtempSync(join(tmpdir(), 'switchboard-bench-irc-')),
  serverCore: pin ? 0 : null,
  maxConnectionsPerProcess: connectionsPerProcess(),
  log: (line) =>
    process.stderr.write(
      `[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(4)}s] ${line}\n`,
    ),
};
const idle = await idleScenario(context, ['irc', 'soh']);
const direct = await directScenario(context, ['irc → irc', 'soh → soh']);
for (const scenario of [idle, direct]) {
  process.stdout.write(
    `${JSON.stringify({ id: scenario.id, rows: scenario.rows, notes: scenario.notes }, null, 1)}\n`,
  );
}
process.exit(0);

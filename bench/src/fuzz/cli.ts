import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type CampaignOptions, runCampaign } from './campaign.ts';
import { renderReport } from './report.ts';

/**
 * `npm run fuzz`: a live fuzz campaign against a fresh gateway on every port, with a bystander
 * pair chatting through it. Exits 1 when a gate fails (crash, lost or late bystander messages,
 * RSS not back, too few inputs). Full runs write bench/results/fuzz-latest.md.
 */

const REPORT = fileURLToPath(new URL('../../results/fuzz-latest.md', import.meta.url));

const { values } = parseArgs({
  options: {
    inputs: { type: 'string' },
    seconds: { type: 'string' },
    concurrency: { type: 'string' },
    rate: { type: 'string' },
    only: { type: 'string' },
    seed: { type: 'string' },
    smoke: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});

const smoke = values.smoke ?? false;
const options: CampaignOptions = {
  inputs: Number(values.inputs ?? (smoke ? 3_000 : 1_000_000)),
  seconds: Number(values.seconds ?? (smoke ? 15 : 900)),
  concurrency: Number(values.concurrency ?? (smoke ? 4 : 12)),
  rate: Number(values.rate ?? 4_000),
  only: values.only,
  seed: Number(values.seed ?? Math.floor(Math.random() * 1_000_000)),
  settleSeconds: smoke ? 10 : 30,
  warmUpSeconds: smoke ? 1 : 5,
  controlSeconds: smoke ? 2 : 10,
  progress: (line) => console.error(`[fuzz] ${line}`),
};
for (const [key, value] of Object.entries(options)) {
  if (typeof value === 'number' && !(value >= 0)) {
    console.error(`--${key} must be a non-negative number`);
    process.exit(2);
  }
}

const result = await runCampaign(options);
const machine = `commit ${commit()}; ${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown'}), Node ${process.versions.node}`;
const report = renderReport(result, machine);
console.log(report);
const out = values.out ?? (smoke ? null : REPORT);
if (out) {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, report);
  console.error(`[fuzz] report written to ${out}`);
}
process.exit(result.gates.every((gate) => gate.pass) ? 0 : 1);

/** The commit under test, so a report can be matched with the code it judged. */
function commit(): string {
  try {
    const cwd = fileURLToPath(new URL('.', import.meta.url));
    const hash = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd,
      encoding: 'utf8',
    }).trim();
    return dirty === '' ? hash : `${hash} (with uncommitted changes)`;
  } catch {
    return 'unknown';
  }
}

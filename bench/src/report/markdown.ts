import type { Machine } from '../machine.ts';
import type { ScenarioResult } from '../results.ts';
import { SWITCHBOARD } from '../results.ts';
import type { ProfileSummary } from './profile.ts';
import { formatNumber } from './svg.ts';
import { checkTargets } from './targets.ts';

export interface RunReport {
  date: string;
  scale: string;
  seconds: number;
  machine: Machine;
  settings: string[];
  scenarios: ScenarioResult[];
  profiles: ProfileSummary[];
}

/** The report: machine, targets, then every scenario's figures with switchboard ÷ baseline beside them. */
export function renderMarkdown(report: RunReport, chartFile: (scenario: ScenarioResult) => string): string {
  const { machine } = report;
  const lines: string[] = [
    `# switchboard benchmarks — ${report.date} (${report.scale} run, ${Math.round(report.seconds)} s)`,
    '',
    'Every figure below was measured in this run by `bench/src/cli.ts`; ratios are switchboard ÷ baseline',
    '(for throughput, above 1 is better; for memory and latency, below 1 is better).',
    '',
    '## Machine',
    '',
    `- CPU: ${machine.cpu}, ${machine.cores} cores; memory ${machine.memoryGiB.toFixed(1)} GiB; kernel ${machine.kernel}`,
    `- Node ${machine.node}; open files: ${machine.openFilesLimit}`,
    `- ${Object.entries(machine.versions)
      .map(([name, version]) => `${name} ${version}`)
      .join(', ')}`,
    '',
    '## How it was run',
    '',
    ...report.settings.map((setting) => `- ${setting}`),
    '',
    '## Targets (goals, not gates)',
    '',
    '| target | case | measured | met |',
    '|---|---|---|---|',
    ...checkTargets(report.scenarios).map(
      (check) =>
        `| ${check.target} | ${check.case} | ${check.measured} | ${check.met === null ? '—' : check.met ? 'yes' : '**no**'} |`,
    ),
    '',
  ];
  for (const scenario of report.scenarios) lines.push(...scenarioSection(scenario, chartFile(scenario)));
  if (report.profiles.length > 0) {
    lines.push('## Where the gateway spends its time (`node --cpu-prof`, self time)', '');
    for (const profile of report.profiles) {
      lines.push(
        `### ${profile.label} (${formatNumber(profile.totalMs)} ms sampled)`,
        '',
        '| self % | self ms | function | where |',
        '|---:|---:|---|---|',
      );
      for (const entry of profile.top) {
        lines.push(
          `| ${entry.percent.toFixed(1)} | ${formatNumber(entry.selfMs)} | \`${entry.function}\` | ${entry.location} |`,
        );
      }
      lines.push('');
    }
  }
  return `${lines.join('\n')}\n`;
}

function scenarioSection(scenario: ScenarioResult, chart: string): string[] {
  const baselines = scenario.systems.filter(
    (system) => system !== SWITCHBOARD && scenario.rows.some((row) => row.values[system] != null),
  );
  const header = ['case', 'metric', SWITCHBOARD, ...baselines.flatMap((system) => [system, `÷ ${system}`])];
  const lines = [
    `## ${scenario.title}`,
    '',
    `![${scenario.title}](${chart})`,
    '',
    `| ${header.join(' | ')} |`,
    `|${header.map((_, index) => (index < 2 ? '---' : '---:')).join('|')}|`,
  ];
  for (const row of scenario.rows) {
    const ours = row.values[SWITCHBOARD] ?? null;
    const cells = [row.case, `${row.metric} (${row.unit})`, show(ours)];
    for (const system of baselines) {
      const theirs = row.values[system] ?? null;
      cells.push(
        show(theirs),
        ours !== null && theirs !== null && theirs !== 0 ? `${(ours / theirs).toFixed(2)}×` : '—',
      );
    }
    lines.push(`| ${cells.join(' | ')} |`);
  }
  lines.push('', ...scenario.notes.map((note) => `- ${note}`), '');
  return lines;
}

function show(value: number | null): string {
  return value === null ? 'n/a' : formatNumber(value);
}

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunReport } from './report/markdown.ts';
import { SWITCHBOARD } from './results.ts';

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'switchboard-bench-smoke-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** The harness in `--smoke` mode, end to end, so it never rots: every scenario must yield numbers. */
describe('bench --smoke', () => {
  it('measures every scenario for switchboard and its baselines and writes the report', async () => {
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [CLI, '--smoke', '--no-pin', '--out', out], {
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      child.once('exit', resolve);
    });
    expect(code).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8')) as RunReport;
    expect(report.scenarios.map((scenario) => scenario.id)).toEqual([
      'idle',
      'broadcast',
      'direct',
      'cluster',
      'storm',
      'scaling',
    ]);
    for (const scenario of report.scenarios) {
      const charted = scenario.rows.filter((row) => row.metric === scenario.chartMetric);
      for (const system of scenario.systems) {
        const figures = charted.map((row) => row.values[system]).filter((value) => typeof value === 'number');
        expect(figures.length, `${scenario.id}: ${system} has a figure`).toBeGreaterThan(0);
        for (const figure of figures) expect(Number.isFinite(figure), `${scenario.id}: ${system}`).toBe(true);
      }
      expect(existsSync(join(out, `${report.date}-${scenario.id}.svg`))).toBe(true);
    }
    const switchboardThroughput = report.scenarios
      .find((scenario) => scenario.id === 'direct')!
      .rows.find((row) => row.metric === 'messages at saturation')!.values[SWITCHBOARD];
    expect(switchboardThroughput).toBeGreaterThan(0);
    expect(readFileSync(join(out, 'latest.md'), 'utf8')).toContain('## Targets');
  }, 240_000);
});

import type { ScenarioResult } from '../results.ts';

const COLORS = ['#2563eb', '#f59e0b', '#10b981', '#ef4444', '#8b5cf6'];
const BAR = 14;
const GAP = 6;
const LABEL_WIDTH = 190;
const PLOT_WIDTH = 420;
const VALUE_WIDTH = 90;

/**
 * One horizontal grouped-bar chart of a scenario's chart metric: a group per case, a bar per
 * system, scaled to the largest value. Hand-written SVG, no chart library.
 */
export function barChart(scenario: ScenarioResult): string {
  const rows = scenario.rows.filter((row) => row.metric === scenario.chartMetric);
  const systems = scenario.systems.filter((system) => rows.some((row) => row.values[system] != null));
  const unit = rows[0]?.unit ?? '';
  const max = Math.max(1e-9, ...rows.flatMap((row) => systems.map((system) => row.values[system] ?? 0)));
  const groupHeight = systems.length * (BAR + 2) + GAP * 2;
  const top = 40;
  const legendY = top + rows.length * groupHeight + 10;
  const height = legendY + 24;
  const width = LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="8" y="20" font-size="14" font-weight="bold">${escapeXml(scenario.title)}</text>`,
    `<text x="8" y="34" fill="#555">${escapeXml(scenario.chartMetric)} (${escapeXml(unit)})</text>`,
  ];
  rows.forEach((row, rowIndex) => {
    const y0 = top + rowIndex * groupHeight + GAP;
    parts.push(`<text x="8" y="${y0 + groupHeight / 2}" fill="#111">${escapeXml(row.case)}</text>`);
    systems.forEach((system, systemIndex) => {
      const value = row.values[system];
      const y = y0 + systemIndex * (BAR + 2);
      if (value == null) {
        parts.push(`<text x="${LABEL_WIDTH}" y="${y + BAR - 3}" fill="#999">n/a</text>`);
        return;
      }
      const length = Math.max(1, (value / max) * PLOT_WIDTH);
      parts.push(
        `<rect x="${LABEL_WIDTH}" y="${y}" width="${length.toFixed(1)}" height="${BAR}" fill="${COLORS[systemIndex % COLORS.length]}"/>`,
        `<text x="${(LABEL_WIDTH + length + 4).toFixed(1)}" y="${y + BAR - 3}">${escapeXml(formatNumber(value))}</text>`,
      );
    });
  });
  let x = 8;
  systems.forEach((system, index) => {
    parts.push(
      `<rect x="${x}" y="${legendY}" width="12" height="12" fill="${COLORS[index % COLORS.length]}"/>`,
      `<text x="${x + 16}" y="${legendY + 10}">${escapeXml(system)}</text>`,
    );
    x += 24 + system.length * 7;
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 1000) return Math.round(value).toLocaleString('en-US');
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

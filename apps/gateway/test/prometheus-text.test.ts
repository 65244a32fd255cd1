import { Name } from '@switchboard/core';
import { createTestHub, FakeClock } from '@switchboard/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayMetrics } from '../src/metrics.ts';
import { parsePrometheusText, sampleValue } from './prometheus-parse.ts';

const sink = { deliver() {}, replaced() {} };
let stop: () => void = () => {};
afterEach(() => stop());

function metricsFor(adapters: string[]) {
  const clock = new FakeClock();
  const hub = createTestHub({ clock });
  const metrics = new GatewayMetrics(hub, adapters, () => 0);
  stop = () => {
    metrics.stop();
    hub.close();
  };
  return { hub, clock, metrics };
}

describe('the Prometheus text of /metrics', () => {
  it('is well-formed: every line a HELP, TYPE or sample that parses, HELP and TYPE once per family, before its samples', async () => {
    const { hub, clock, metrics } = metricsFor(['json-ws', 'soh']);
    const a = hub.open('json-ws', '10.0.0.1', sink)!;
    clock.advance(30);
    await a.claimGuest(Name.fromText('alice'));
    const text = metrics.render();
    const exposition = parsePrometheusText(text);
    const families = [...text.matchAll(/^# TYPE (\S+)/gm)].map(([, name]) => name);
    expect(new Set(families).size).toBe(families.length);
    expect(exposition.families.size).toBe(families.length);
    expect(exposition.samples.length).toBeGreaterThan(60);
  });

  it('renders histograms per protocol with cumulative buckets that end at the count', async () => {
    const { hub, clock, metrics } = metricsFor(['json-ws']);
    for (const wait of [3, 40, 40, 7_000]) {
      const session = hub.open('json-ws', '10.0.0.1', sink)!;
      clock.advance(wait);
      await session.claimGuest(Name.fromText(`u${wait}-${Math.random()}`));
    }
    const exposition = parsePrometheusText(metrics.render());
    const buckets = exposition.samples.filter(
      (sample) =>
        sample.name === 'switchboard_identification_seconds_bucket' && sample.labels.protocol === 'json-ws',
    );
    const counts = buckets.map((bucket) => bucket.value);
    expect(counts).toEqual([...counts].sort((x, y) => x - y));
    expect(buckets.at(-1)!.labels.le).toBe('+Inf');
    expect(counts.at(-1)).toBe(4);
    const at = (le: string) => buckets.find((bucket) => bucket.labels.le === le)!.value;
    expect([at('0.001'), at('0.005'), at('0.05'), at('5'), at('10')]).toEqual([0, 1, 3, 3, 4]);
    const sum = sampleValue(exposition, 'switchboard_identification_seconds_sum', { protocol: 'json-ws' });
    expect(sum).toBeCloseTo(7.083, 6);
  });

  it('escapes label values, so a plug-in’s protocol name cannot break a line', () => {
    const odd = 'we"ird\\proto\ncol';
    const { hub, metrics } = metricsFor([odd]);
    hub.open(odd, '10.0.0.1', sink);
    const exposition = parsePrometheusText(metrics.render());
    expect(sampleValue(exposition, 'switchboard_connections_open', { protocol: odd })).toBe(1);
  });

  it('the reader refuses what is not well-formed', () => {
    const good = '# HELP a_total A.\n# TYPE a_total counter\na_total{x="1"} 3\n';
    expect(() => parsePrometheusText(good)).not.toThrow();
    const bad = {
      'HELP twice': '# HELP a A.\n# HELP a A.\n# TYPE a gauge\na 1\n',
      'TYPE twice': '# HELP a A.\n# TYPE a gauge\n# TYPE a gauge\na 1\n',
      'no TYPE': '# HELP a A.\na 1\n',
      'TYPE after samples': '# HELP a A.\n# TYPE a gauge\na 1\n# HELP b B.\n# TYPE a gauge\n',
      'a bad value': '# HELP a A.\n# TYPE a gauge\na one\n',
      'an undeclared family': '# HELP a A.\n# TYPE a gauge\nb 1\n',
      'an unterminated label': '# HELP a A.\n# TYPE a gauge\na{x="1} 1\n',
      'a series twice': '# HELP a A.\n# TYPE a gauge\na{x="1"} 1\na{x="1"} 2\n',
      'no final line feed': '# HELP a A.\n# TYPE a gauge\na 1',
    };
    for (const [what, text] of Object.entries(bad)) expect(() => parsePrometheusText(text), what).toThrow();
  });
});

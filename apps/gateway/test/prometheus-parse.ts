/**
 * A strict reader of the Prometheus text format (0.0.4) for tests: every line must be a HELP, a
 * TYPE or a sample, each family's HELP and TYPE come once and before its samples, and a sample's
 * name must belong to a declared family (histograms: `_bucket`, `_sum`, `_count`; summaries:
 * `_sum`, `_count` and quantiles). Anything else throws, naming the line.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: string;
  help: string;
}

export interface Exposition {
  families: Map<string, Family>;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const VALUE = /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?Inf|NaN)$/;

/** The family a sample name belongs to, given the declared families. */
function familyOf(name: string, families: Map<string, Family>): Family | undefined {
  const exact = families.get(name);
  if (exact) return exact;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!name.endsWith(suffix)) continue;
    const family = families.get(name.slice(0, -suffix.length));
    if (!family) continue;
    if (family.type === 'histogram') return family;
    if (family.type === 'summary' && suffix !== '_bucket') return family;
  }
  return undefined;
}

/** Labels of `{a="x",b="y"}`, with the format's escapes (backslash, quote, \n). */
function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let at = 0;
  while (at < text.length) {
    const eq = text.indexOf('=', at);
    if (eq < 0) throw new Error(`bad labels: ${line}`);
    const key = text.slice(at, eq);
    if (!LABEL_NAME.test(key)) throw new Error(`bad label name ${JSON.stringify(key)}: ${line}`);
    if (key in labels) throw new Error(`label ${key} twice: ${line}`);
    if (text[eq + 1] !== '"') throw new Error(`unquoted label value: ${line}`);
    let value = '';
    let i = eq + 2;
    for (; i < text.length && text[i] !== '"'; i++) {
      if (text[i] !== '\\') {
        value += text[i];
        continue;
      }
      const next = text[++i];
      if (next === 'n') value += '\n';
      else if (next === '\\' || next === '"') value += next;
      else throw new Error(`bad escape in label value: ${line}`);
    }
    if (text[i] !== '"') throw new Error(`unterminated label value: ${line}`);
    labels[key] = value;
    at = i + 1;
    if (at < text.length) {
      if (text[at] !== ',') throw new Error(`expected , between labels: ${line}`);
      at += 1;
    }
  }
  return labels;
}

export function parsePrometheusText(text: string): Exposition {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a line feed');
  const families = new Map<string, Family>();
  const helped = new Set<string>();
  const sampled = new Set<string>();
  const samples: Sample[] = [];
  const seenSeries = new Set<string>();
  for (const line of text.slice(0, -1).split('\n')) {
    if (line.startsWith('# HELP ') || line.startsWith('# TYPE ')) {
      const [, kind, name, ...rest] = line.split(' ');
      if (!name || !METRIC_NAME.test(name)) throw new Error(`bad metric name: ${line}`);
      if (sampled.has(name)) throw new Error(`${kind} after the samples of ${name}`);
      if (kind === 'HELP') {
        if (helped.has(name)) throw new Error(`HELP twice for ${name}`);
        helped.add(name);
        const family = families.get(name);
        if (family) family.help = rest.join(' ');
        else families.set(name, { name, type: '', help: rest.join(' ') });
      } else {
        const type = rest.join(' ');
        if (!TYPES.has(type)) throw new Error(`bad type: ${line}`);
        const family = families.get(name) ?? { name, type: '', help: '' };
        if (family.type) throw new Error(`TYPE twice for ${name}`);
        family.type = type;
        families.set(name, family);
      }
      continue;
    }
    if (line.startsWith('#')) continue; // a comment
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: (-?\d+))?$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${JSON.stringify(line)}`);
    const [, name, labelText, valueText] = match as unknown as [string, string, string | undefined, string];
    if (!VALUE.test(valueText)) throw new Error(`bad value: ${line}`);
    const family = familyOf(name, families);
    if (!family?.type) throw new Error(`sample of an undeclared family: ${line}`);
    if (!helped.has(family.name)) throw new Error(`no HELP for ${family.name}`);
    sampled.add(family.name);
    const labels = labelText ? parseLabels(labelText, line) : {};
    const series = `${name}{${Object.entries(labels)
      .sort()
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(',')}}`;
    if (seenSeries.has(series)) throw new Error(`series twice: ${series}`);
    seenSeries.add(series);
    const value = valueText.endsWith('Inf')
      ? valueText.startsWith('-')
        ? -Infinity
        : Infinity
      : Number(valueText);
    samples.push({ name, labels, value });
  }
  for (const family of families.values()) {
    if (!family.type) throw new Error(`no TYPE for ${family.name}`);
    if (!helped.has(family.name)) throw new Error(`no HELP for ${family.name}`);
  }
  return { families, samples };
}

/** The value of the one sample named `name` whose labels include `labels`; throws if none. */
export function sampleValue(
  exposition: Exposition,
  name: string,
  labels: Record<string, string> = {},
): number {
  const found = exposition.samples.filter(
    (sample) =>
      sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
  if (found.length !== 1) {
    throw new Error(`${found.length} samples of ${name}${JSON.stringify(labels)}, expected 1`);
  }
  return found[0]!.value;
}

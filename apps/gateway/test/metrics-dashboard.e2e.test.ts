/**
 * The CI check of the Grafana dashboard (deploy/grafana/dashboards/*.json): a real gateway in
 * cluster mode on a private redis-server, every protocol exercised a little, /metrics scraped;
 * every series a panel or a variable queries must exist, with the labels its selectors fix and
 * its `by (...)` clauses group on. A renamed metric or label fails here, not on a dark panel.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer } from '../../../packages/cluster-redis/src/testing/redis-server.ts';
import {
  addAccount,
  adminUrl,
  eventually,
  type Gateway,
  killAll,
  presence,
  startGateway,
} from './e2e/fleet.ts';
import { jsonWs, rsUs, rsUsLogin, sessionsWs, soh, tcpRoomsLogin } from './e2e/wire.ts';
import { type Exposition, parsePrometheusText } from './prometheus-parse.ts';

const DASHBOARDS = join(dirname(fileURLToPath(import.meta.url)), '../../../deploy/grafana/dashboards');
/** Labels Prometheus adds when it scrapes; a gateway never exposes them. */
const TARGET_LABELS = new Set(['job', 'instance']);

interface Query {
  where: string;
  expr: string;
}

/** Every PromQL expression of a dashboard: panel targets (rows' nested panels too) and query variables. */
function queriesOf(file: string): Query[] {
  const dashboard = JSON.parse(readFileSync(join(DASHBOARDS, file), 'utf8')) as {
    panels?: Array<{ title?: string; targets?: Array<{ expr?: string }>; panels?: unknown[] }>;
    templating?: { list?: Array<{ name: string; type: string; query?: string | { query?: string } }> };
  };
  const queries: Query[] = [];
  const walk = (panels: typeof dashboard.panels = []) => {
    for (const panel of panels) {
      for (const target of panel.targets ?? []) {
        if (target.expr) queries.push({ where: `${file}: panel "${panel.title}"`, expr: target.expr });
      }
      walk(panel.panels as typeof dashboard.panels);
    }
  };
  walk(dashboard.panels);
  for (const variable of dashboard.templating?.list ?? []) {
    if (variable.type !== 'query') continue;
    const query = typeof variable.query === 'string' ? variable.query : variable.query?.query;
    if (query) queries.push({ where: `${file}: variable $${variable.name}`, expr: query });
  }
  return queries;
}

/** The metric selectors of an expression: names, and the labels fixed with `=` to a literal value. */
function selectorsOf(expr: string): Array<{ name: string; labels: Record<string, string> }> {
  const selectors: Array<{ name: string; labels: Record<string, string> }> = [];
  for (const match of expr.matchAll(/\b(switchboard_[a-zA-Z0-9_]+)(\{([^}]*)\})?/g)) {
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[3] ?? '').matchAll(/([a-zA-Z_]\w*)\s*=\s*"([^"]*)"/g)) {
      if (!TARGET_LABELS.has(key!) && !value!.includes('$')) labels[key!] = value!;
    }
    selectors.push({ name: match[1]!, labels });
  }
  return selectors;
}

/** The labels `by (...)` groups on. */
const groupingOf = (expr: string) =>
  [...expr.matchAll(/\bby\s*\(([^)]*)\)/g)].flatMap(([, list]) =>
    list!
      .split(',')
      .map((label) => label.trim())
      .filter((label) => label && !TARGET_LABELS.has(label)),
  );

/** Problems of one query against a scrape; empty when every series it names is there. */
function problemsOf(query: Query, metrics: Exposition): string[] {
  const problems: string[] = [];
  const selectors = selectorsOf(query.expr);
  if (selectors.length === 0) problems.push(`${query.where}: names no switchboard_ metric: ${query.expr}`);
  for (const { name, labels } of selectors) {
    const samples = metrics.samples.filter(
      (sample) =>
        sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
    );
    if (samples.length === 0) {
      problems.push(`${query.where}: no series ${name}${JSON.stringify(labels)} on /metrics`);
      continue;
    }
    for (const label of groupingOf(query.expr)) {
      if (!samples.some((sample) => label in sample.labels)) {
        problems.push(`${query.where}: ${name} has no label ${label} to group by`);
      }
    }
  }
  return problems;
}

let redis: RedisServer;
let gateway: Gateway;
let metrics: Exposition;

beforeAll(async () => {
  redis = await RedisServer.start();
  gateway = await startGateway('dashboard', [
    '--redis',
    redis.url,
    '--only',
    'json-ws,tcp-rooms,sessions,rs-us,soh',
  ]);
  await addAccount(gateway, 'tina', 'tina-pw');
  await addAccount(gateway, 'ruth', 'ruth-pw');
  // A little of every protocol: identifications, a failed login, messages each way, a drop.
  const json = await jsonWs(gateway.port('json-ws'), 'jo');
  const sessions = await sessionsWs(gateway.port('sessions'), 'sid');
  const tcp = await tcpRoomsLogin(gateway.port('tcp-rooms'), 'tina', 'tina-pw');
  const failed = await rsUs(gateway.port('rs-us'));
  expect(await failed.command('login', 'ruth', 'wrong')).toEqual(['login_invalid']);
  const rs = await rsUsLogin(gateway.port('rs-us'), 'ruth', 'ruth-pw');
  const sam = await soh(gateway.port('soh'), 'sam');
  await eventually(async () => expect(await presence(gateway)).toEqual(['jo', 'ruth', 'sam', 'sid', 'tina']));
  json.broadcast('hello everyone');
  await rs.event('jo: hello everyone');
  sam.sendDirect('jo', 'hi jo');
  await json.message('sam', 'hi jo');
  sessions.sendDirect(['jo'], 'hi from sid');
  await json.message('sid', 'hi from sid');
  expect(await rs.command('send', 'nobody', 'hi')).toEqual(['unknown_recipient']);
  const scrape = await fetch(`${adminUrl(gateway)}/metrics`);
  expect(scrape.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  metrics = parsePrometheusText(await scrape.text());
  for (const client of [json, sessions, tcp, failed, rs, sam]) client.close();
});

afterAll(async () => {
  await killAll();
  await redis?.kill();
});

describe('the Grafana dashboard against a running gateway', () => {
  const files = readdirSync(DASHBOARDS).filter((file) => file.endsWith('.json'));

  it('ships at least one dashboard with queries', () => {
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(queriesOf(file).length).toBeGreaterThan(10);
  });

  it.each(files)('%s: every series it queries exists on /metrics', (file) => {
    const problems = queriesOf(file).flatMap((query) => problemsOf(query, metrics));
    expect(problems).toEqual([]);
  });

  it('the clustered scrape is well-formed, with the cluster layer’s families beside the gateway’s', () => {
    // parsePrometheusText threw already if any line did not parse or a HELP/TYPE came twice.
    for (const family of [
      'switchboard_cluster_publish_latency_seconds',
      'switchboard_cluster_mirror_names',
      'switchboard_delivery_latency_seconds',
      'switchboard_identification_seconds',
      'switchboard_process_event_loop_delay_seconds',
    ]) {
      expect(metrics.families.has(family), family).toBe(true);
    }
  });

  it('counted what the clients did, per protocol (the scrape is not an empty skeleton)', () => {
    const seriesValue = (name: string, labels: Record<string, string>) =>
      metrics.samples.find(
        (sample) =>
          sample.name === name &&
          Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
      )?.value;
    for (const protocol of ['json-ws', 'tcp-rooms', 'sessions', 'rs-us', 'soh']) {
      expect(
        seriesValue('switchboard_connections_identified', { protocol }),
        protocol,
      ).toBeGreaterThanOrEqual(1);
      expect(seriesValue('switchboard_bytes_received_total', { protocol }), protocol).toBeGreaterThan(0);
      expect(
        seriesValue('switchboard_identification_seconds_count', { protocol }),
        protocol,
      ).toBeGreaterThanOrEqual(1);
    }
    expect(seriesValue('switchboard_messages_received_total', { protocol: 'json-ws' })).toBe(1);
    expect(seriesValue('switchboard_messages_delivered_total', { protocol: 'rs-us' })).toBe(1);
    expect(seriesValue('switchboard_login_failures_total', { protocol: 'rs-us' })).toBe(1);
    expect(seriesValue('switchboard_dropped_total', { protocol: 'rs-us', reason: 'unknown_recipient' })).toBe(
      1,
    );
    expect(
      seriesValue('switchboard_cluster_events_published_total', { kind: 'broadcast' }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('the checker itself catches a missing series, a fixed label and a grouping label that are not there', () => {
    const check = (expr: string) => problemsOf({ where: 'probe', expr }, metrics);
    expect(check('sum by (protocol) (rate(switchboard_no_such_total[5m]))')).toHaveLength(1);
    expect(check('switchboard_process_event_loop_delay_seconds{quantile="0.42"}')).toHaveLength(1);
    expect(check('sum by (colour) (switchboard_connections_open{job="$job"})')).toHaveLength(1);
    expect(check('sum by (protocol) (switchboard_connections_open{job="$job"})')).toEqual([]);
  });
});

import type { ClientProtocol } from '../load/clients/client.ts';
import { LoadPool } from '../load/pool.ts';
import type { ScenarioResult } from '../results.ts';
import { SWITCHBOARD } from '../results.ts';
import { startRedis } from '../servers/redis-server.ts';
import type { ServerUnderTest } from '../servers/server.ts';
import { type BenchContext, clientSpecs, errorText, gateway, names, socketIo } from './context.ts';
import { combine } from './direct.ts';
import { RowTable } from './rows.ts';
import { saturateThenHalf, type TrafficResult } from './traffic.ts';
import { type WarmUp, warmUpNote, warmUpServers } from './warm-up.ts';

export const PER_CPU_SECOND = 'deliveries per server CPU-second';
const SIZES = { full: [2, 4, 8], smoke: [2, 4] } as const;

const contenders: Array<{
  system: string;
  protocol: ClientProtocol;
  start(context: BenchContext, redis: string): Promise<ServerUnderTest>;
}> = [
  { system: SWITCHBOARD, protocol: 'json-ws', start: (context, redis) => gateway(context, { redis }) },
  { system: 'Socket.IO + Redis', protocol: 'socket.io', start: (context, redis) => socketIo(context, redis) },
];

/**
 * Scenario 6: 2, 4 and 8 server processes on one Redis, all-pairs traffic (every process sends
 * to every other one, direct messages between pairs), and the figure that shows whether a
 * cluster scales out: deliveries per CPU-second of the server processes at saturation. When
 * every process handles every message this falls as 1/N; with owner routing it should stay flat.
 */
export async function scalingScenario(context: BenchContext): Promise<ScenarioResult> {
  // The smoke run proves the harness at two sizes; eight processes would double its time.
  const sizes = SIZES[context.scale.name];
  const table = new RowTable();
  const notes: string[] = [];
  const warmUps: string[] = [];
  for (const contender of contenders) {
    for (const size of sizes) {
      const caseName = `${size} processes`;
      context.log(`scaling: ${contender.system}, ${size} processes`);
      let result: TrafficResult | null = null;
      const redis = await startRedis(context.serverCore);
      const servers: ServerUnderTest[] = [];
      const pool = new LoadPool(1);
      try {
        const started = await Promise.allSettled(
          Array.from({ length: size }, () => contender.start(context, redis.url)),
        );
        for (const outcome of started) if (outcome.status === 'fulfilled') servers.push(outcome.value);
        const failed = started.find((outcome) => outcome.status === 'rejected');
        if (failed) throw new Error(`not available: ${errorText(failed.reason)}`);
        const warmed = await allPairs(context, pool, servers, contender.protocol);
        result = warmed.result;
        warmUps.push(`${contender.system} ×${size} ${warmed.warmUp.seconds.toFixed(0)} s`);
        if (result.half.measurement.lost > 0)
          notes.push(`${contender.system} at ${size}: ${result.half.measurement.lost} connections lost`);
      } catch (error) {
        notes.push(`${contender.system} at ${size}: ${errorText(error)}`);
      } finally {
        pool.stopWorkers();
        await Promise.all(servers.map((server) => server.stop()));
        await redis.stop();
      }
      table.traffic(caseName, contender.system, result, 'messages at saturation');
      const perCpuSecond =
        result && result.saturated.serverCpu > 0
          ? result.saturated.measurement.perSecond / (result.saturated.serverCpu / 100)
          : null;
      table.set(caseName, PER_CPU_SECOND, '/CPU-s', 'higher', contender.system, perCpuSecond);
    }
  }
  // How the per-CPU figure holds up against the 2-process one, per system.
  for (const contender of contenders) {
    const base = table.rows.find((row) => row.case === '2 processes' && row.metric === PER_CPU_SECOND)
      ?.values[contender.system];
    for (const size of sizes) {
      const row = table.rows.find((r) => r.case === `${size} processes` && r.metric === PER_CPU_SECOND);
      const value = row?.values[contender.system];
      const ratio = base && value ? (value / base) * 100 : null;
      table.set(`${size} processes`, 'per CPU-second vs 2 processes', '%', 'higher', contender.system, ratio);
    }
  }
  return {
    id: 'scaling',
    title: '6. Scaling out: 2, 4 and 8 processes on one Redis, all-pairs direct messages',
    systems: contenders.map((contender) => contender.system),
    rows: table.rows,
    chartMetric: PER_CPU_SECOND,
    notes: [
      `N server processes and their Redis share the server core(s); pairs = a multiple of N×(N−1) near ${context.scale.clusterPairs}, one per ordered pair of processes in turn, so every process sends to every other; server CPU sums the N processes (Redis not included). On a small machine more processes mean more context switches for the same cores: read the trend, not the absolute figure.`,
      `${warmUpNote(context)} Warm-up took: ${warmUps.join(', ')}.`,
      ...notes,
    ],
  };
}

/** Opens one sender→receiver pair per ordered pair of servers (repeated), checks delivery, measures. */
async function allPairs(
  context: BenchContext,
  pool: LoadPool,
  servers: ServerUnderTest[],
  protocol: ClientProtocol,
): Promise<{ result: TrafficResult; warmUp: WarmUp }> {
  const n = servers.length;
  const routes: Array<[from: number, to: number]> = [];
  for (let from = 0; from < n; from++)
    for (let to = 0; to < n; to++) if (from !== to) routes.push([from, to]);
  const pairs = routes.length * Math.max(1, Math.round(context.scale.clusterPairs / routes.length));
  const senderNames = names('s', pairs);
  const receiverNames = names('r', pairs);
  const place = (list: string[], side: 0 | 1) =>
    list.flatMap((name, index) =>
      clientSpecs(servers[routes[index % routes.length]![side]]!, protocol, [name]),
    );
  const receivers = await pool.open(place(receiverNames, 1), { concurrency: context.scale.openConcurrency });
  const senders = await pool.open(place(senderNames, 0), { concurrency: context.scale.openConcurrency });
  for (const { summary } of [receivers, senders]) {
    if (summary.failed > 0) throw new Error(`${summary.failed} connections failed: ${summary.firstError}`);
  }
  await pool.setPairs(senders.handles.map((sender, index) => [sender, receivers.handles[index]!]));
  const primed = await pool.prime();
  if (primed.missing > 0) throw new Error(`${primed.missing} of ${pairs} pairs never delivered`);
  await pool.drain();
  const warmUp = await warmUpServers(context, pool, servers, context.scale.directWindow);
  const result = await saturateThenHalf(context, pool, combine(servers), {
    window: context.scale.directWindow,
    fanOut: 1,
    senders: [pairs],
  });
  return { result, warmUp };
}

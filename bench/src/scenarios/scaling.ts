import type { ClientProtocol } from '../load/clients/client.ts';
import { LoadPool, sleep } from '../load/pool.ts';
import type { ScenarioResult } from '../results.ts';
import { SWITCHBOARD } from '../results.ts';
import { type PrivateRedis, startRedis } from '../servers/redis-server.ts';
import type { ServerUnderTest } from '../servers/server.ts';
import { type BenchContext, clientSpecs, cpuMeter, errorText, gateway, names, socketIo } from './context.ts';
import { combine } from './direct.ts';
import { RowTable } from './rows.ts';
import { saturateThenHalf, type TrafficResult } from './traffic.ts';
import { type WarmUp, warmUpNote, warmUpServers } from './warm-up.ts';

export const PER_CPU_SECOND = 'deliveries per server CPU-second';
const REDIS_COMMANDS = 'Redis commands';
const WITH_REDIS = 'deliveries per CPU-second, Redis included';
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
      context.log(`scaling: ${contender.system}, ${caseName}`);
      let result: TrafficResult | null = null;
      let cost: RedisCost | null = null;
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
        cost = await redisCost(context, pool, servers, redis);
        warmUps.push(`${contender.system} ${caseName} ${warmed.warmUp.seconds.toFixed(0)} s`);
        if (result.half.measurement.lost > 0)
          notes.push(`${contender.system}, ${caseName}: ${result.half.measurement.lost} connections lost`);
      } catch (error) {
        notes.push(`${contender.system}, ${caseName}: ${errorText(error)}`);
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
      table.set(
        caseName,
        'server CPU at half load',
        '%',
        'lower',
        contender.system,
        result?.half.serverCpu ?? null,
      );
      table.set(caseName, WITH_REDIS, '/CPU-s', 'higher', contender.system, cost?.perCpuSecond ?? null);
      table.set(caseName, 'Redis CPU at saturation', '%', 'lower', contender.system, cost?.redisCpu ?? null);
      table.set(
        caseName,
        REDIS_COMMANDS,
        'per message',
        'lower',
        contender.system,
        cost?.commandsPerMessage ?? null,
      );
    }
  }
  // How the per-CPU figure holds up against the 2-process one, per system.
  for (const contender of contenders) {
    const base = table.rows.find((row) => row.case === '2 processes' && row.metric === PER_CPU_SECOND)
      ?.values[contender.system];
    for (const size of sizes) {
      const caseName = `${size} processes`;
      const row = table.rows.find((r) => r.case === caseName && r.metric === PER_CPU_SECOND);
      const value = row?.values[contender.system];
      const ratio = base && value ? (value / base) * 100 : null;
      table.set(caseName, 'per CPU-second vs 2 processes', '%', 'higher', contender.system, ratio);
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
      `Redis commands per message, Redis CPU and ${WITH_REDIS}: from one more saturated window of ${context.scale.measureSeconds} s (INFO commandstats before and after, every command counted: heartbeats too).`,
      ...notes,
    ],
  };
}

interface RedisCost {
  commandsPerMessage: number;
  /** % of one core. */
  redisCpu: number;
  /** Deliveries per CPU-second of the servers and Redis together. */
  perCpuSecond: number;
}

/** What Redis does per message at saturation: commands, and its CPU next to the servers'. */
async function redisCost(
  context: BenchContext,
  pool: LoadPool,
  servers: ServerUnderTest[],
  redis: PrivateRedis,
): Promise<RedisCost> {
  await pool.start({
    mode: 'saturate',
    window: context.scale.directWindow,
    textBytes: context.scale.textBytes,
  });
  try {
    await sleep((context.scale.warmupSeconds / 2) * 1000);
    const before = await redis.commandCalls();
    const redisCpu = cpuMeter([redis.pid]);
    const serverCpu = cpuMeter(servers.flatMap((server) => server.pids));
    const measurement = await pool.measure(0, context.scale.measureSeconds);
    const redisUse = redisCpu();
    const serverUse = serverCpu();
    const commands = (await redis.commandCalls()) - before;
    return {
      commandsPerMessage: measurement.deliveries > 0 ? commands / measurement.deliveries : Number.NaN,
      redisCpu: redisUse,
      perCpuSecond: measurement.perSecond / ((redisUse + serverUse) / 100),
    };
  } finally {
    await pool.stop();
    await pool.drain();
  }
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

import type { ClientProtocol } from '../load/clients/client.ts';
import type { LoadPool } from '../load/pool.ts';
import type { ScenarioResult } from '../results.ts';
import { SWITCHBOARD } from '../results.ts';
import { startRedis } from '../servers/redis-server.ts';
import type { ServerUnderTest } from '../servers/server.ts';
import { type BenchContext, clientSpecs, errorText, gateway, names, socketIo, using } from './context.ts';
import { combine } from './direct.ts';
import { RowTable } from './rows.ts';
import { saturateThenHalf, type TrafficResult } from './traffic.ts';
import { warmUpNote, warmUpServers } from './warm-up.ts';

export const THROUGHPUT = 'messages at saturation';
export const DELIVERIES = 'deliveries at saturation';
const PROCESSES = 3;
/** Broadcast receivers, spread over the processes (the broadcaster is on the first). */
const BROADCAST_RECEIVERS = { full: 1_500, smoke: 12 } as const;

const contenders: Array<{
  system: string;
  protocol: ClientProtocol;
  start(context: BenchContext, redis: string): Promise<ServerUnderTest>;
}> = [
  { system: SWITCHBOARD, protocol: 'json-ws', start: (context, redis) => gateway(context, { redis }) },
  { system: 'Socket.IO + Redis', protocol: 'socket.io', start: (context, redis) => socketIo(context, redis) },
];

/**
 * Scenario 4: three server processes on one private Redis. Every pair's sender is on one process
 * and its receiver on the next, so every message crosses processes through Redis.
 */
export async function clusterScenario(context: BenchContext): Promise<ScenarioResult> {
  const table = new RowTable();
  const notes: string[] = [];
  const caseName = `json-ws across ${PROCESSES} processes`;
  const broadcastCase = `json-ws broadcast across ${PROCESSES} processes`;
  for (const contender of contenders) {
    for (const kind of ['direct', 'broadcast'] as const) {
      context.log(`cluster ${kind}: ${contender.system}`);
      let result: TrafficResult | null = null;
      const redis = await startRedis(context.serverCore);
      try {
        const servers: ServerUnderTest[] = [];
        const startAll = async () => {
          const started = await Promise.allSettled(
            Array.from({ length: PROCESSES }, () => contender.start(context, redis.url)),
          );
          for (const outcome of started) if (outcome.status === 'fulfilled') servers.push(outcome.value);
          try {
            const failed = started.find((outcome) => outcome.status === 'rejected');
            if (failed) throw failed.reason;
          } catch (error) {
            await Promise.all(servers.map((server) => server.stop()));
            throw new Error(`not available: ${errorText(error)}`);
          }
          return combine(servers);
        };
        result = await using(startAll, 1, (pool) =>
          kind === 'direct'
            ? pairsAcross(context, pool, servers, contender.protocol)
            : broadcastAcross(context, pool, servers, contender.protocol),
        );
        if (result.half.measurement.lost > 0)
          notes.push(`${contender.system} ${kind}: ${result.half.measurement.lost} connections lost`);
      } catch (error) {
        notes.push(`${contender.system} ${kind}: ${errorText(error)}`);
      } finally {
        await redis.stop();
      }
      if (kind === 'direct') table.traffic(caseName, contender.system, result, THROUGHPUT);
      else table.traffic(broadcastCase, contender.system, result, DELIVERIES);
      // Half of the saturated rate is not half of the CPU: batching makes saturation cheaper per
      // message than a steady rate, so this says how loaded the latency windows really were.
      const halfCpu = result?.half.serverCpu ?? null;
      table.set(
        kind === 'direct' ? caseName : broadcastCase,
        'server CPU at half load',
        '%',
        'lower',
        contender.system,
        halfCpu,
      );
    }
  }
  return {
    id: 'cluster',
    title: '4. Cluster: direct messages and broadcasts across processes through Redis',
    systems: [SWITCHBOARD, 'Socket.IO + Redis'],
    rows: table.rows,
    chartMetric: THROUGHPUT,
    notes: [
      `${PROCESSES} server processes and their Redis all share the server core; ${context.scale.clusterPairs} pairs, sender on process i and receiver on process i+1; server CPU sums the ${PROCESSES} processes (Redis not included).`,
      `Broadcast: one broadcaster on the first process, ${BROADCAST_RECEIVERS[context.scale.name]} receivers spread over the ${PROCESSES} processes, ${context.scale.broadcastWindow} broadcasts in flight against a canary on the broadcaster's process; deliveries counted over every receiver.`,
      warmUpNote(context),
      ...notes,
    ],
  };
}

/** Pair i has its sender on server i and its receiver on server i+1 (one load worker), checked, warmed, measured. */
async function pairsAcross(
  context: BenchContext,
  pool: LoadPool,
  servers: ServerUnderTest[],
  protocol: ClientProtocol,
): Promise<TrafficResult> {
  const pairs = context.scale.clusterPairs;
  const on = (list: string[], offset: number) =>
    list.flatMap((name, index) => clientSpecs(servers[(index + offset) % servers.length]!, protocol, [name]));
  const receivers = await pool.open(on(names('r', pairs), 1), { concurrency: context.scale.openConcurrency });
  const senders = await pool.open(on(names('s', pairs), 0), { concurrency: context.scale.openConcurrency });
  for (const { summary } of [receivers, senders]) {
    if (summary.failed > 0) throw new Error(`${summary.failed} connections failed: ${summary.firstError}`);
  }
  await pool.setPairs(senders.handles.map((sender, index) => [sender, receivers.handles[index]!]));
  const primed = await pool.prime();
  if (primed.missing > 0) throw new Error(`${primed.missing} of ${pairs} pairs never delivered`);
  await pool.drain();
  await warmUpServers(context, pool, servers, context.scale.directWindow);
  return saturateThenHalf(context, pool, combine(servers), {
    window: context.scale.directWindow,
    fanOut: 1,
    senders: [pairs],
  });
}

/** One broadcaster on the first server, receivers spread over all of them, paced by a canary. */
async function broadcastAcross(
  context: BenchContext,
  pool: LoadPool,
  servers: ServerUnderTest[],
  protocol: ClientProtocol,
): Promise<TrafficResult> {
  const sender = await pool.open(clientSpecs(servers[0]!, protocol, ['csender']));
  if (sender.summary.failed > 0) throw new Error(`broadcaster: ${sender.summary.firstError}`);
  const receiverNames = names('cb', BROADCAST_RECEIVERS[context.scale.name]);
  const receivers = await pool.open(
    receiverNames.flatMap((name, index) => clientSpecs(servers[index % servers.length]!, protocol, [name])),
    { concurrency: context.scale.openConcurrency },
  );
  if (receivers.summary.failed > 0)
    throw new Error(`${receivers.summary.failed} receivers failed: ${receivers.summary.firstError}`);
  // The canary is on the broadcaster's process, so pacing does not hide the cross-process delay.
  await pool.setBroadcaster(sender.handles[0]!, receivers.handles[0]!);
  const primed = await pool.prime();
  if (primed.missing > 0) throw new Error('the canary never received a broadcast');
  await pool.drain();
  await warmUpServers(context, pool, servers, context.scale.broadcastWindow);
  return saturateThenHalf(context, pool, combine(servers), {
    window: context.scale.broadcastWindow,
    fanOut: receivers.handles.length,
    senders: [1],
  });
}

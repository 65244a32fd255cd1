import type { ClientProtocol } from '../load/clients/client.ts';
import type { ScenarioResult } from '../results.ts';
import { SWITCHBOARD } from '../results.ts';
import { startRedis } from '../servers/redis-server.ts';
import type { ServerUnderTest } from '../servers/server.ts';
import { type BenchContext, errorText, gateway, socketIo, using } from './context.ts';
import { combine, runPairs } from './direct.ts';
import { RowTable } from './rows.ts';
import type { TrafficResult } from './traffic.ts';

export const THROUGHPUT = 'messages at saturation';
const PROCESSES = 3;

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
  for (const contender of contenders) {
    context.log(`cluster: ${contender.system}`);
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
        runPairs(context, pool, servers, contender.protocol, contender.protocol, context.scale.clusterPairs),
      );
      if (result.half.measurement.lost > 0)
        notes.push(`${contender.system}: ${result.half.measurement.lost} connections lost`);
    } catch (error) {
      notes.push(`${contender.system}: ${errorText(error)}`);
    } finally {
      await redis.stop();
    }
    table.traffic(caseName, contender.system, result, THROUGHPUT);
  }
  return {
    id: 'cluster',
    title: '4. Cluster: direct messages across processes through Redis',
    systems: [SWITCHBOARD, 'Socket.IO + Redis'],
    rows: table.rows,
    chartMetric: THROUGHPUT,
    notes: [
      `${PROCESSES} server processes and their Redis all share the server core; ${context.scale.clusterPairs} pairs, sender on process i and receiver on process i+1; server CPU sums the ${PROCESSES} processes (Redis not included).`,
      ...notes,
    ],
  };
}

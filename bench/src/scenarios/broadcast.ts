import type { ClientProtocol } from '../load/clients/client.ts';
import type { ClientHandle, LoadPool } from '../load/pool.ts';
import type { ScenarioResult } from '../results.ts';
import { SWITCHBOARD } from '../results.ts';
import type { ServerUnderTest } from '../servers/server.ts';
import {
  type BenchContext,
  clientSpecs,
  errorText,
  gateway,
  names,
  rawWs,
  socketIo,
  using,
  workersFor,
} from './context.ts';
import { RowTable } from './rows.ts';
import { saturateThenHalf, type TrafficResult } from './traffic.ts';

export const DELIVERIES = 'deliveries at saturation';

const contenders: Array<{
  system: string;
  protocol: ClientProtocol;
  start(context: BenchContext): Promise<ServerUnderTest>;
}> = [
  { system: SWITCHBOARD, protocol: 'json-ws', start: (context) => gateway(context) },
  { system: 'raw ws', protocol: 'json-ws', start: rawWs },
  { system: 'Socket.IO', protocol: 'socket.io', start: (context) => socketIo(context) },
];

/**
 * Scenario 2: one sender broadcasts to N json-ws receivers (1k, 5k, 10k on one server, added
 * step by step). At saturation the sender keeps a small window of broadcasts in flight against a
 * canary receiver on its own worker; every receiver on every worker records latency.
 */
export async function broadcastScenario(context: BenchContext): Promise<ScenarioResult> {
  const table = new RowTable();
  const notes: string[] = [];
  const counts = context.scale.broadcastReceivers;
  for (const contender of contenders) {
    context.log(`broadcast: ${contender.system}`);
    const workers = Math.max(2, workersFor(context, Math.max(...counts)));
    try {
      await using(() => contender.start(context), workers, runCounts);
    } catch (error) {
      notes.push(`${contender.system}: stopped early (${errorText(error)})`);
    }
    async function runCounts(pool: LoadPool, server: ServerUnderTest) {
      const sender = await pool.open(clientSpecs(server, contender.protocol, ['bsender']), {
        workerOf: () => 0,
      });
      if (sender.summary.failed > 0) throw new Error(`broadcaster: ${sender.summary.firstError}`);
      const receivers: ClientHandle[] = [];
      for (const count of counts) {
        let result: TrafficResult | null = null;
        try {
          const more = await pool.open(
            clientSpecs(server, contender.protocol, names('b', count - receivers.length, receivers.length)),
            {
              concurrency: context.scale.openConcurrency,
            },
          );
          if (more.summary.failed > 0)
            throw new Error(`${more.summary.failed} receivers failed: ${more.summary.firstError}`);
          receivers.push(...more.handles);
          context.log(`  ${count} receivers`);
          result = await fanOut(context, pool, server, sender.handles[0]!, receivers);
          if (result.half.measurement.lost > 0)
            notes.push(`${contender.system} at ${count}: ${result.half.measurement.lost} receivers lost`);
        } catch (error) {
          notes.push(`${contender.system} at ${count} receivers: not measured (${errorText(error)})`);
        }
        table.traffic(caseName(count), contender.system, result, DELIVERIES);
      }
    }
  }
  return {
    id: 'broadcast',
    title: '2. Broadcast fan-out to json-ws receivers',
    systems: contenders.map((contender) => contender.system),
    rows: table.rows,
    chartMetric: DELIVERIES,
    notes: [
      `One broadcaster, ${context.scale.broadcastWindow} broadcasts in flight against a canary receiver at saturation; latency at half the saturated broadcast rate, over every receiver.`,
      ...notes,
    ],
  };
}

function caseName(count: number): string {
  return `${count.toLocaleString('en-US')} receivers`;
}

async function fanOut(
  context: BenchContext,
  pool: LoadPool,
  server: ServerUnderTest,
  sender: ClientHandle,
  receivers: ClientHandle[],
): Promise<TrafficResult> {
  const canary = receivers.find((receiver) => receiver.worker === sender.worker) ?? null;
  if (!canary) throw new Error('no receiver on the broadcaster’s worker to pace it');
  await pool.setBroadcaster(sender, canary);
  const primed = await pool.prime();
  if (primed.missing > 0) throw new Error('the canary never received a broadcast');
  await pool.drain();
  const senders = Array.from({ length: pool.size }, (_, index) => (index === sender.worker ? 1 : 0));
  return saturateThenHalf(context, pool, server, {
    window: context.scale.broadcastWindow,
    fanOut: receivers.length,
    senders,
  });
}

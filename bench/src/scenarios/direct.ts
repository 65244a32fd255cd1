import type { ClientProtocol } from '../load/clients/client.ts';
import type { LoadPool } from '../load/pool.ts';
import type { ScenarioResult } from '../results.ts';
import { SWITCHBOARD } from '../results.ts';
import type { ServerUnderTest } from '../servers/server.ts';
import {
  type BenchContext,
  clientSpecs,
  errorText,
  gateway,
  names,
  rawNet,
  rawWs,
  signUp,
  socketIo,
  using,
} from './context.ts';
import { RowTable } from './rows.ts';
import { saturateThenHalf, type TrafficResult } from './traffic.ts';

const PASSWORD = 'bench-password';
export const THROUGHPUT = 'messages at saturation';

interface Contender {
  system: string;
  start(context: BenchContext): Promise<ServerUnderTest>;
  from: ClientProtocol;
  to: ClientProtocol;
}

const sb = (from: ClientProtocol, to: ClientProtocol): Contender => ({
  system: SWITCHBOARD,
  start: (context) => gateway(context),
  from,
  to,
});

const cases: Array<{ name: string; contenders: Contender[] }> = [
  {
    name: 'json-ws → json-ws',
    contenders: [
      sb('json-ws', 'json-ws'),
      { system: 'raw ws', start: rawWs, from: 'json-ws', to: 'json-ws' },
      { system: 'Socket.IO', start: (context) => socketIo(context), from: 'socket.io', to: 'socket.io' },
    ],
  },
  {
    name: 'soh → soh',
    contenders: [sb('soh', 'soh'), { system: 'raw net', start: rawNet, from: 'soh', to: 'soh' }],
  },
  { name: 'json-ws → soh', contenders: [sb('json-ws', 'soh')] },
  { name: 'soh → json-ws', contenders: [sb('soh', 'json-ws')] },
  { name: 'tcp-rooms → rs-us', contenders: [sb('tcp-rooms', 'rs-us')] },
  // The raw net relay speaks SOH: the raw-TCP floor an IRC relay would not beat.
  {
    name: 'irc → irc',
    contenders: [sb('irc', 'irc'), { system: 'raw net', start: rawNet, from: 'soh', to: 'soh' }],
  },
];

/** Scenario 3: direct messages between pairs, same protocol and across protocols. */
export async function directScenario(
  context: BenchContext,
  /** Only these cases (`irc → irc`); all when absent. */
  onlyCases?: readonly string[],
): Promise<ScenarioResult> {
  const table = new RowTable();
  const notes: string[] = [];
  for (const { name, contenders } of cases) {
    if (onlyCases && !onlyCases.includes(name)) continue;
    for (const contender of contenders) {
      context.log(`direct ${name}: ${contender.system}`);
      let result: TrafficResult | null = null;
      try {
        result = await using(
          () => contender.start(context),
          1,
          (pool, server) => runPairs(context, pool, server, contender.from, contender.to),
        );
        if (result.half.measurement.lost > 0)
          notes.push(`${name} on ${contender.system}: ${result.half.measurement.lost} connections lost`);
      } catch (error) {
        notes.push(`${name} on ${contender.system}: not measured (${errorText(error)})`);
      }
      table.traffic(name, contender.system, result, THROUGHPUT);
    }
  }
  return {
    id: 'direct',
    title: '3. Direct messages between pairs',
    systems: [SWITCHBOARD, 'raw ws', 'raw net', 'Socket.IO'],
    rows: table.rows,
    chartMetric: THROUGHPUT,
    notes: [
      `${context.scale.directPairs} sender→receiver pairs on one load worker, ${context.scale.directWindow} messages in flight per pair at saturation; latency at a fixed rate of half the saturated throughput.`,
      ...notes,
    ],
  };
}

/** Opens the pairs on one worker, checks each pair delivers, and measures. */
export async function runPairs(
  context: BenchContext,
  pool: LoadPool,
  server: ServerUnderTest | ServerUnderTest[],
  from: ClientProtocol,
  to: ClientProtocol,
  pairs = context.scale.directPairs,
): Promise<TrafficResult> {
  // Clustered: the sender of pair i is on server i, its receiver on server i+1.
  const servers = Array.isArray(server) ? server : [server];
  const senderNames = names('s', pairs);
  const receiverNames = names('r', pairs);
  for (const [protocol, accountNames] of [
    [from, senderNames],
    [to, receiverNames],
  ] as const) {
    if (protocol === 'rs-us') await signUp(pool, servers[0]!, accountNames, PASSWORD);
  }
  const onServer = (protocol: ClientProtocol, list: string[], offset: number) =>
    list.flatMap((name, index) =>
      clientSpecs(servers[(index + offset) % servers.length]!, protocol, [name], PASSWORD),
    );
  const receivers = await pool.open(onServer(to, receiverNames, 1), {
    concurrency: context.scale.openConcurrency,
  });
  const senders = await pool.open(onServer(from, senderNames, 0), {
    concurrency: context.scale.openConcurrency,
  });
  for (const { summary } of [receivers, senders]) {
    if (summary.failed > 0) throw new Error(`${summary.failed} connections failed: ${summary.firstError}`);
  }
  await pool.setPairs(senders.handles.map((sender, index) => [sender, receivers.handles[index]!]));
  const primed = await pool.prime();
  if (primed.missing > 0) throw new Error(`${primed.missing} of ${pairs} pairs never delivered`);
  await pool.drain();
  const aggregate: ServerUnderTest = servers.length === 1 ? servers[0]! : combine(servers);
  return saturateThenHalf(context, pool, aggregate, {
    window: context.scale.directWindow,
    fanOut: 1,
    senders: [pairs],
  });
}

/** Several processes as one, for CPU accounting (summed over them). */
export function combine(servers: ServerUnderTest[]): ServerUnderTest {
  return {
    label: servers[0]!.label,
    pids: servers.flatMap((server) => server.pids),
    ports: servers[0]!.ports,
    memory: () => servers[0]!.memory(),
    stop: async () => {
      await Promise.all(servers.map((server) => server.stop()));
    },
  };
}

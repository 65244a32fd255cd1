import type { ClientProtocol } from '../load/clients/client.ts';
import type { ScenarioResult } from '../results.ts';
import { SWITCHBOARD } from '../results.ts';
import type { ServerUnderTest } from '../servers/server.ts';
import {
  type BenchContext,
  clientSpecs,
  cpuMeter,
  errorText,
  gateway,
  names,
  rawWs,
  requirePort,
  socketIo,
  using,
  workersFor,
} from './context.ts';
import { RowTable } from './rows.ts';

export const RATE = 'identified connections';

const contenders: Array<{
  system: string;
  row: string;
  protocol: ClientProtocol;
  start(context: BenchContext): Promise<ServerUnderTest>;
}> = [
  { system: SWITCHBOARD, row: 'json-ws', protocol: 'json-ws', start: (context) => gateway(context) },
  { system: 'raw ws', row: 'json-ws', protocol: 'json-ws', start: rawWs },
  { system: 'Socket.IO', row: 'json-ws', protocol: 'socket.io', start: (context) => socketIo(context) },
  { system: SWITCHBOARD, row: 'sessions', protocol: 'sessions', start: (context) => gateway(context) },
];

/**
 * Scenario 5: a connect storm. N clients connect at once (a bounded number of handshakes in
 * flight per worker) and each counts only once identified: json-ws `hello` answered by its
 * `chat_status` (which lists every active name, so the storm's later hellos carry long answers),
 * Socket.IO's hello acknowledged with the same list, sessions' session id received.
 */
export async function stormScenario(context: BenchContext): Promise<ScenarioResult> {
  const table = new RowTable();
  const notes: string[] = [];
  const count = Math.min(context.scale.stormConnections, context.maxConnectionsPerProcess);
  const caseOf = (row: string) => `${row} × ${count.toLocaleString('en-US')}`;
  for (const contender of contenders) {
    context.log(`storm ${contender.row}: ${contender.system}`);
    let rate: number | null = null;
    let cpu: number | null = null;
    try {
      const start = async () => requirePort(await contender.start(context), contender.protocol);
      [rate, cpu] = await using(start, workersFor(context, count), async (pool, server) => {
        const serverCpu = cpuMeter(server.pids);
        const { summary } = await pool.open(clientSpecs(server, contender.protocol, names('c', count)), {
          concurrency: context.scale.openConcurrency,
          timeoutMs: 60_000,
        });
        const percent = serverCpu();
        if (summary.failed > 0)
          notes.push(
            `${contender.row} on ${contender.system}: ${summary.failed} failed (${summary.firstError})`,
          );
        return [summary.opened > 0 ? summary.opened / summary.seconds : null, percent];
      });
    } catch (error) {
      notes.push(`${contender.row} on ${contender.system}: not measured (${errorText(error)})`);
    }
    table.set(caseOf(contender.row), RATE, '/s', 'higher', contender.system, rate);
    table.set(caseOf(contender.row), 'server CPU', '%', 'lower', contender.system, cpu);
  }
  // sessions has no raw relay of its own: the raw ws figure is the json-ws one.
  for (const row of table.rows.filter((candidate) => candidate.case.startsWith('sessions'))) {
    const reference = table.rows.find(
      (candidate) => candidate.metric === row.metric && candidate.case === caseOf('json-ws'),
    );
    row.values['raw ws'] = reference?.values['raw ws'] ?? null;
  }
  return {
    id: 'storm',
    title: '5. Connect storm: identified connections per second',
    systems: [SWITCHBOARD, 'raw ws', 'Socket.IO'],
    rows: table.rows,
    chartMetric: RATE,
    notes: [
      `${count} connections from ${context.scale.openConcurrency} concurrent handshakes per load worker; the rate is identified connections over the time from the first connect to the last answer.`,
      ...notes,
    ],
  };
}

import type { CampaignResult } from './campaign.ts';
import { mib } from './campaign.ts';

const n = (value: number) => value.toLocaleString('en-US');
const ms = (value: number) => (Number.isNaN(value) ? '–' : `${value.toFixed(1)} ms`);

/** The campaign as markdown: gates first, then what was sent, the bystanders and memory. */
export function renderReport(result: CampaignResult, machine: string): string {
  const { options, bystander, rss } = result;
  const lines = [
    '# Fuzz campaign',
    '',
    `${machine}; seed ${options.seed}; ${n(options.inputs)} inputs per protocol asked, ${options.concurrency} hostile sessions at once per protocol, ` +
      `${options.rate > 0 ? `paced at ${n(options.rate)} inputs/s per protocol` : 'unpaced'}; ` +
      `hostile phase ${result.hostileSeconds.toFixed(0)} s (after a ${options.warmUpSeconds} s warm-up that is not counted). ` +
      'Rate, frame and queue limits as shipped; scrypt cost 1024 and no per-address login throttle (every hostile client is 127.0.0.1).',
    '',
    `The gateway used ${result.cpu.gatewayPercent.toFixed(0)} % of a core during the hostile phase; the machine's load average was ` +
      `${result.cpu.loadBefore.toFixed(1)} before and ${result.cpu.loadAfter.toFixed(1)} after (other work shares this box). ` +
      (result.cpu.hostileNiced
        ? 'The thread making the hostile input ran at nice 10, the gateway and the bystanders at 0.'
        : 'The hostile input ran at normal priority.') +
      ` The gateway's own event-loop delay from its start to the end of the hostile phase: p99 ${ms(result.gatewayLoopDelay.p99)}, max ${ms(result.gatewayLoopDelay.max)}.`,
    '',
    ...(result.unfuzzed.length > 0
      ? [`Not fuzzed (no fuzzer speaks them yet): ${result.unfuzzed.join(', ')}.`, '']
      : []),
    '## Gates',
    '',
    '| gate | result | |',
    '|---|---|---|',
    ...result.gates.map((gate) => `| ${gate.name} | ${gate.pass ? 'pass' : '**FAIL**'} | ${gate.detail} |`),
    '',
    '## Inputs sent',
    '',
    'An input is one message, frame, line, field pair, upgrade request or chunk, counted once the socket took it.',
    '',
    '| protocol | inputs | inputs/s | sessions | timed out | connects refused |',
    '|---|---:|---:|---:|---:|---:|',
    ...result.protocols.map(
      (p) =>
        `| ${p.protocol} | ${n(p.inputs)} | ${n(Math.round(p.inputs / result.hostileSeconds))} | ${n(p.stats.episodes)} | ${p.stats.timeouts} | ${p.stats.connectFailures} |`,
    ),
    '',
    'By input class (warm-up included):',
    '',
    ...result.protocols.flatMap((p) => [
      `- **${p.protocol}**: ${p.byClass.map(([name, count]) => `${name} ${n(count)}`).join(', ')}`,
    ]),
    '',
    '## Bystanders (json-ws ↔ soh, one message every 10–20 ms each way)',
    '',
    '| window | sent | received | lost | p50 | p99 | max | over 1 s |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...(
      [
        ['control: before any hostile input', bystander.control],
        ['while the campaign ran', bystander.duringCampaign],
        ['whole run', bystander.whole],
      ] as const
    ).map(
      ([label, s]) =>
        `| ${label} | ${n(s.sent)} | ${n(s.received)} | ${n(s.lost)} | ${ms(s.p50)} | ${ms(s.p99)} | ${ms(s.max)} | ${n(s.overOneSecond)} |`,
    ),
    '',
    bystander.incidents.length > 0 || bystander.misordered > 0
      ? `Incidents: ${bystander.misordered} out of order; ${bystander.incidents.map((i) => `\`${i}\``).join('; ')}`
      : 'No incidents: no unexpected frames, errors, closes or reordering on the bystander connections.',
    '',
    '## Gateway memory (RSS)',
    '',
    'Baseline and after are read right after a full garbage collection (forced through the inspector), so they show what is alive.',
    '',
    '| cold start | baseline (warm) | peak | after | settle waited |',
    '|---:|---:|---:|---:|---:|',
    `| ${mib(rss.cold)} | ${mib(rss.baseline)} | ${mib(rss.peak)} | ${mib(rss.after)} | ${rss.settledAfterSeconds.toFixed(1)} s |`,
    '',
    `V8 heap used ${mib(result.heap.baseline.heapUsed)} at the baseline, ${mib(result.heap.after.heapUsed)} after; ` +
      `external (buffers) ${mib(result.heap.baseline.external)} → ${mib(result.heap.after.external)} (from /metrics).`,
    '',
    result.crash
      ? `## Crash\n\nThe gateway exited (code ${result.crash.code}, signal ${result.crash.signal}). Its last log lines:\n\n\`\`\`\n${result.crash.log}\n\`\`\``
      : `The gateway survived and stopped gracefully on SIGTERM afterwards (exit ${result.stopExit}).`,
    '',
  ];
  return lines.join('\n');
}

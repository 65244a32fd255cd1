import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { cpuSeconds } from '../servers/process-stats.ts';
import type { BystanderResult, BystanderSetup } from './bystander-worker.ts';
import { type FuzzedGateway, startFuzzedGateway, tail } from './gateway.ts';
import { HostileConnection } from './hostile/connection.ts';
import type { HostileNames, ProtocolFuzzer } from './hostile/episode.ts';
import { ircFuzzer } from './hostile/irc.ts';
import { rsUsFuzzer } from './hostile/rs-us.ts';
import { sohFuzzer } from './hostile/soh.ts';
import { type HostileRoom, tcpRoomsFuzzer } from './hostile/tcp-rooms.ts';
import { jsonWsFuzzer, sessionsFuzzer } from './hostile/websocket.ts';
import { type LatencySummary, summarize } from './latency.ts';
import { Pacer } from './pacer.ts';
import { type RunnerStats, runProtocol } from './runner.ts';
import { Tally } from './tally.ts';

export const PROTOCOLS = ['json-ws', 'tcp-rooms', 'sessions', 'rs-us', 'soh', 'irc'] as const;

export interface CampaignOptions {
  /** Inputs per protocol. */
  inputs: number;
  /** Longest the hostile phase may last. */
  seconds: number;
  /** Hostile sessions at once, per protocol. */
  concurrency: number;
  /** Only the hostile sessions whose `protocol:name` holds this text (diagnosis; the inputs gate then fails). */
  only?: string | undefined;
  /** Inputs a second per protocol; 0: as fast as the sockets take them. */
  rate: number;
  seed: number;
  /** Longest wait, after the hostile connections are gone, for RSS to come back. */
  settleSeconds: number;
  /** Seconds the bystanders chat with no hostile input first: the latency this machine gives anyway. */
  controlSeconds: number;
  /** Seconds of hostile load before the RSS baseline is taken (JIT, pools and heap warmed up). */
  warmUpSeconds: number;
  progress?: (line: string) => void;
}

export interface ProtocolOutcome {
  protocol: string;
  inputs: number;
  byClass: [string, number][];
  stats: RunnerStats;
}

export interface CampaignResult {
  options: CampaignOptions;
  protocols: ProtocolOutcome[];
  hostileSeconds: number;
  /** Ports the gateway bound that no fuzzer here speaks (a new adapter): reported, not attacked. */
  unfuzzed: string[];
  /** The gateway's CPU use during the hostile phase (100 = one core), the machine's 1-minute load before and after, whether the hostile thread ran at nice 10. */
  cpu: { gatewayPercent: number; loadBefore: number; loadAfter: number; hostileNiced: boolean };
  /** The gateway's event-loop delay from its start to the end of the hostile phase (ms): its own share of the bystanders' delay. */
  gatewayLoopDelay: { p99: number; max: number };
  /** How the gateway ended during the campaign; null when it never died. */
  crash: { code: number | null; signal: string | null; log: string } | null;
  /** Exit code of the graceful stop at the end (SIGTERM), when it got that far. */
  stopExit: number | null;
  bystander: {
    whole: LatencySummary;
    duringCampaign: LatencySummary;
    control: LatencySummary;
    misordered: number;
    incidents: string[];
  };
  rss: { cold: number; baseline: number; peak: number; after: number; settledAfterSeconds: number };
  /** V8 heap used and external memory at the baseline and after, to tell a leak from a heap that did not shrink. */
  heap: { baseline: { heapUsed: number; external: number }; after: { heapUsed: number; external: number } };
  gates: { name: string; pass: boolean; detail: string }[];
}

const NAMES: HostileNames = {
  guests: Array.from({ length: 200 }, (_, i) => `fz-g-${i}`),
  accounts: Array.from({ length: 12 }, (_, i) => ({ name: `fz-acct-${i}`, password: `fz-pass-${i}` })),
  decoys: Array.from({ length: 4 }, (_, i) => `fz-decoy-${i}`),
};

export async function runCampaign(options: CampaignOptions): Promise<CampaignResult> {
  const say = options.progress ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-fuzz-'));
  const gateway = await startFuzzedGateway(dir);
  try {
    return await campaign(gateway, options, say);
  } finally {
    await gateway.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function campaign(
  gateway: FuzzedGateway,
  options: CampaignOptions,
  say: (line: string) => void,
): Promise<CampaignResult> {
  const room = await prepare(gateway);
  const cold = gateway.rss();
  const bystander = new Worker(new URL('./bystander-worker.ts', import.meta.url), {
    workerData: {
      jsonWsPort: gateway.ports['json-ws']!,
      sohPort: gateway.ports.soh!,
      jsonName: 'bystander-json',
      sohName: 'bystander-soh',
    } satisfies BystanderSetup,
  });
  const [ready] = (await once(bystander, 'message')) as [{ type: string }];
  if (ready.type !== 'chatting') throw new Error('the bystanders did not start');

  const fuzzers: ProtocolFuzzer[] = [
    jsonWsFuzzer,
    tcpRoomsFuzzer(room),
    sessionsFuzzer,
    rsUsFuzzer,
    sohFuzzer,
    ircFuzzer(room),
  ];
  const tally = new Tally();
  const crashed = () => gateway.exit() !== null;
  const pacers = fuzzers.map(() => new Pacer(options.rate));
  const hostile = (target: (protocol: string) => number, until: number, seedOffset: number) =>
    Promise.all(
      fuzzers.map((fuzzer, index) =>
        runProtocol({
          pacer: pacers[index]!,
          only: options.only,
          fuzzer,
          port: gateway.ports[fuzzer.protocol]!,
          target: target(fuzzer.protocol),
          until,
          concurrency: options.concurrency,
          seed: options.seed + 1000 * index + seedOffset,
          names: NAMES,
          tally,
          stopped: crashed,
        }),
      ),
    );

  // On Linux a nice value belongs to one thread: this lowers only the thread that makes the hostile
  // input, after the gateway and the bystander thread were started at normal priority. On a box
  // this small the attacker's own CPU would otherwise be taken from the gateway and the bystanders,
  // which a real attacker on another machine cannot do.
  const niced = lowerThisThread();

  // A control window with no hostile input: what the bystanders see on this box when nobody attacks.
  const controlFrom = Date.now();
  await sleep(options.controlSeconds * 1000);
  const controlTo = Date.now();

  // Warm-up: the same hostile mix for a few seconds, so the baseline is a warm process, not a cold one.
  await hostile(() => Number.POSITIVE_INFINITY, Date.now() + options.warmUpSeconds * 1000, 500_000);
  await sleep(1000);
  await gateway.collectGarbage();
  for (const pacer of pacers) pacer.restart();
  const warmTally = new Map(PROTOCOLS.map((protocol) => [protocol, tally.total(protocol)]));
  const baseline = gateway.rss();
  const heapBaseline = await gateway.heap();
  say(`baseline RSS ${mib(baseline)} (cold ${mib(cold)})`);

  let peak = baseline;
  const sampler = setInterval(() => {
    const rss = gateway.rss();
    if (rss > peak) peak = rss;
  }, 250);
  const started = Date.now();
  const cpuBefore = cpuSeconds(gateway.pid);
  const loadBefore = loadavg()[0]!;
  const progress = setInterval(() => {
    const counts = PROTOCOLS.map(
      (p) => `${p} ${(tally.total(p) - warmTally.get(p)!).toLocaleString('en-US')}`,
    ).join(', ');
    say(`${Math.round((Date.now() - started) / 1000)} s: ${counts}; RSS ${mib(gateway.rss())}`);
  }, 10_000);
  const stats = await hostile(
    (protocol) => warmTally.get(protocol as (typeof PROTOCOLS)[number])! + options.inputs,
    started + options.seconds * 1000,
    0,
  );
  const ended = Date.now();
  clearInterval(progress);
  clearInterval(sampler);
  const hostileSeconds = (ended - started) / 1000;
  const gatewayLoopDelay = await gateway.loopDelay();
  const cpu = {
    gatewayPercent: ((cpuSeconds(gateway.pid) - cpuBefore) / hostileSeconds) * 100,
    loadBefore,
    loadAfter: loadavg()[0]!,
    hostileNiced: niced,
  };

  // Every hostile connection is closed by now; wait for RSS to come back (or the settle time to pass).
  const settleStart = Date.now();
  const settled = async () => {
    if (crashed()) return Number.NaN;
    await gateway.collectGarbage();
    return gateway.rss();
  };
  let after = await settled();
  while (!crashed() && after > baseline * 1.1 && Date.now() - settleStart < options.settleSeconds * 1000) {
    await sleep(2000);
    after = await settled();
  }
  const settledAfterSeconds = (Date.now() - settleStart) / 1000;
  const heapAfter = await gateway.heap();

  bystander.postMessage({ type: 'stop', graceMs: 2000 });
  const [message] = (await once(bystander, 'message')) as [{ type: string; result: BystanderResult }];
  await bystander.terminate();
  const { deliveries, misordered, incidents } = message.result;
  const exit = gateway.exit();
  const crash = exit ? { code: exit.code, signal: exit.signal, log: tail(gateway.logFile, 12) } : null;
  let stopExit: number | null = null;
  if (!crash) {
    await gateway.stop();
    stopExit = gateway.exit()?.code ?? null;
  }

  const protocols = fuzzers.map((fuzzer, index) => ({
    protocol: fuzzer.protocol,
    inputs: tally.total(fuzzer.protocol) - warmTally.get(fuzzer.protocol as (typeof PROTOCOLS)[number])!,
    byClass: tally.byClass(fuzzer.protocol),
    stats: stats[index]!,
  }));
  const whole = summarize(deliveries);
  const duringCampaign = summarize(deliveries, started, ended);
  const result: Omit<CampaignResult, 'gates'> = {
    options,
    protocols,
    hostileSeconds,
    unfuzzed: Object.keys(gateway.ports).filter(
      (port) => port !== 'admin' && !fuzzers.some((f) => f.protocol === port),
    ),
    cpu,
    gatewayLoopDelay,
    crash,
    stopExit,
    bystander: {
      whole,
      duringCampaign,
      control: summarize(deliveries, controlFrom, controlTo),
      misordered,
      incidents,
    },
    rss: { cold, baseline, peak, after, settledAfterSeconds },
    heap: { baseline: heapBaseline, after: heapAfter },
  };
  return { ...result, gates: gates(result) };
}

function gates(result: Omit<CampaignResult, 'gates'>): CampaignResult['gates'] {
  const { bystander, rss } = result;
  const short = result.protocols.filter((p) => p.inputs < result.options.inputs);
  return [
    {
      name: 'gateway crashes',
      pass: result.crash === null,
      detail: result.crash ? `exit ${result.crash.code ?? result.crash.signal}` : '0',
    },
    {
      name: `inputs per protocol ≥ ${result.options.inputs.toLocaleString('en-US')}`,
      pass: short.length === 0,
      detail:
        short.length === 0
          ? 'all reached'
          : short.map((p) => `${p.protocol} ${p.inputs.toLocaleString('en-US')}`).join(', '),
    },
    {
      name: 'bystander messages lost',
      pass: bystander.whole.lost === 0,
      detail: `${bystander.whole.lost} of ${bystander.whole.sent}`,
    },
    {
      name: 'bystander messages later than 1 s',
      pass: bystander.whole.overOneSecond === 0,
      detail: String(bystander.whole.overOneSecond),
    },
    {
      name: 'bystander p99 < 100 ms while the campaign runs',
      pass: bystander.duringCampaign.p99 < 100,
      detail: `${bystander.duringCampaign.p99.toFixed(1)} ms`,
    },
    {
      name: 'bystander connections undisturbed',
      pass: bystander.incidents.length === 0 && bystander.misordered === 0,
      detail:
        bystander.incidents.length === 0 && bystander.misordered === 0
          ? 'yes'
          : `${bystander.incidents.length} incidents, ${bystander.misordered} out of order`,
    },
    {
      name: 'RSS after within 10 % of the baseline',
      pass: rss.after <= rss.baseline * 1.1,
      detail: `${mib(rss.after)} vs ${mib(rss.baseline)} (${(((rss.after - rss.baseline) / rss.baseline) * 100).toFixed(1)} %)`,
    },
  ];
}

/** Accounts for the hostile logins, and the hostile room (its password is the gateway's to choose). */
async function prepare(gateway: FuzzedGateway): Promise<HostileRoom> {
  const admin = `http://127.0.0.1:${gateway.ports.admin}/admin/accounts`;
  const accounts = [...NAMES.accounts, ...NAMES.decoys.map((name) => ({ name, password: `decoy-${name}` }))];
  for (const account of accounts) {
    const response = await fetch(admin, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(account),
    });
    if (response.status !== 201)
      throw new Error(`could not create ${account.name}: ${response.status} ${await response.text()}`);
  }
  const tally = new Tally();
  const connection = await HostileConnection.open(gateway.ports['tcp-rooms']!, tally, 'setup');
  connection.keep();
  const owner = NAMES.accounts[0]!;
  // One step at a time: this is set-up, not the pipelined login the campaign attacks.
  await connection.send(Buffer.from(`${owner.name}\n`), 1, 'setup');
  await connection.waitFor('Password:', 5000);
  await connection.send(Buffer.from(`${owner.password}\n`), 1, 'setup');
  await connection.waitFor('Welcome back', 5000);
  await connection.send(Buffer.from('/create fz-room\n'), 1, 'setup');
  const match = await connection.waitForMatch(/Room fz-room created\. Password: (\S+)\r?\n/, 5000);
  connection.hangUp();
  if (!match) throw new Error(`could not create the hostile room: ${connection.received().toString()}`);
  return { name: 'fz-room', password: match[1]! };
}

function lowerThisThread(): boolean {
  try {
    setPriority(10);
    return true;
  } catch {
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

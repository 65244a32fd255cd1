import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type ProfileSummary, summarizeProfile } from '../report/profile.ts';
import { startGateway } from '../servers/gateway-server.ts';
import { type BenchContext, clientSpecs, names, using } from './context.ts';
import { runPairs } from './direct.ts';

/**
 * Runs the gateway under `node --cpu-prof` through the broadcast and the direct workloads (one
 * gateway each, so each profile is one workload) and summarizes each profile by self time.
 */
export async function profileGateway(context: BenchContext): Promise<ProfileSummary[]> {
  const summaries: ProfileSummary[] = [];
  const receivers = Math.max(...context.scale.broadcastReceivers);
  const { warmupSeconds, measureSeconds, textBytes } = context.scale;

  summaries.push(
    await profiled(
      context,
      'broadcast',
      `broadcast to ${receivers} json-ws receivers, saturated`,
      async (server) => {
        await using(
          async () => server,
          Math.max(2, Math.ceil(receivers / context.scale.connectionsPerWorker)),
          async (pool) => {
            const sender = await pool.open(clientSpecs(server, 'json-ws', ['bsender']), {
              workerOf: () => 0,
            });
            const open = await pool.open(clientSpecs(server, 'json-ws', names('b', receivers)), {
              concurrency: context.scale.openConcurrency,
            });
            const canary = open.handles.find((handle) => handle.worker === 0)!;
            await pool.setBroadcaster(sender.handles[0]!, canary);
            await pool.prime();
            await pool.start({ mode: 'saturate', window: context.scale.broadcastWindow, textBytes });
            await pool.measure(warmupSeconds, measureSeconds * 2);
            await pool.stop();
          },
        );
      },
    ),
  );
  for (const [from, to] of [
    ['json-ws', 'json-ws'],
    ['soh', 'soh'],
  ] as const) {
    summaries.push(
      await profiled(
        context,
        `direct-${from}`,
        `direct ${from} → ${to}, saturated then half load`,
        (server) =>
          using(
            async () => server,
            1,
            (pool) => runPairs(context, pool, server, from, to),
          ).then(() => undefined),
      ),
    );
  }
  return summaries;
}

async function profiled(
  context: BenchContext,
  id: string,
  label: string,
  workload: (server: Awaited<ReturnType<typeof startGateway>>) => Promise<void>,
): Promise<ProfileSummary> {
  const dir = join(context.runDir, `profile-${id}`);
  mkdirSync(dir, { recursive: true });
  context.log(`profile: ${label}`);
  const server = await startGateway({ dir, core: context.serverCore, cpuProfileDir: dir });
  await workload(server); // `using` stops the gateway, which writes the profile as it exits
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile in ${dir}`);
  return summarizeProfile(join(dir, file), label);
}

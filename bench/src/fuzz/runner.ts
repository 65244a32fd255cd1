import { HostileConnection } from './hostile/connection.ts';
import type { EpisodeContext, HostileNames, ProtocolFuzzer } from './hostile/episode.ts';
import type { Pacer } from './pacer.ts';
import { Random } from './random.ts';
import type { Tally } from './tally.ts';

/** Longest one hostile session may take; then its connections are destroyed whatever it was doing. */
const EPISODE_TIMEOUT_MS = 15_000;

export interface RunnerOptions {
  fuzzer: ProtocolFuzzer;
  port: number;
  /** Inputs to send before this protocol stops. */
  target: number;
  /** Epoch ms after which no new episode starts. */
  until: number;
  /** Hostile sessions at once. */
  concurrency: number;
  seed: number;
  names: HostileNames;
  tally: Tally;
  /** This protocol's rate of inputs, shared by its sessions. */
  pacer: Pacer;
  /** Only the episodes whose `protocol:name` holds this text (to find which input hurts). */
  only?: string | undefined;
  /** Checked between episodes: true stops the runner (the gateway died, or the campaign ended). */
  stopped(): boolean;
}

export interface RunnerStats {
  episodes: number;
  /** Connections the gateway refused or reset before they could send anything. */
  connectFailures: number;
  /** Episodes cut off by {@link EPISODE_TIMEOUT_MS}. */
  timeouts: number;
}

/** Runs hostile sessions against one port until its target, the deadline, or a stop. */
export async function runProtocol(options: RunnerOptions): Promise<RunnerStats> {
  const stats: RunnerStats = { episodes: 0, connectFailures: 0, timeouts: 0 };
  const { fuzzer, tally } = options;
  const done = () =>
    options.stopped() || tally.total(fuzzer.protocol) >= options.target || Date.now() >= options.until;
  const episodes = fuzzer.episodes
    .filter(([, name]) => options.only === undefined || `${fuzzer.protocol}:${name}`.includes(options.only))
    .map(([weight, , episode]) => [weight, episode] as const);
  if (episodes.length === 0) return stats;
  const lane = async (index: number) => {
    const random = new Random(options.seed * 7919 + index);
    while (!done()) {
      const open: HostileConnection[] = [];
      const context: EpisodeContext = {
        random,
        names: options.names,
        open: async () => {
          const connection = await HostileConnection.open(
            options.port,
            tally,
            fuzzer.protocol,
            options.pacer,
          ).catch((error: unknown) => {
            stats.connectFailures++;
            throw error;
          });
          open.push(connection);
          return connection;
        },
      };
      const episode = random.weighted(episodes);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), EPISODE_TIMEOUT_MS);
      });
      // A hostile client's own socket errors (resets, refused writes) are the point, not failures.
      const outcome = await Promise.race([episode(context).catch(() => 'error'), timedOut]);
      clearTimeout(timer);
      if (outcome === 'timeout') stats.timeouts++;
      for (const connection of open) connection.hangUp();
      stats.episodes++;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, i) => lane(i)));
  return stats;
}

import { join } from 'node:path';
import type { ClientProtocol, ClientSpec } from '../load/clients/client.ts';
import { LoadPool, sourceAddress } from '../load/pool.ts';
import type { Scale } from '../scale.ts';
import { startBaseline } from '../servers/baseline-server.ts';
import { startGateway } from '../servers/gateway-server.ts';
import { cpuSeconds, machineBusySeconds } from '../servers/process-stats.ts';
import type { ServerUnderTest } from '../servers/server.ts';

/** What every scenario gets from the harness. */
export interface BenchContext {
  scale: Scale;
  /** Scratch directory of this run (data dirs, gateway logs, profiles). */
  runDir: string;
  /** Core for servers (the generator runs on the other), or null when pinning is off. */
  serverCore: number | null;
  /** Largest number of connections one process may hold (open-files limit minus headroom). */
  maxConnectionsPerProcess: number;
  log(line: string): void;
}

let serial = 0;

export function gateway(context: BenchContext, options: { redis?: string; label?: string } = {}) {
  serial += 1;
  return startGateway({
    dir: join(context.runDir, `gateway-${serial}`),
    core: context.serverCore,
    ...options,
  });
}

export const rawWs = (context: BenchContext) => startBaseline('ws-relay', { core: context.serverCore });
export const rawNet = (context: BenchContext) => startBaseline('soh-relay', { core: context.serverCore });
export const socketIo = (context: BenchContext, redis?: string) =>
  startBaseline('socket-io-relay', {
    core: context.serverCore,
    ...(redis && { redis, label: 'Socket.IO + Redis' }),
  });

/** Client specs for `names` on `server`'s port for `protocol`, spread over the source addresses. */
export function clientSpecs(
  server: ServerUnderTest,
  protocol: ClientProtocol,
  names: string[],
  password?: string,
): ClientSpec[] {
  const port = server.ports[protocol];
  if (port === undefined) throw new Error(`${server.label} does not serve ${protocol}`);
  return names.map((name, index) => ({
    protocol,
    host: '127.0.0.1',
    port,
    localAddress: sourceAddress(index + serial * 7),
    name,
    ...(password !== undefined && { password }),
  }));
}

export function names(prefix: string, count: number, from = 0): string[] {
  return Array.from({ length: count }, (_, index) => `${prefix}${String(from + index).padStart(6, '0')}`);
}

export function workersFor(context: BenchContext, connections: number): number {
  return Math.max(1, Math.ceil(connections / context.scale.connectionsPerWorker));
}

/** Starts counting the CPU time of `pids`; the returned function gives the use since, as % of one core. */
export function cpuMeter(pids: readonly number[]): () => number {
  const total = () => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const before = total();
  const started = performance.now();
  return () => ((total() - before) / ((performance.now() - started) / 1000)) * 100;
}

/**
 * Starts counting what the rest of the machine does: busy CPU of every process but `ours` (and
 * this harness), as % of one core. Other work on a shared machine skews every figure, so the
 * report shows it beside them.
 */
export function foreignCpuMeter(ours: readonly number[]): () => number {
  const all = () =>
    machineBusySeconds() - ours.reduce((sum, pid) => sum + cpuSeconds(pid), 0) - cpuSeconds(process.pid);
  const before = all();
  const started = performance.now();
  return () => Math.max(0, ((all() - before) / ((performance.now() - started) / 1000)) * 100);
}

/**
 * Forks the load workers (they load while the server starts), starts the server, runs `body`,
 * and always stops both.
 */
export async function using<T>(
  start: () => Promise<ServerUnderTest>,
  workers: number,
  body: (pool: LoadPool, server: ServerUnderTest) => Promise<T>,
): Promise<T> {
  const pool = new LoadPool(workers);
  let server: ServerUnderTest | null = null;
  try {
    server = await start();
    return await body(pool, server);
  } finally {
    pool.stopWorkers();
    await server?.stop();
  }
}

/** Fails early when a server does not serve the protocol a scenario needs. */
export function requirePort(server: ServerUnderTest, protocol: ClientProtocol): ServerUnderTest {
  if (server.ports[protocol] === undefined) throw new Error(`${server.label} serves no ${protocol}`);
  return server;
}

/**
 * Creates accounts by signing up on tcp-rooms (the way a user would), so rs-us and tcp-rooms
 * clients can log in. Returns once every account exists.
 */
export async function signUp(
  pool: LoadPool,
  server: ServerUnderTest,
  accountNames: string[],
  password: string,
) {
  const { handles, summary } = await pool.open(clientSpecs(server, 'tcp-rooms', accountNames, password), {
    concurrency: 20,
  });
  if (summary.failed > 0) throw new Error(`sign-up failed: ${summary.firstError}`);
  await pool.close(handles);
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

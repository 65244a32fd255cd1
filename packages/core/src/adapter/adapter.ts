import type { z } from 'zod';
import type { ConnectionHost } from '../connection/connection-runtime.ts';
import { defaultEdge, type Edge } from '../edge/edge.ts';
import type { Name } from '../names/name.ts';
import type { Logger } from '../ports/logger.ts';
import type { SessionDirectory } from '../ports/presence.ts';

/**
 * What an adapter may use of the core: what its {@link ConnectionRuntime} needs (admission, the
 * clock and timers, the limits, its protocol's counters), and the read-only questions a protocol
 * answers its clients (is a name registered, who is active, which rooms exist, the sessions
 * directory). The hub implements it; an adapter never gets the hub itself, so accounts, routing
 * and the cluster stay the core's. Everything a connection does goes through its `Session`.
 */
export interface AdapterServices extends ConnectionHost {
  /** True when the name is a registered account (or reserved for the system sender). */
  isRegistered(name: Name): Promise<boolean>;
  /** Every active name in the service, sorted by bytes. */
  activeNames(): Promise<Name[]>;
  /** The names of the private rooms, sorted. */
  readonly rooms: { list(): Promise<string[]> };
  /** client_id → session id, service-wide (the sessions protocol). */
  readonly sessions: SessionDirectory;
}

/** What the gateway hands an adapter when it starts it. */
export interface AdapterStartContext<Options> {
  hub: AdapterServices;
  logger: Logger;
  host: string;
  /** 0 picks a free port; {@link RunningAdapter.port} says which. */
  port: number;
  /** The adapter's own settings, already validated by its `optionsSchema`. */
  options: Options;
  /**
   * Where the adapter gets its listener and its clients' addresses (TLS, PROXY protocol,
   * forwarded headers, descriptor exhaustion). Absent: plain listeners, no trusted proxies
   * ({@link defaultEdge}).
   */
  edge?: Edge;
}

export interface RunningAdapter {
  /** The port actually bound. */
  readonly port: number;
  /**
   * Graceful stop: stop accepting, tell each client in the protocol's way, close every
   * connection. Resolves when they are closed (or forcibly destroyed after a short grace).
   */
  close(): Promise<void>;
}

/**
 * `switchboard connect <adapter> TARGET...`: a terminal chat client for the protocol. Reads lines
 * from `input`, prints what the server sends on `output`, problems on `errors`; resolves with the
 * process exit code (2 for a usage error, such as a malformed target).
 */
export interface TerminalClientRun {
  /** The arguments after the adapter's name: `HOST PORT`, a URL, a name, as the client documents. */
  target: readonly string[];
  /** `--tls`: connect over TLS; `insecure` skips verification, `ca` is a PEM file to trust. */
  tls: { enabled: boolean; insecure: boolean; ca: string | undefined };
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  errors: NodeJS.WritableStream;
  /** Tells `problem` with the command's usage on `errors`; returns 2, the exit code to resolve with. */
  usageError(problem: string): number;
}

export interface TerminalClient {
  /** Its usage lines after `switchboard connect`, e.g. `[--tls] irc HOST PORT NICK`. */
  readonly usage: readonly string[];
  run(run: TerminalClientRun): Promise<number>;
}

/**
 * One protocol, as the gateway's registry knows it (built in, or a plug-in loaded with
 * `serve --plugin`). The gateway derives everything else from it: the config keys
 * `adapters.<name>.*`, the environment names `SWITCHBOARD_<NAME>_*`, the `--<name>-port` flag,
 * `--only`, the metrics labels, `connect <name>`.
 *
 * The test driver is not part of the definition, so a published adapter does not ship it: by
 * convention the package's `./testing` entry exports `driver` (an `AdapterContractDriver` from
 * `@switchboard/core/testing`), which the adapter contract and the interop matrix use.
 * docs/writing-an-adapter.md walks through a complete one.
 */
export interface AdapterDefinition<Options = unknown> {
  /** Lower-case letters, digits and inner dashes ({@link ADAPTER_NAME}); unique in the gateway. */
  readonly name: string;
  /** The port it listens on unless configured; a real port (1-65535), distinct from the others'. */
  readonly defaultPort: number;
  /** Every setting with a default, so `{}` is valid; a `z.object` so each key becomes a setting. */
  readonly optionsSchema: z.ZodType<Options>;
  start(context: AdapterStartContext<Options>): Promise<RunningAdapter>;
  /**
   * The terminal client of `switchboard connect <name>`, loaded only when that command runs (a
   * client's code costs a serving gateway nothing).
   */
  readonly terminalClient?: () => Promise<TerminalClient>;
}

/** What an adapter's name must look like: it becomes a flag, an env name part and a label. */
export const ADAPTER_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

/** The context's edge, or plain listeners without trusted proxies when it has none. */
export function edgeOf(context: AdapterStartContext<unknown>): Edge {
  return context.edge ?? defaultEdge(context.logger);
}

/** Keeps the options type of an adapter definition while checking its shape. */
export function defineAdapter<Options>(definition: AdapterDefinition<Options>): AdapterDefinition<Options> {
  return definition;
}

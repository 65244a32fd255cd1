import type { z } from 'zod';
import { defaultEdge, type Edge } from '../edge/edge.ts';
import type { Hub } from '../hub/hub.ts';
import type { Logger } from '../ports/logger.ts';

/** What the gateway hands an adapter when it starts it. */
export interface AdapterStartContext<Options> {
  hub: Hub;
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
 * One protocol, as the gateway's static list of adapters knows it. The options schema gives
 * every setting a default, so `{}` is a valid configuration.
 */
export interface AdapterDefinition<Options = unknown> {
  readonly name: string;
  readonly defaultPort: number;
  readonly optionsSchema: z.ZodType<Options>;
  start(context: AdapterStartContext<Options>): Promise<RunningAdapter>;
}

/** The context's edge, or plain listeners without trusted proxies when it has none. */
export function edgeOf(context: AdapterStartContext<unknown>): Edge {
  return context.edge ?? defaultEdge(context.logger);
}

/** Keeps the options type of an adapter definition while checking its shape. */
export function defineAdapter<Options>(definition: AdapterDefinition<Options>): AdapterDefinition<Options> {
  return definition;
}

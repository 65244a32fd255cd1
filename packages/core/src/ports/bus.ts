/**
 * What one node tells the others. The local node has already acted on an event before it
 * publishes it; a bus never delivers an event back to the node that published it.
 * Names travel as keys (see `Name.key`), texts as bytes.
 */
export type BusEvent =
  | { kind: 'direct'; to: string[]; sender: string; text: Buffer; timestamp: number }
  | { kind: 'broadcast'; room: string | null; sender: string; text: Buffer; timestamp: number }
  /** A guest claim of `name` with fencing token `token`: holders with an older token yield. */
  | { kind: 'claim'; name: string; token: number }
  /** Authenticated connections of `name` on other nodes lose their binding. */
  | { kind: 'invalidate'; name: string };

/**
 * Carries events between the nodes of one service. Events from one publisher must arrive in the
 * order they were published (per-sender message order depends on it).
 */
export interface Bus {
  publish(event: BusEvent): void;
  /** Registers the single receiver of events from other nodes. */
  onEvent(handler: (event: BusEvent) => void): void;
  /** True when the node has peers to tell; false lets a lone node skip the work. */
  readonly clustered: boolean;
  close(): Promise<void>;
}

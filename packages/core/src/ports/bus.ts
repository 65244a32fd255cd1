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
 * An administrative question to every other node (list connections, disconnect a name, a system
 * message) and the answers, each to the asker alone. `body` is JSON the hub owns.
 */
export type AdminEvent =
  | { kind: 'request'; from: string; id: number; body: string }
  | { kind: 'reply'; to: string; from: string; id: number; body: string };

/**
 * Request and reply between nodes, beside the message path (rare calls of the server API).
 * `request` events go to every other node, `reply` events only to the node named by `to`.
 */
export interface AdminChannel {
  publish(event: AdminEvent): void;
  onEvent(handler: (event: AdminEvent) => void): void;
  /** The other live nodes, so the asker waits for exactly their answers. */
  peers(): readonly string[];
}

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
  /** Optional: without it, administrative calls reach this node's connections only. */
  readonly admin?: AdminChannel;
  close(): Promise<void>;
}

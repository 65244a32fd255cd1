import type { Bus, BusEvent } from '../ports/bus.ts';
import type { Presence, SessionDirectory } from '../ports/presence.ts';

/**
 * Several nodes in one process, as socket.io's cluster-adapter tests run them: each node gets a
 * bus, presence and session directory that share state with the other nodes of the cluster.
 * Events arrive asynchronously and in publish order; `failing` makes publishing drop events.
 */
export class MemoryCluster {
  failing = false;
  readonly #buses = new Map<string, MemoryBus>();
  readonly #presence = new Map<string, Map<string, number>>();
  readonly #sessions = new Map<string, { node: string; sessionId: string }>();
  #claims = 0;

  node(nodeId: string): { bus: Bus; presence: Presence; sessions: SessionDirectory } {
    const bus = new MemoryBus(this, nodeId);
    this.#buses.set(nodeId, bus);
    this.#presence.set(nodeId, new Map());
    return { bus, presence: new MemoryPresence(this, nodeId), sessions: new MemoryDirectory(this, nodeId) };
  }

  /** Forgets a node as if its heartbeats expired (a `kill -9`). */
  forget(nodeId: string): void {
    this.#buses.delete(nodeId);
    this.#presence.delete(nodeId);
    for (const [clientId, entry] of this.#sessions)
      if (entry.node === nodeId) this.#sessions.delete(clientId);
  }

  /** @internal */
  send(from: string, event: BusEvent): void {
    if (this.failing) return;
    for (const [nodeId, bus] of this.#buses) if (nodeId !== from) bus.receive(structuredClone(event));
  }

  /** @internal */
  presenceOf(nodeId: string): Map<string, number> | undefined {
    return this.#presence.get(nodeId);
  }

  /** @internal */
  allNames(): Set<string> {
    const names = new Set<string>();
    for (const node of this.#presence.values()) for (const name of node.keys()) names.add(name);
    return names;
  }

  /** @internal */
  nextClaim(): number {
    this.#claims += 1;
    return this.#claims;
  }

  /** @internal */
  get sessionEntries(): Map<string, { node: string; sessionId: string }> {
    return this.#sessions;
  }
}

class MemoryBus implements Bus {
  readonly clustered = true;
  readonly #cluster: MemoryCluster;
  readonly #nodeId: string;
  #handler: ((event: BusEvent) => void) | null = null;
  #queue: BusEvent[] = [];
  #scheduled = false;

  constructor(cluster: MemoryCluster, nodeId: string) {
    this.#cluster = cluster;
    this.#nodeId = nodeId;
  }

  publish(event: BusEvent): void {
    this.#cluster.send(this.#nodeId, event);
  }

  onEvent(handler: (event: BusEvent) => void): void {
    this.#handler = handler;
  }

  receive(event: BusEvent): void {
    this.#queue.push(event);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      const events = this.#queue;
      this.#queue = [];
      for (const queued of events) this.#handler?.(queued);
    });
  }

  async close(): Promise<void> {
    this.#handler = null;
  }
}

class MemoryPresence implements Presence {
  readonly #cluster: MemoryCluster;
  readonly #nodeId: string;

  constructor(cluster: MemoryCluster, nodeId: string) {
    this.#cluster = cluster;
    this.#nodeId = nodeId;
  }

  add(nameKey: string): void {
    this.#cluster.presenceOf(this.#nodeId)?.set(nameKey, 1);
  }
  remove(nameKey: string): void {
    this.#cluster.presenceOf(this.#nodeId)?.delete(nameKey);
  }
  async list(): Promise<string[]> {
    return [...this.#cluster.allNames()];
  }
  async filterActive(nameKeys: readonly string[]): Promise<Set<string>> {
    const all = this.#cluster.allNames();
    return new Set(nameKeys.filter((key) => all.has(key)));
  }
  async nextClaim(): Promise<number> {
    return this.#cluster.nextClaim();
  }
  async close(): Promise<void> {}
}

class MemoryDirectory implements SessionDirectory {
  readonly #cluster: MemoryCluster;
  readonly #nodeId: string;

  constructor(cluster: MemoryCluster, nodeId: string) {
    this.#cluster = cluster;
    this.#nodeId = nodeId;
  }

  set(clientId: string, sessionId: string): void {
    this.#cluster.sessionEntries.set(clientId, { node: this.#nodeId, sessionId });
  }
  delete(clientId: string, sessionId: string): void {
    if (this.#cluster.sessionEntries.get(clientId)?.sessionId === sessionId)
      this.#cluster.sessionEntries.delete(clientId);
  }
  async list(): Promise<Array<[string, string]>> {
    return [...this.#cluster.sessionEntries].map(([clientId, entry]) => [clientId, entry.sessionId]);
  }
  async close(): Promise<void> {}
}

import type { AdminChannel, AdminEvent, Bus, BusEvent } from '../ports/bus.ts';
import type { Presence, SessionDirectory } from '../ports/presence.ts';

/**
 * Several nodes in one process, as socket.io's cluster-adapter tests run them: each node gets a
 * bus, presence and session directory that share state with the other nodes of the cluster.
 * Events arrive asynchronously and in publish order; `failing` makes publishing drop events.
 * Direct messages are routed by owner, as the Redis bus does: only to the nodes holding a
 * recipient (a guest name at its newest claim only). Presence here is shared memory, always
 * current, so a message is never in flight to a node that already lost the name to a newer claim
 * (it is queued there before the claim that replaces its holder) and nothing needs forwarding.
 */
export class MemoryCluster {
  failing = false;
  /** Direct and room frames each node's bus received, for the owner-routing tests. */
  readonly directReceived = new Map<string, number>();
  readonly broadcastReceived = new Map<string, number>();
  /** Private rooms with members, per node. */
  readonly #rooms = new Map<string, Set<string>>();
  readonly #buses = new Map<string, MemoryBus>();
  readonly #admins = new Map<string, MemoryAdminChannel>();
  readonly #presence = new Map<string, Map<string, number>>();
  readonly #sessions = new Map<string, { node: string; sessionId: string }>();
  #claims = 0;

  node(nodeId: string): { bus: Bus; presence: Presence; sessions: SessionDirectory } {
    const admin = new MemoryAdminChannel(this, nodeId);
    this.#admins.set(nodeId, admin);
    const bus = new MemoryBus(this, nodeId, admin);
    this.#buses.set(nodeId, bus);
    this.#presence.set(nodeId, new Map());
    return { bus, presence: new MemoryPresence(this, nodeId), sessions: new MemoryDirectory(this, nodeId) };
  }

  /** Forgets a node as if its heartbeats expired (a `kill -9`). */
  forget(nodeId: string): void {
    this.#buses.delete(nodeId);
    this.#admins.delete(nodeId);
    this.#presence.delete(nodeId);
    this.#rooms.delete(nodeId);
    for (const [clientId, entry] of this.#sessions)
      if (entry.node === nodeId) this.#sessions.delete(clientId);
  }

  /** @internal */
  send(from: string, event: BusEvent): void {
    if (this.failing) return;
    if (event.kind === 'direct') {
      for (const nodeId of this.#owners(from, event.to)) {
        this.directReceived.set(nodeId, (this.directReceived.get(nodeId) ?? 0) + 1);
        this.#buses.get(nodeId)?.receive(structuredClone(event));
      }
      return;
    }
    for (const [nodeId, bus] of this.#buses) {
      if (nodeId === from) continue;
      if (event.kind === 'broadcast') {
        // A private room's message only where the room has members.
        if (event.room !== null && !this.#rooms.get(nodeId)?.has(event.room)) continue;
        this.broadcastReceived.set(nodeId, (this.broadcastReceived.get(nodeId) ?? 0) + 1);
      }
      bus.receive(structuredClone(event));
    }
  }

  /** @internal Requests to every other node, replies to the one they answer. */
  sendAdmin(from: string, event: AdminEvent): void {
    if (this.failing) return;
    for (const [nodeId, channel] of this.#admins) {
      if (nodeId === from || (event.kind === 'reply' && nodeId !== event.to)) continue;
      channel.receive(structuredClone(event));
    }
  }

  /** @internal */
  peersOf(nodeId: string): string[] {
    return [...this.#admins.keys()].filter((id) => id !== nodeId);
  }

  /** @internal */
  roomsOf(nodeId: string): Set<string> {
    let rooms = this.#rooms.get(nodeId);
    if (!rooms) {
      rooms = new Set();
      this.#rooms.set(nodeId, rooms);
    }
    return rooms;
  }

  /** The other nodes a direct message goes to: registered holders, or the newest guest claim. */
  #owners(from: string, to: readonly string[]): Set<string> {
    const owners = new Set<string>();
    for (const key of to) {
      const registered: string[] = [];
      let newest: string | null = null;
      let newestToken = -1;
      for (const [nodeId, names] of this.#presence) {
        const token = names.get(key);
        if (token === undefined) continue;
        if (token === 0) registered.push(nodeId);
        else if (token > newestToken) {
          newest = nodeId;
          newestToken = token;
        }
      }
      for (const nodeId of registered.length > 0 ? registered : newest === null ? [] : [newest])
        if (nodeId !== from) owners.add(nodeId);
    }
    return owners;
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

class MemoryAdminChannel implements AdminChannel {
  readonly #cluster: MemoryCluster;
  readonly #nodeId: string;
  #handler: ((event: AdminEvent) => void) | null = null;

  constructor(cluster: MemoryCluster, nodeId: string) {
    this.#cluster = cluster;
    this.#nodeId = nodeId;
  }

  publish(event: AdminEvent): void {
    this.#cluster.sendAdmin(this.#nodeId, event);
  }

  onEvent(handler: (event: AdminEvent) => void): void {
    this.#handler = handler;
  }

  peers(): readonly string[] {
    return this.#cluster.peersOf(this.#nodeId);
  }

  /** Asynchronously, as a network would. */
  receive(event: AdminEvent): void {
    setImmediate(() => this.#handler?.(event));
  }
}

class MemoryBus implements Bus {
  readonly clustered = true;
  readonly admin: AdminChannel;
  readonly #cluster: MemoryCluster;
  readonly #nodeId: string;
  #handler: ((event: BusEvent) => void) | null = null;
  #queue: BusEvent[] = [];
  #scheduled = false;

  constructor(cluster: MemoryCluster, nodeId: string, admin: AdminChannel) {
    this.#cluster = cluster;
    this.#nodeId = nodeId;
    this.admin = admin;
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

  add(nameKey: string, claimToken = 0): void {
    this.#cluster.presenceOf(this.#nodeId)?.set(nameKey, claimToken);
  }
  remove(nameKey: string): void {
    this.#cluster.presenceOf(this.#nodeId)?.delete(nameKey);
  }
  roomJoined(room: string): void {
    this.#cluster.roomsOf(this.#nodeId).add(room);
  }
  roomLeft(room: string): void {
    this.#cluster.roomsOf(this.#nodeId).delete(room);
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

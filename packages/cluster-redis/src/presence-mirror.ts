import type { MirrorEvent } from './bus-codec.ts';

/** One node's state as Redis holds it: its event number and what it held at that number. */
export interface NodeSnapshot {
  nodeId: string;
  seq: number;
  /** name key -> claim token (0: registered). */
  names: Map<string, number>;
  sessions: Map<string, string>;
  /** Private rooms with members on that node. */
  rooms: Set<string>;
}

/**
 * What applying one event did: `gap` and `unknown` ask the caller to reload that node; `behind`
 * is a beat numbered below what we hold (a bogus event raised our number, or the node's state
 * was lost): a reload puts Redis's number back.
 */
export type ApplyResult = 'applied' | 'stale' | 'behind' | 'gap' | 'unknown';

interface Part {
  seq: number;
  names: Map<string, number>;
  sessions: Map<string, string>;
  rooms: Set<string>;
  seenAt: number;
}

/** The nodes holding one name, and where messages to it go (computed on first use). */
interface Holders {
  tokens: Map<string, number>;
  route: readonly string[] | null;
  /** The route's claim token: 0 for registered holders, else the newest guest claim. */
  routeToken: number;
}

const NOWHERE: readonly string[] = Object.freeze([]);
const NO_NODES: ReadonlySet<string> = new Set();

/**
 * The other nodes' presence, as this node last heard it: per node its names (with claim tokens)
 * and sessions, and an index name -> holders for routing. Pure: events and snapshots come in,
 * answers go out; loading from Redis and timing belong to the caller. This node's own part is
 * never here (its local truth is), so nothing another node says can change it.
 */
export class PresenceMirror {
  readonly #parts = new Map<string, Part>();
  readonly #holders = new Map<string, Holders>();
  /** Private room -> the nodes with members in it. */
  readonly #roomNodes = new Map<string, Set<string>>();
  /** Called when a name has no holder left, so route memories can forget it. */
  onNameGone: ((nameKey: string) => void) | null = null;

  /** Active names known from other nodes. */
  get size(): number {
    return this.#holders.size;
  }

  get nodeCount(): number {
    return this.#parts.size;
  }

  knows(nodeId: string): boolean {
    return this.#parts.has(nodeId);
  }

  seqOf(nodeId: string): number | undefined {
    return this.#parts.get(nodeId)?.seq;
  }

  nodes(): IterableIterator<string> {
    return this.#parts.keys();
  }

  apply(nodeId: string, event: MirrorEvent, now: number): ApplyResult {
    const part = this.#parts.get(nodeId);
    if (!part) return 'unknown';
    part.seenAt = now;
    if (event.kind === 'beat') {
      if (event.seq < part.seq) return 'behind';
      if (event.seq > part.seq) return 'gap';
      if (event.leaving) this.drop(nodeId);
      return 'applied';
    }
    if (event.seq <= part.seq) return 'stale';
    if (event.seq !== part.seq + 1) return 'gap';
    part.seq = event.seq;
    switch (event.kind) {
      case 'name-added':
        part.names.set(event.name, event.token);
        this.#index(event.name, nodeId, event.token);
        break;
      case 'name-removed':
        if (part.names.delete(event.name)) this.#unindex(event.name, nodeId);
        break;
      case 'session-set':
        part.sessions.set(event.clientId, event.sessionId);
        break;
      case 'session-deleted':
        if (part.sessions.get(event.clientId) === event.sessionId) part.sessions.delete(event.clientId);
        break;
      case 'room-joined':
        part.rooms.add(event.room);
        this.#indexRoom(event.room, nodeId);
        break;
      case 'room-left':
        if (part.rooms.delete(event.room)) this.#unindexRoom(event.room, nodeId);
        break;
    }
    return 'applied';
  }

  /** Replaces one node's part with what Redis holds for it. */
  replace(snapshot: NodeSnapshot, now: number): void {
    this.drop(snapshot.nodeId);
    const { seq, names, sessions, rooms } = snapshot;
    const part: Part = { seq, names, sessions, rooms, seenAt: now };
    this.#parts.set(snapshot.nodeId, part);
    for (const [name, token] of part.names) this.#index(name, snapshot.nodeId, token);
    for (const room of part.rooms) this.#indexRoom(room, snapshot.nodeId);
  }

  /** Replaces every part: the nodes missing from `snapshots` are gone. */
  replaceAll(snapshots: readonly NodeSnapshot[], now: number): void {
    const keep = new Set(snapshots.map((snapshot) => snapshot.nodeId));
    for (const nodeId of [...this.#parts.keys()]) if (!keep.has(nodeId)) this.drop(nodeId);
    for (const snapshot of snapshots) this.replace(snapshot, now);
  }

  drop(nodeId: string): boolean {
    const part = this.#parts.get(nodeId);
    if (!part) return false;
    this.#parts.delete(nodeId);
    for (const name of part.names.keys()) this.#unindex(name, nodeId);
    for (const room of part.rooms) this.#unindexRoom(room, nodeId);
    return true;
  }

  /** Drops the nodes not heard from since `before` (their heartbeat stopped); returns their ids. */
  dropSilent(before: number): string[] {
    const dropped: string[] = [];
    for (const [nodeId, part] of this.#parts) if (part.seenAt < before) dropped.push(nodeId);
    for (const nodeId of dropped) this.drop(nodeId);
    return dropped;
  }

  holds(nameKey: string): boolean {
    return this.#holders.has(nameKey);
  }

  /**
   * Where a message to `nameKey` goes: every node holding it registered, or else the node of its
   * newest guest claim. `localToken` is this node's own claim (0 registered, undefined: not held
   * here): a newer local guest claim, or a local account against remote guests, wins and the
   * message goes nowhere else.
   */
  route(nameKey: string, localToken: number | undefined): readonly string[] {
    const holders = this.#holders.get(nameKey);
    if (!holders) return NOWHERE;
    if (holders.route === null) this.#computeRoute(holders);
    if (localToken === undefined) return holders.route!;
    if (holders.routeToken === 0) return localToken === 0 ? holders.route! : NOWHERE;
    return localToken === 0 || localToken >= holders.routeToken ? NOWHERE : holders.route!;
  }

  /** The other nodes with members in a private room. */
  roomNodes(room: string): ReadonlySet<string> {
    return this.#roomNodes.get(room) ?? NO_NODES;
  }

  nameKeys(): IterableIterator<string> {
    return this.#holders.keys();
  }

  /** Every session entry of the other nodes (a client id on two nodes at once: either one). */
  *sessions(): Generator<[string, string]> {
    for (const part of this.#parts.values()) yield* part.sessions;
  }

  /** The part of one node, for comparing with Redis in tests. */
  partOf(nodeId: string): Omit<NodeSnapshot, 'nodeId'> | undefined {
    const part = this.#parts.get(nodeId);
    return (
      part && {
        seq: part.seq,
        names: new Map(part.names),
        sessions: new Map(part.sessions),
        rooms: new Set(part.rooms),
      }
    );
  }

  #indexRoom(room: string, nodeId: string): void {
    let nodes = this.#roomNodes.get(room);
    if (!nodes) {
      nodes = new Set();
      this.#roomNodes.set(room, nodes);
    }
    nodes.add(nodeId);
  }

  #unindexRoom(room: string, nodeId: string): void {
    const nodes = this.#roomNodes.get(room);
    if (nodes?.delete(nodeId) && nodes.size === 0) this.#roomNodes.delete(room);
  }

  #computeRoute(holders: Holders): void {
    const registered: string[] = [];
    let newest: string | null = null;
    let newestToken = -1;
    for (const [nodeId, token] of holders.tokens) {
      if (token === 0) registered.push(nodeId);
      else if (token > newestToken) {
        newest = nodeId;
        newestToken = token;
      }
    }
    // An account wins over guests still holding the name on a node that has not yet heard of it.
    if (registered.length > 0) {
      holders.route = registered;
      holders.routeToken = 0;
    } else {
      holders.route = newest === null ? NOWHERE : [newest];
      holders.routeToken = newestToken;
    }
  }

  #index(nameKey: string, nodeId: string, token: number): void {
    let holders = this.#holders.get(nameKey);
    if (!holders) {
      holders = { tokens: new Map(), route: null, routeToken: 0 };
      this.#holders.set(nameKey, holders);
    }
    holders.tokens.set(nodeId, token);
    holders.route = null;
  }

  #unindex(nameKey: string, nodeId: string): void {
    const holders = this.#holders.get(nameKey);
    if (!holders?.tokens.delete(nodeId)) return;
    holders.route = null;
    if (holders.tokens.size === 0) {
      this.#holders.delete(nameKey);
      this.onNameGone?.(nameKey);
    }
  }
}

import { randomUUID } from 'node:crypto';
import { Accounts, type LoginResult, type RegisterResult } from '../accounts/accounts.ts';
import { defaultThrottleOptions, LoginThrottle, type ThrottleOptions } from '../accounts/login-throttle.ts';
import { defaultScryptParams, type ScryptParams } from '../accounts/password-hash.ts';
import { systemClock } from '../clock/system-clock.ts';
import { SwitchboardError } from '../errors.ts';
import { ConnectionLimiter } from '../limits/connection-limiter.ts';
import { defaultLimits, type Limits } from '../limits/limits.ts';
import { TokenBucket } from '../limits/token-bucket.ts';
import { LocalBus, LocalPresence, LocalSessionDirectory } from '../local/local-ports.ts';
import { ChatMessage } from '../messages/chat-message.ts';
import { Name } from '../names/name.ts';
import { SortedNames } from '../names/sorted-names.ts';
import type { Bus, BusEvent } from '../ports/bus.ts';
import type { CancelTimer, Clock } from '../ports/clock.ts';
import { type Logger, silentLogger } from '../ports/logger.ts';
import type { Presence, SessionDirectory } from '../ports/presence.ts';
import type { AccountStore, RoomStore } from '../ports/stores.ts';
import { type JoinResult, Rooms } from '../rooms/rooms.ts';
import { TimerWheel } from '../timers/timer-wheel.ts';
import {
  type AdminRequest,
  type ConnectionsAnswer,
  type DeliverAnswer,
  type DisconnectAnswer,
  parseAnswers,
} from './admin-requests.ts';
import { ClusterRequests } from './cluster-requests.ts';
import {
  type ConnectionCursor,
  type ConnectionInfo,
  localConnections,
  mergeConnections,
} from './connection-list.ts';
import { HubStats } from './hub-stats.ts';
import { NameHolders } from './name-holders.ts';
import {
  type AdmissionResult,
  type ClaimResult,
  type CreateRoomAnswer,
  Session,
  type SessionSink,
} from './session.ts';
import type { SessionHost } from './session-host.ts';

export interface HubOptions {
  accounts: AccountStore;
  rooms: RoomStore;
  /** Cluster ports; a lone node uses in-process ones. */
  bus?: Bus;
  presence?: Presence;
  sessions?: SessionDirectory;
  clock?: Clock;
  logger?: Logger;
  limits?: Partial<Limits>;
  scrypt?: ScryptParams;
  throttle?: Partial<ThrottleOptions>;
  nodeId?: string;
  /** The name system messages come from; no client may claim or register it. */
  systemSender?: string;
  /** How long an administrative request waits for the other nodes' answers. */
  requestTimeoutMs?: number;
}

/** Where a system message goes: direct to names, or to a room (null: the main chat). */
export type SystemTarget = { to: readonly Name[] } | { room: string | null };

/** What a cluster-wide administrative call reached; `missing` nodes did not answer in time. */
export interface ClusterReach {
  missing: number;
}

const MAIN_CHAT = '';
export const DEFAULT_SYSTEM_SENDER = 'switchboard';
/** How long a remote claim token is remembered after this node last held the name. */
const CLAIM_MEMORY_MS = 60_000;
/** At most one outage warning per interval, however many identifications are refused. */
const OUTAGE_WARNING_INTERVAL_MS = 10_000;

/**
 * The core of one gateway process: names, presence, rooms and routing for the sessions of every
 * adapter, and the link to the other nodes through the cluster ports. It knows no wire format.
 */
export class Hub {
  readonly nodeId: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly limits: Readonly<Limits>;
  readonly timers: TimerWheel;
  readonly accounts: Accounts;
  readonly rooms: Rooms;
  readonly sessions: SessionDirectory;
  readonly stats = new HubStats();
  readonly systemSender: Name;
  readonly #bus: Bus;
  readonly #requests: ClusterRequests;
  /** Every open local session, identified or not, in admission order (for the admin listing). */
  readonly #open = new Set<Session>();
  readonly #presence: Presence;
  readonly #connections: ConnectionLimiter;
  /** Identified local sessions by name key. */
  readonly #byName = new NameHolders();
  /** The keys of #byName, sorted: the local part of every listing, kept so listing never sorts. */
  readonly #localNames = new SortedNames();
  /** Identified local sessions by room ('' is the main chat). */
  readonly #byRoom = new Map<string, Set<Session>>();
  /** Highest guest-claim token seen per name, and when, to settle racing claims. */
  readonly #claims = new Map<string, { token: number; at: number }>();
  readonly #stopSweeping: CancelTimer;
  /** What sessions call: the hub's operations on one session, not part of the hub's own API. */
  readonly #sessionHost: SessionHost;
  #sessionCounter = 0;
  #lastOutageWarning = Number.NEGATIVE_INFINITY;

  constructor(options: HubOptions) {
    this.nodeId = options.nodeId ?? randomUUID();
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.limits = Object.freeze({ ...defaultLimits, ...options.limits });
    this.timers = new TimerWheel(this.clock, 250, (error) =>
      this.logger.error({ err: error }, 'a timer callback failed'),
    );
    const scrypt = options.scrypt ?? defaultScryptParams;
    const throttle = new LoginThrottle(this.clock, { ...defaultThrottleOptions, ...options.throttle });
    this.accounts = new Accounts(options.accounts, throttle, scrypt);
    this.rooms = new Rooms(options.rooms, scrypt, () => this.clock.now());
    this.sessions = options.sessions ?? new LocalSessionDirectory();
    this.#bus = options.bus ?? new LocalBus();
    this.#presence = options.presence ?? new LocalPresence();
    this.systemSender = Name.fromText(options.systemSender ?? DEFAULT_SYSTEM_SENDER);
    this.#requests = new ClusterRequests(
      this.#bus.admin ?? null,
      this.nodeId,
      this.clock,
      options.requestTimeoutMs ?? 2_000,
      (body, from) => this.#answer(body, from),
    );
    this.#connections = new ConnectionLimiter(
      this.limits.maxConnections,
      this.limits.maxConnectionsPerAddress,
    );
    this.#sessionHost = {
      clock: this.clock,
      stats: this.stats,
      claimGuest: (session, name) => this.#claimGuest(session, name),
      login: (session, name, password) => this.#login(session, name, password),
      register: (session, name, password) => this.#register(session, name, password),
      sendDirect: (session, recipients, text) => this.#sendDirect(session, recipients, text),
      broadcast: (session, text) => this.#broadcast(session, text),
      createRoom: (session, room) => this.#createRoom(session, room),
      joinRoom: (session, room, password) => this.#enterRoom(session, room, password),
      moveToRoom: (session, room) => this.#moveToRoom(session, room),
      unbind: (session) => this.#unbind(session),
      invalidate: (name, except) => this.#invalidate(name, except),
      closeSession: (session) => this.#closeSession(session),
      activeNames: () => this.activeNames(),
    };
    this.#bus.onEvent((event) => this.#onBusEvent(event));
    this.#stopSweeping = this.clock.setInterval(() => this.#sweep(), 30_000);
  }

  /**
   * Admits a new connection, or refuses it with `TOO_MANY_CONNECTIONS` when a connection limit
   * (per process, per address) is reached; the adapter then says so in its way and closes it.
   */
  admit(protocol: string, address: string, sink: SessionSink): AdmissionResult {
    if (!this.#connections.tryAcquire(address)) {
      this.stats.forProtocol(protocol).refused += 1;
      return 'TOO_MANY_CONNECTIONS';
    }
    this.#sessionCounter += 1;
    const session = new Session(this.#sessionHost, `${this.#sessionCounter}`, protocol, address, sink);
    session.stats.open += 1;
    this.#open.add(session);
    return session;
  }

  /** {@link admit} for callers that need no reason (tests, the example adapter): null when refused. */
  open(protocol: string, address: string, sink: SessionSink): Session | null {
    const admission = this.admit(protocol, address, sink);
    return admission === 'TOO_MANY_CONNECTIONS' ? null : admission;
  }

  /** The input-rate limiter of one connection: messages and bytes, with the configured rates and bursts. */
  rateLimiter(): TokenBucket {
    const { messagesPerSecond, messageBurst, bytesPerSecond, byteBurst } = this.limits;
    return new TokenBucket(this.clock, messagesPerSecond, messageBurst, bytesPerSecond, byteBurst);
  }

  get connectionCount(): number {
    return this.#connections.total;
  }

  /** Every active name in the service, sorted by bytes. Local names count even if the cluster is unreachable. */
  async activeNames(): Promise<Name[]> {
    // Not clustered, this hub's names are the service's names, and they are kept sorted.
    if (!this.#bus.clustered) return this.#localNames.toArray();
    let keys: string[] = [];
    try {
      keys = await this.#presence.list();
    } catch (error) {
      this.logger.warn({ err: error }, 'presence unavailable; listing local names only');
    }
    const all = new Set(keys);
    for (const key of this.#byName.keys()) all.add(key);
    return [...all].sort().map(Name.fromKey);
  }

  // ---- accounts, as the admin API and CLI use them -------------------------------------------

  /** False when the name has an account already, or is the reserved system sender. */
  async addAccount(name: Name, password: string): Promise<boolean> {
    if (this.isReserved(name)) return false;
    return (await this.accounts.register(name, password)) === 'ok';
  }

  /** The system sender's name: reserved, as if registered with a password nobody knows. */
  isReserved(name: Name): boolean {
    return name.key === this.systemSender.key;
  }

  // ---- the server API: system messages, disconnects, the connection listing -------------------

  /**
   * A message from the system sender, delivered by every protocol as from any other sender.
   * Resolves the names it reached on every node that answered, sorted.
   */
  async sendSystem(target: SystemTarget, text: string): Promise<ClusterReach & { delivered: Name[] }> {
    const request: AdminRequest = {
      op: 'deliver',
      sender: this.systemSender.key,
      to: 'to' in target ? [...new Set(target.to.map((name) => name.key))] : null,
      room: 'room' in target ? target.room : null,
      text,
      timestamp: this.clock.now(),
    };
    this.stats.systemMessages += 1;
    const names = new Set(this.#deliverSystem(request));
    const { replies, missing } = await this.#requests.ask(JSON.stringify(request));
    for (const answer of parseAnswers<DeliverAnswer>(replies))
      for (const key of answer.names ?? []) names.add(key);
    return { delivered: [...names].sort().map(Name.fromKey), missing };
  }

  /** Closes every connection of `name` on every node, each in its protocol's way. */
  async disconnect(name: Name): Promise<ClusterReach & { closed: number }> {
    const request: AdminRequest = { op: 'disconnect', name: name.key };
    let closed = this.#disconnectLocal(name.key);
    const { replies, missing } = await this.#requests.ask(JSON.stringify(request));
    for (const answer of parseAnswers<DisconnectAnswer>(replies)) closed += Number(answer.closed) || 0;
    return { closed, missing };
  }

  /** Up to `limit` open connections of the service after `cursor`, ordered by node then id. */
  async connections(
    cursor: ConnectionCursor | null,
    limit: number,
  ): Promise<ClusterReach & { connections: ConnectionInfo[] }> {
    const request: AdminRequest = { op: 'connections', after: cursor, limit };
    const pages = [localConnections(this.nodeId, this.#open, cursor, limit)];
    const { replies, missing } = await this.#requests.ask(JSON.stringify(request));
    for (const answer of parseAnswers<ConnectionsAnswer>(replies))
      if (Array.isArray(answer.connections)) pages.push(answer.connections);
    return { connections: mergeConnections(pages, limit), missing };
  }

  /** Changes a password; every opted-in binding of the name, on every node, is invalidated. */
  async changePassword(name: Name, password: string): Promise<boolean> {
    const changed = await this.accounts.setPassword(name, password);
    if (changed) this.#invalidate(name, null);
    return changed;
  }

  async deleteAccount(name: Name): Promise<boolean> {
    const deleted = await this.accounts.delete(name);
    if (deleted) this.#invalidate(name, null);
    return deleted;
  }

  /** Stops the hub's own timers. Stores and cluster ports belong to the caller, who closes them. */
  close(): void {
    this.#stopSweeping();
    this.timers.stop();
  }

  // ---- called by Session ---------------------------------------------------------------------

  /**
   * True when `name` has an account. Throws {@link SwitchboardError} `SERVICE_UNAVAILABLE` when
   * the account store cannot answer, so adapters can refuse an identification as an outage.
   */
  isRegistered(name: Name): Promise<boolean> {
    if (this.isReserved(name)) return Promise.resolve(true);
    return this.#reach(this.accounts.exists(name));
  }

  async #claimGuest(session: Session, name: Name): Promise<ClaimResult> {
    if (session.name) return 'ALREADY_IDENTIFIED';
    if (await this.isRegistered(name)) return 'NAME_REGISTERED';
    const token = await this.#reach(this.#presence.nextClaim(name.key));
    if (session.closed) return 'CONNECTION_CLOSED';
    if (session.name) return 'ALREADY_IDENTIFIED';
    const seen = this.#claims.get(name.key);
    if (seen && seen.token > token) return 'REPLACED';
    this.#claims.set(name.key, { token, at: this.clock.now() });
    this.#replaceGuests(name.key, token);
    session.claimed(token);
    this.#bind(session, name, 'guest');
    this.#bus.publish({ kind: 'claim', name: name.key, token });
    return 'ok';
  }

  async #login(session: Session, name: Name, password: string): Promise<LoginResult> {
    // Even if an account of that name exists (made before it was reserved): nobody acts as it.
    if (this.isReserved(name)) return 'WRONG_PASSWORD';
    const result = await this.#reach(
      this.accounts.authenticate(name, password, session.address, session.stats),
    );
    if (result === 'THROTTLED') session.stats.loginThrottled += 1;
    else if (result !== 'ok') session.stats.loginFailures += 1;
    if (result !== 'ok' || session.closed) return result;
    this.#bindRegistered(session, name);
    return result;
  }

  async #register(session: Session, name: Name, password: string): Promise<RegisterResult> {
    if (this.isReserved(name)) return 'NAME_REGISTERED';
    const result = await this.#reach(this.accounts.register(name, password));
    if (result === 'ok' && !session.closed) this.#bindRegistered(session, name);
    return result;
  }

  async #sendDirect(session: Session, recipients: readonly Name[], text: string | Buffer): Promise<Name[]> {
    const sender = session.name;
    if (!sender) return [...recipients];
    const message = new ChatMessage(sender, text, this.clock.now(), true);
    session.stats.messagesReceived += 1;
    // The common case, one recipient on a lone node: no sets or lists per message.
    if (recipients.length === 1 && !this.#bus.clustered) {
      const key = (recipients[0] as Name).key;
      if (key === sender.key) return [];
      const holders = this.#byName.get(key);
      if (!holders) return this.#unknownRecipients(session, [key]);
      this.#deliverToHolders(holders, message);
      return [];
    }
    const keys: string[] = [];
    const unseen = new Set<string>();
    for (const recipient of recipients) {
      if (recipient.key === sender.key || unseen.has(recipient.key)) continue;
      unseen.add(recipient.key);
      keys.push(recipient.key);
    }
    for (const key of keys) {
      const holders = this.#byName.get(key);
      if (holders) {
        this.#deliverToHolders(holders, message);
        unseen.delete(key);
      }
    }
    if (!this.#bus.clustered) return this.#unknownRecipients(session, [...unseen]);
    this.#bus.publish({
      kind: 'direct',
      to: keys,
      sender: sender.key,
      text: message.bytes,
      timestamp: message.timestamp,
    });
    if (unseen.size === 0) return [];
    try {
      const active = await this.#presence.filterActive([...unseen]);
      return this.#unknownRecipients(
        session,
        [...unseen].filter((key) => !active.has(key)),
      );
    } catch {
      return this.#unknownRecipients(session, [...unseen]);
    }
  }

  /** Counts a direct message's recipients that were not active, for the sender's protocol. */
  #unknownRecipients(session: Session, keys: string[]): Name[] {
    session.stats.unknownRecipients += keys.length;
    return keys.map(Name.fromKey);
  }

  #broadcast(session: Session, text: string | Buffer): void {
    const sender = session.name;
    if (!sender) return;
    const message = new ChatMessage(sender, text, this.clock.now(), false);
    session.stats.messagesReceived += 1;
    const room = session.room;
    const members = this.#byRoom.get(room ?? MAIN_CHAT);
    if (members) this.#deliverAll(members, message, sender.key);
    if (this.#bus.clustered) {
      this.#bus.publish({
        kind: 'broadcast',
        room,
        sender: sender.key,
        text: message.bytes,
        timestamp: message.timestamp,
      });
    }
  }

  async #createRoom(session: Session, room: string): Promise<CreateRoomAnswer> {
    if (!session.name) return 'NOT_IDENTIFIED';
    const result = await this.rooms.create(room, session.name);
    if (result !== 'ROOM_EXISTS') this.#moveToRoom(session, room);
    return result;
  }

  async #enterRoom(session: Session, room: string, password: string): Promise<JoinResult> {
    const result = await this.rooms.verify(room, password);
    if (result === 'ok') this.#moveToRoom(session, room);
    return result;
  }

  #moveToRoom(session: Session, room: string | null): void {
    if (session.closed) return;
    if (session.name) this.#leaveRoom(session);
    session.moved(room);
    if (session.name) this.#joinRoom(session);
  }

  /** Unbinds opted-in sessions of `name` here and on every node, except `except`. */
  #invalidate(name: Name, except: Session | null): void {
    this.#invalidateLocal(name.key, except);
    this.#bus.publish({ kind: 'invalidate', name: name.key });
  }

  #unbind(session: Session): void {
    const name = session.name;
    if (!name) return;
    const lastHolder = this.#byName.delete(name.key, session);
    this.#leaveRoom(session);
    session.unbound();
    session.stats.identified -= 1;
    if (lastHolder) {
      this.#localNames.delete(name.key);
      this.#presence.remove(name.key);
    }
  }

  #closeSession(session: Session): void {
    if (session.closed) return;
    this.#unbind(session);
    session.markClosed();
    this.#open.delete(session);
    this.#connections.release(session.address);
    session.stats.open -= 1;
  }

  // ---- internals -----------------------------------------------------------------------------

  #bindRegistered(session: Session, name: Name): void {
    if (session.name) this.#unbind(session);
    // An account created by an administrator while a guest held the name: the account wins.
    this.#replaceGuests(name.key, Number.POSITIVE_INFINITY);
    this.#bind(session, name, 'registered');
  }

  #bind(session: Session, name: Name, kind: 'guest' | 'registered'): void {
    session.bound(name, kind);
    session.stats.identified += 1;
    if (session.identifiedAt === null) {
      const now = this.clock.now();
      session.firstIdentified(now);
      session.stats.observeIdentification(now - session.connectedAt);
    }
    if (this.#byName.add(name.key, session)) {
      this.#localNames.add(name);
      this.#presence.add(name.key, kind === 'guest' ? session.claimToken : 0);
    }
    this.#joinRoom(session);
  }

  /** Closes local guest holders of a name whose claim is older than `token`. */
  #replaceGuests(nameKey: string, token: number): void {
    for (const holder of this.#byName.list(nameKey)) {
      if (holder.kind !== 'guest' || holder.claimToken >= token) continue;
      this.#unbind(holder);
      this.#safely(() => holder.sink.replaced());
    }
  }

  #invalidateLocal(nameKey: string, except: Session | null): void {
    for (const holder of this.#byName.list(nameKey)) {
      if (holder === except || holder.kind !== 'registered' || !holder.sink.invalidated) continue;
      this.#unbind(holder);
      this.#safely(() => holder.sink.invalidated?.());
    }
  }

  /** Delivers a system message to this node's recipients; returns their name keys. */
  #deliverSystem(request: Extract<AdminRequest, { op: 'deliver' }>): Set<string> {
    const direct = request.to !== null;
    const message = new ChatMessage(Name.fromKey(request.sender), request.text, request.timestamp, direct);
    const reached = new Set<string>();
    if (request.to !== null) {
      for (const key of new Set(request.to)) {
        const holders = key === request.sender ? undefined : this.#byName.get(key);
        if (!holders) continue;
        this.#deliverToHolders(holders, message);
        reached.add(key);
      }
      return reached;
    }
    const members = this.#byRoom.get(request.room ?? MAIN_CHAT);
    if (!members) return reached;
    this.#deliverAll(members, message, request.sender);
    for (const member of members) if (member.name) reached.add(member.name.key);
    reached.delete(request.sender);
    return reached;
  }

  /** Unbinds and closes every local connection of a name; returns how many. */
  #disconnectLocal(nameKey: string): number {
    const closing = this.#byName.list(nameKey);
    for (const holder of closing) {
      this.#unbind(holder);
      this.#safely(() => (holder.sink.disconnected ? holder.sink.disconnected() : holder.sink.replaced()));
    }
    return closing.length;
  }

  /** Answers another node's administrative request; a malformed one gets an empty answer. */
  #answer(body: string, from: string): string {
    let answer: DeliverAnswer | DisconnectAnswer | ConnectionsAnswer | Record<string, never> = {};
    try {
      const request = JSON.parse(body) as AdminRequest;
      if (request.op === 'deliver') answer = { names: [...this.#deliverSystem(request)] };
      else if (request.op === 'disconnect') answer = { closed: this.#disconnectLocal(request.name) };
      else if (request.op === 'connections') {
        const limit = Number(request.limit) || 0;
        answer = { connections: localConnections(this.nodeId, this.#open, request.after, limit) };
      }
    } catch (error) {
      this.logger.warn({ err: error, from }, 'an administrative request from another node failed');
    }
    return JSON.stringify(answer);
  }

  /** Adds an identified session to its room's members; a private room's first one here is announced. */
  #joinRoom(session: Session): void {
    const room = session.room ?? MAIN_CHAT;
    const members = this.#roomMembers(room);
    members.add(session);
    if (room !== MAIN_CHAT && members.size === 1) this.#presence.roomJoined?.(room);
  }

  /** Removes a session from its room's members; a private room left empty here is announced. */
  #leaveRoom(session: Session): void {
    const room = session.room ?? MAIN_CHAT;
    const members = this.#byRoom.get(room);
    if (!members?.delete(session) || room === MAIN_CHAT || members.size > 0) return;
    this.#byRoom.delete(room);
    this.#presence.roomLeft?.(room);
  }

  #roomMembers(room: string): Set<Session> {
    let members = this.#byRoom.get(room);
    if (!members) {
      members = new Set();
      this.#byRoom.set(room, members);
    }
    return members;
  }

  /** Delivers to every session in `targets` but those of `skipNameKey`; one bad sink harms no other. */
  /** A direct message to the local connections of one name. */
  #deliverToHolders(holders: Session | Set<Session>, message: ChatMessage): void {
    if (holders instanceof Set) {
      this.#deliverAll(holders, message, null);
      return;
    }
    try {
      holders.sink.deliver(message);
      holders.stats.deliveries += 1;
    } catch (error) {
      this.logger.error({ err: error, protocol: holders.protocol }, 'delivery failed');
    }
  }

  #deliverAll(targets: Set<Session>, message: ChatMessage, skipNameKey: string | null): void {
    for (const target of targets) {
      if (target.name!.key === skipNameKey) continue;
      try {
        target.sink.deliver(message);
        target.stats.deliveries += 1;
      } catch (error) {
        this.logger.error({ err: error, protocol: target.protocol }, 'delivery failed');
      }
    }
  }

  /**
   * A store or cluster call of an identification: its failure is an outage (Redis down, the
   * disk gone), told to the client as "temporarily unavailable" and logged at warn level at most
   * once per interval, not an internal error per attempt.
   */
  async #reach<T>(call: Promise<T>): Promise<T> {
    try {
      return await call;
    } catch (error) {
      this.stats.unavailableRefusals += 1;
      const now = this.clock.now();
      if (now - this.#lastOutageWarning >= OUTAGE_WARNING_INTERVAL_MS) {
        this.#lastOutageWarning = now;
        this.logger.warn({ err: error }, 'account store or cluster unreachable; identifications refused');
      }
      throw new SwitchboardError('SERVICE_UNAVAILABLE', undefined, error);
    }
  }

  #safely(action: () => void): void {
    try {
      action();
    } catch (error) {
      this.logger.error({ err: error }, 'adapter callback failed');
    }
  }

  #onBusEvent(event: BusEvent): void {
    this.stats.busEventsIn += 1;
    switch (event.kind) {
      case 'direct': {
        const message = new ChatMessage(Name.fromKey(event.sender), event.text, event.timestamp, true);
        this.stats.observeLatency(this.clock.now() - event.timestamp);
        for (const key of new Set(event.to)) {
          const holders = this.#byName.get(key);
          if (holders) this.#deliverToHolders(holders, message);
        }
        return;
      }
      case 'broadcast': {
        const members = this.#byRoom.get(event.room ?? MAIN_CHAT);
        if (!members || members.size === 0) return;
        const message = new ChatMessage(Name.fromKey(event.sender), event.text, event.timestamp, false);
        this.stats.observeLatency(this.clock.now() - event.timestamp);
        this.#deliverAll(members, message, event.sender);
        return;
      }
      case 'claim': {
        const seen = this.#claims.get(event.name);
        if (seen && seen.token >= event.token) return;
        this.#claims.set(event.name, { token: event.token, at: this.clock.now() });
        this.#replaceGuests(event.name, event.token);
        return;
      }
      case 'invalidate':
        this.#invalidateLocal(event.name, null);
        return;
    }
  }

  #sweep(): void {
    const forgetBefore = this.clock.now() - CLAIM_MEMORY_MS;
    for (const [key, claim] of this.#claims) {
      if (claim.at < forgetBefore && !this.#byName.has(key)) this.#claims.delete(key);
    }
    this.accounts.sweepThrottle();
  }
}

import type { LoginResult, RegisterResult } from '../accounts/accounts.ts';
import type { ErrorCode } from '../errors.ts';
import type { ChatMessage } from '../messages/chat-message.ts';
import type { Name } from '../names/name.ts';
import type { CreateRoomResult, JoinResult } from '../rooms/rooms.ts';
import type { ProtocolStats } from './protocol-stats.ts';
import type { SessionHost } from './session-host.ts';

/** What the core asks of an adapter for one connection. Every method must return promptly. */
export interface SessionSink {
  /** A message for this connection: write it whole, or drop the connection if it can't keep up. */
  deliver(message: ChatMessage): void;
  /** A newer claim took this connection's guest name: tell the client if possible, then close. */
  replaced(): void;
  /**
   * Opt-in: the binding of a registered name was revoked (`invalidate` elsewhere, or a password
   * change). The session is already unbound when this is called. Sinks without it keep their
   * binding.
   */
  invalidated?(): void;
  /**
   * Opt-in: an administrator disconnected this connection's name. The session is already unbound
   * when this is called; tell the client in the protocol's way, then close. Sinks without it
   * are closed as if replaced.
   */
  disconnected?(): void;
}

export type IdentityKind = 'guest' | 'registered';
export type ClaimResult =
  | 'ok'
  | Extract<ErrorCode, 'NAME_REGISTERED' | 'ALREADY_IDENTIFIED' | 'REPLACED' | 'CONNECTION_CLOSED'>;
/** A new connection's admission: its session, or why it was refused (the adapter then closes it). */
export type AdmissionResult = Session | Extract<ErrorCode, 'TOO_MANY_CONNECTIONS'>;
/** `createRoom` as a session asks it: a room needs an owner, so an unidentified session is refused. */
export type CreateRoomAnswer = CreateRoomResult | Extract<ErrorCode, 'NOT_IDENTIFIED'>;

/**
 * One client connection as the core sees it. Adapters call these methods; the hub calls the
 * sink. The state routing reads (`name`, `kind`, `room`, `claimToken`, `closed`) is read-only
 * here: only the hub changes it, through the `@internal` methods below, as it routes.
 */
export class Session {
  readonly id: string;
  readonly protocol: string;
  readonly address: string;
  readonly sink: SessionSink;
  /** When the hub admitted the connection (ms since the epoch, on the hub's clock). */
  readonly connectedAt: number;
  /**
   * Its protocol's counters, looked up once here: the hub and the adapter count on it with a
   * plain `+= 1` (adapters: `bytesIn`, `bytesOut`, `slowReaderDrops`, `rateLimited`, `oversized`).
   */
  readonly stats: ProtocolStats;
  readonly #host: SessionHost;
  #name: Name | null = null;
  #kind: IdentityKind | null = null;
  #room: string | null = null;
  #claimToken = 0;
  #closed = false;
  #identifiedAt: number | null = null;

  constructor(host: SessionHost, id: string, protocol: string, address: string, sink: SessionSink) {
    this.#host = host;
    this.id = id;
    this.protocol = protocol;
    this.address = address;
    this.sink = sink;
    this.connectedAt = host.clock.now();
    this.stats = host.stats.forProtocol(protocol);
  }

  /** The name this connection acts under, once identified. */
  get name(): Name | null {
    return this.#name;
  }

  get kind(): IdentityKind | null {
    return this.#kind;
  }

  /** The private room, or null for the main chat. */
  get room(): string | null {
    return this.#room;
  }

  /** Fencing token of this session's guest claim (0 for registered bindings). */
  get claimToken(): number {
    return this.#claimToken;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** When the connection first acted under a name; null until then. */
  get identifiedAt(): number | null {
    return this.#identifiedAt;
  }

  get identified(): boolean {
    return this.#name !== null;
  }

  /** @internal The hub bound this session to a name. */
  bound(name: Name, kind: IdentityKind): void {
    this.#name = name;
    this.#kind = kind;
  }

  /** @internal The hub took the binding away. */
  unbound(): void {
    this.#name = null;
    this.#kind = null;
    this.#claimToken = 0;
  }

  /** @internal */
  claimed(token: number): void {
    this.#claimToken = token;
  }

  /** @internal */
  moved(room: string | null): void {
    this.#room = room;
  }

  /** @internal */
  firstIdentified(at: number): void {
    this.#identifiedAt = at;
  }

  /** @internal */
  markClosed(): void {
    this.#closed = true;
  }

  /** Claims an unregistered name for as long as this connection lives; a newer claim wins. */
  claimGuest(name: Name): Promise<ClaimResult> {
    return this.#host.claimGuest(this, name);
  }

  /** Checks a registered name's password and binds this connection to it (rebinding if bound). */
  login(name: Name, password: string): Promise<LoginResult> {
    return this.#host.login(this, name, password);
  }

  /** Creates an account and binds this connection to it; `NAME_REGISTERED` when the name is taken. */
  register(name: Name, password: string): Promise<RegisterResult> {
    return this.#host.register(this, name, password);
  }

  /** Drops the binding; the connection stays open, unidentified. */
  logout(): void {
    this.#host.unbind(this);
  }

  /** Sends a direct message; resolves the recipients that were not active (they get nothing). */
  sendDirect(recipients: readonly Name[], text: string | Buffer): Promise<Name[]> {
    return this.#host.sendDirect(this, recipients, text);
  }

  /** Sends to every member of this connection's room (the main chat unless in a private one). */
  broadcast(text: string | Buffer): void {
    this.#host.broadcast(this, text);
  }

  /** Creates a room owned by this user and moves into it; resolves its password, or why not. */
  createRoom(room: string): Promise<CreateRoomAnswer> {
    return this.#host.createRoom(this, room);
  }

  joinRoom(room: string, password: string): Promise<JoinResult> {
    return this.#host.joinRoom(this, room, password);
  }

  exitRoom(): void {
    this.#host.moveToRoom(this, null);
  }

  /** Every active name in the service, sorted by bytes, this one included. */
  activeNames(): Promise<Name[]> {
    return this.#host.activeNames();
  }

  /** Unbinds every other connection bound to this session's registered name, on every node. */
  invalidateOthers(): void {
    if (this.#name && this.#kind === 'registered') this.#host.invalidate(this.#name, this);
  }

  /** The connection is gone: releases its name, room and connection slot. Idempotent. */
  close(): void {
    this.#host.closeSession(this);
  }
}

import { type AdapterServices, type ChatMessage, type Logger, Name } from '@switchboard/core';
import { isPlainNickKey, isShortenedNick, nameOfNick, nickOf } from './irc-names.ts';
import type { IrcOptions } from './irc-options.ts';
import { deliveryEncoders, type RenderedMessage } from './irc-render.ts';
import { ServerReplies } from './irc-replies.ts';

/** Shortened nicks remembered per server, so an IRC user can answer a long name it was shown. */
const MAX_REMEMBERED_NICKS = 10_000;

const PLAIN_NICK = /^[A-Za-z[\]`^{}|_][A-Za-z0-9\-[\]`^{}|_]{0,63}$/;

/** A member of a private room, as NAMES and WHO of that room list it (until it is finished). */
export interface RoomMember {
  readonly nick: string;
  readonly finished: boolean;
}

/** What the IRC adapter asks of the hub beyond its connections' sessions: listings and accounts. */
export type IrcHub = Pick<AdapterServices, 'activeNames' | 'isRegistered'>;

/**
 * What the IRC connections of one server share: its settings, its renderers, the long names
 * behind shortened nicks (most recently shown first kept), and which of its users sit in which private room (the core does not
 * publish room membership, so NAMES of a room lists the IRC users of this server in it).
 */
export class IrcDirectory {
  readonly #hub: IrcHub;
  readonly logger: Logger;
  readonly options: IrcOptions;
  readonly replies: ServerReplies;
  readonly startedAt = new Date();
  /** `PING :server`, the keepalive every silent connection is sent. */
  readonly ping: string;
  /** Why a connection that did not answer it is closed. */
  readonly pingTimeout: string;
  /** {@link nickOf} as a long-lived function, for listings. */
  readonly toNick = (name: Name): string => this.nickOf(name);
  readonly direct: (message: ChatMessage) => RenderedMessage;
  readonly broadcast: (message: ChatMessage) => RenderedMessage;
  readonly #shortened = new Map<string, Name>();
  readonly #rooms = new Map<string, Set<RoomMember>>();
  #listing: Promise<Name[]> | null = null;
  /** What {@link #listing} resolved to, once it has. */
  #listed: Name[] | null = null;
  #activeKeys: Promise<Set<string>> | null = null;
  #activeNicks: Promise<string[]> | null = null;

  constructor(hub: IrcHub, logger: Logger, options: IrcOptions) {
    this.#hub = hub;
    this.logger = logger;
    this.options = options;
    this.replies = new ServerReplies(options.serverName);
    this.ping = this.replies.command('PING', options.serverName);
    this.pingTimeout = `Ping timeout: ${Math.round(options.pingTimeoutMs / 1000)} seconds`;
    const encoders = deliveryEncoders(options.serverName);
    // Long-lived wrappers (their identity is the render cache key) that also remember senders.
    this.direct = (message) => {
      this.nickOf(message.sender);
      return encoders.direct(message);
    };
    this.broadcast = (message) => {
      this.nickOf(message.sender);
      return encoders.broadcast(message);
    };
  }

  /** A name's nick; a shortened one is remembered so it can be resolved back. */
  nickOf(name: Name): string {
    // The common name is its own nick: its key, without making its bytes or a string (listings).
    if (isPlainNickKey(name.key)) return name.key;
    const nick = nickOf(name.bytes);
    if (isShortenedNick(nick)) {
      this.#shortened.delete(nick);
      if (this.#shortened.size >= MAX_REMEMBERED_NICKS) {
        this.#shortened.delete(this.#shortened.keys().next().value!);
      }
      // Kept by its key alone: the name's bytes may be a copy from Node's shared 8 KiB buffer pool,
      // and 10,000 remembered names would each keep a whole pool slab alive after their users left.
      this.#shortened.set(nick, Name.fromKey(name.key));
    }
    return nick;
  }

  /**
   * The name a nick stands for, or null when no name can have it. A shortened nick is one this
   * server has shown (the last 10 000): looking it up among every active name instead would let a
   * flood of made-up nicks cost a pass over the whole presence each.
   */
  nameOf(nick: string): Name | null {
    // The common nick, plain ASCII with nothing escaped, is its own name.
    if (PLAIN_NICK.test(nick)) return Name.fromText(nick);
    const bytes = nameOfNick(nick);
    if (bytes !== null) return Name.fromBytes(bytes);
    if (!isShortenedNick(nick)) return null;
    const known = this.#shortened.get(nick);
    if (known) {
      // Used again: it moves to the end, so the least recently shown are forgotten first.
      this.#shortened.delete(nick);
      this.#shortened.set(nick, known);
    }
    return known ?? null;
  }

  /**
   * Every active name, shared by all the listings (NAMES, WHO, WHOIS, ISON) of one turn of the
   * event loop: a flood of them costs one copy of the presence per turn, not one per line.
   */
  activeNames(): Promise<Name[]> {
    if (this.#listing === null) {
      const listing = this.#hub.activeNames();
      this.#listing = listing;
      listing.then(
        (names) => {
          if (this.#listing === listing) this.#listed = names;
        },
        () => {},
      );
      setImmediate(() => this.forgetListing());
    }
    return this.#listing;
  }

  /** The nicks of {@link activeNames}, made once per listing (NAMES, ISON of the main chat). */
  activeNicks(): Promise<string[]> {
    this.#activeNicks ??= this.activeNames().then((names) => names.map((name) => this.nickOf(name)));
    return this.#activeNicks;
  }

  /** Names changed in a way the listing of this turn does not show: the next one asks the hub again. */
  forgetListing(): void {
    this.#listing = null;
    this.#listed = null;
    this.#activeKeys = null;
    this.#activeNicks = null;
  }

  /**
   * An IRC user of this server took `name`: the listing of this turn shows it from now on (to
   * itself first, in its welcome). It goes into its place in the listing (sorted by key, as the
   * hub lists) rather than the listing being made again: a join storm welcomes thousands in a
   * turn, and each would otherwise copy the whole presence.
   */
  noteActive(name: Name): void {
    const listed = this.#listed;
    if (listed === null) {
      this.forgetListing();
      return;
    }
    let low = 0;
    let high = listed.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (listed[middle]!.key < name.key) low = middle + 1;
      else high = middle;
    }
    if (listed[low]?.key === name.key) return;
    listed.splice(low, 0, name);
    this.#activeKeys = null;
    this.#activeNicks = null;
  }

  /** Whether a name has an account (a guest may not take it). */
  isRegistered(name: Name): Promise<boolean> {
    return this.#hub.isRegistered(name);
  }

  /** Whether a name is active, from the same listing (a set of it, made once per turn). */
  async isActive(name: Name): Promise<boolean> {
    this.#activeKeys ??= this.activeNames().then((names) => new Set(names.map((active) => active.key)));
    return (await this.#activeKeys).has(name.key);
  }

  enterRoom(room: string, member: RoomMember): void {
    let members = this.#rooms.get(room);
    if (!members) {
      members = new Set();
      this.#rooms.set(room, members);
    }
    members.add(member);
  }

  leaveRoom(room: string, member: RoomMember): void {
    const members = this.#rooms.get(room);
    if (!members) return;
    members.delete(member);
    if (members.size === 0) this.#rooms.delete(room);
  }

  /** The members of a room who still take part (not closing), in the order they entered. */
  roomMembers(room: string): RoomMember[] {
    const members: RoomMember[] = [];
    for (const member of this.#rooms.get(room) ?? []) if (!member.finished) members.push(member);
    return members;
  }
}

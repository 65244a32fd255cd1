import { type Socket, connect as tcpConnect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningAdapter } from '../adapter/adapter.ts';
import { DEFAULT_CLOSE_GRACE_MS } from '../connection/connection-runtime.ts';
import type { Hub } from '../hub/hub.ts';
import type { Session } from '../hub/session.ts';
import type { Limits } from '../limits/limits.ts';
import type { ChatMessage } from '../messages/chat-message.ts';
import { Name } from '../names/name.ts';
import { eventually } from './eventually.ts';
import { createTestHub } from './test-hub.ts';

/** Registers a test only for protocols that have the capability, so none shows as skipped. */
function itWhen(applies: boolean): (name: string, test: () => Promise<void>, timeout?: number) => void {
  return applies ? it : () => {};
}

/** One chat delivery as a client of any protocol sees it. */
export interface ContractDelivery {
  sender: string;
  text: string;
  /** Only for protocols that show the difference (tcp-rooms' `[private]`); checked when present. */
  direct?: boolean;
  /**
   * When the protocol says it was sent, in ms since the epoch at the protocol's precision
   * ({@link AdapterContractDriver.timePrecisionMs}); absent when the driver does not read it.
   */
  time?: number;
  /** The bytes or frame text the client got, for checks that nothing forged a second line. */
  raw?: string;
}

/** A client of one protocol, turned neutral by its driver: chat deliveries in, chat out. */
export interface ContractClient {
  sendDirect(to: string, text: string): void;
  /** Protocols whose direct message names several recipients at once (json-ws `recievers`). */
  sendDirectToMany?(to: readonly string[], text: string): void;
  /** A broadcast to the client's room (the main chat), where the protocol has one. */
  broadcast?(text: string): void;
  /** The next chat delivery; protocol replies (acks, errors, status) are skipped. */
  next(timeoutMs?: number): Promise<ContractDelivery>;
  /** Fails if a chat delivery arrives within `ms` (or had arrived unread). */
  expectNothing(ms: number): Promise<void>;
  /** Stops reading the socket: the client becomes a slow reader. */
  pauseReading(): void;
  /** Sends the protocol's hostile input (malformed frames, bad UTF-8, oversized, ...); may close it. */
  sendGarbage(): void | Promise<void>;
  /** Resolves when the connection is closed, whoever closed it. */
  closed(): Promise<void>;
  /** Leaves as a polite client does (WebSocket close, TCP FIN); resolves when closed. */
  close(): Promise<void>;
  /** Vanishes (terminate / reset). */
  destroy(): void;
  /**
   * Resolves when the connection is closed, with what the server said last since the client
   * identified. Needed with {@link AdapterContractDriver.runtime} (the shutdown notice is checked).
   */
  ending?(): Promise<ContractEnding>;
}

/** How a connection ended, as its client saw it. */
export interface ContractEnding {
  /**
   * The last line, frame or message the server sent, as text without its delimiter (for a client
   * of {@link AdapterContractDriver.connect}: since it identified); '' when it sent none.
   */
  lastWords: string;
  /** The close code and reason, for WebSocket protocols. */
  code?: number;
  reason?: string;
}

/** What a client of the protocol is told when it is refused, timed out or shut down. */
export interface ContractFarewell {
  /** Its last words exactly, or a pattern they match; '' for "nothing: the connection just closes". */
  lastWords: string | RegExp;
  /** The WebSocket close code and reason, where the protocol has them. */
  code?: number;
  reason?: string;
}

/** A connection that has not identified (or is only starting to), for the connection runtime's rules. */
export interface RawContractClient {
  /** Resolves when the connection is closed, whoever closed it, with what the server said last. */
  ending(): Promise<ContractEnding>;
  /** Stops reading: the client becomes a slow reader. */
  stopReading(): void;
  destroy(): void;
}

/**
 * The connection runtime's rules as one protocol shows them: the contract checks every adapter's
 * rate, slow-reader drop, connection limits, identification deadline and graceful close the same
 * way, and a driver says only where its protocol differs.
 */
export interface ContractRuntimeRules {
  /**
   * Connects without identifying. Without `name` it sends nothing at all (for sessions: an HTTP
   * connection that never sends its request); with `name` it starts identifying as `name` (a
   * hello, NICK and USER, a login, the upgrade with its client_id) without waiting for an answer.
   */
  openRaw(server: ContractServer, name?: string): Promise<RawContractClient>;
  /**
   * The adapter option (in ms) of the time a connection has to identify, after which it is closed
   * (json-ws `helloTimeoutMs`, irc `registrationTimeoutMs`, ...). The contract sets it small.
   */
  deadlineOption: string;
  /** What a connection that did not identify in time is told before the close. */
  deadlineNotice: ContractFarewell;
  /** What a connection over a connection limit is told before the close. */
  refusal: ContractFarewell;
  /** What every identified client is told when the adapter closes (the gateway stops). */
  shutdownNotice: ContractFarewell;
  /**
   * The adapter option (in ms) of its close grace: how long a graceful close waits for a peer to
   * close its side. null: the connection runtime's default (1 s), which the adapter does not expose.
   */
  closeGraceOption: string | null;
}

/** The adapter under test, as a driver needs it: its hub (for accounts) and its port. */
export interface ContractServer {
  hub: Hub;
  port: number;
}

/** Turns one wire protocol into {@link ContractClient}s. */
export interface AdapterContractDriver {
  /** 'guest': a name is claimed by connecting; 'registered': the driver makes an account and logs in. */
  identity: 'guest' | 'registered';
  canBroadcast: boolean;
  /** One direct message may name several recipients. */
  canListSeveral: boolean;
  /** Connects and identifies as `name`; rejects if the server refuses or closes the connection. */
  connect(server: ContractServer, name: string): Promise<ContractClient>;
  /**
   * A name with non-ASCII UTF-8 that the protocol takes as is, for the interop matrix (which
   * checks every other protocol shows it unchanged). Default: one made from the adapter's name.
   */
  sampleName?: string;
  /**
   * How precise {@link ContractDelivery.time} is, in ms (1000 for seconds, 60 000 for minutes);
   * null when the protocol shows no time. Absent: deliveries carry no time to check.
   */
  timePrecisionMs?: number | null;
  /**
   * The connection runtime's rules as this protocol shows them. Every built-in driver has them;
   * without them the rules that need a protocol's words (refusal, deadline, shutdown notice) are
   * not registered, and those that need none (rate, slow reader, limits, shutdown) still run.
   */
  runtime?: ContractRuntimeRules;
}

export interface AdapterContractOptions {
  /**
   * Starts the adapter on 127.0.0.1, port 0, over `hub`. `options` are adapter options the test
   * sets (a deadline, a close grace, by the names the driver gives): parse them with the adapter's
   * schema, so the others keep their defaults.
   */
  start(hub: Hub, options?: Readonly<Record<string, unknown>>): Promise<RunningAdapter>;
  driver: AdapterContractDriver;
}

/**
 * A queue of deliveries for a driver's client: the driver pushes what it parses off the wire,
 * the suite reads with {@link ContractInbox.next} and {@link ContractInbox.expectNothing}.
 */
export class ContractInbox {
  readonly #queue: ContractDelivery[] = [];
  #ended = false;
  #wake: (() => void) | null = null;

  push(delivery: ContractDelivery): void {
    this.#queue.push(delivery);
    this.#notify();
  }

  /** The connection is gone: a pending {@link next} fails at once instead of timing out. */
  end(): void {
    this.#ended = true;
    this.#notify();
  }

  async next(timeoutMs = 2_000): Promise<ContractDelivery> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const delivery = this.#queue.shift();
      if (delivery) return delivery;
      if (this.#ended) throw new Error('the connection closed while waiting for a delivery');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no delivery within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = null;
    }
  }

  async expectNothing(ms: number): Promise<void> {
    await sleep(ms);
    if (this.#queue.length > 0) {
      throw new Error(`expected no delivery, got ${JSON.stringify(this.#queue.splice(0))}`);
    }
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The next delivery from `sender`, skipping others' (a hostile client may chat legitimately). */
async function nextFrom(
  client: ContractClient,
  sender: string,
  timeoutMs = 2_000,
): Promise<ContractDelivery> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const delivery = await client.next(Math.max(1, deadline - Date.now()));
    if (delivery.sender === sender) return delivery;
  }
}

/** Checks how a connection ended against what the protocol says then. */
function expectFarewell(ending: ContractEnding, farewell: ContractFarewell, what: string): void {
  if (typeof farewell.lastWords === 'string') expect(ending.lastWords, what).toBe(farewell.lastWords);
  else expect(ending.lastWords, what).toMatch(farewell.lastWords);
  if (farewell.code !== undefined) expect(ending.code, `${what}: the close code`).toBe(farewell.code);
  if (farewell.reason !== undefined) expect(ending.reason, `${what}: the close reason`).toBe(farewell.reason);
}

/** Checks sender and text, and `direct` when the protocol shows it. */
function expectDelivery(actual: ContractDelivery, sender: string, text: string, direct: boolean): void {
  expect({ sender: actual.sender, text: actual.text }).toEqual({ sender, text });
  if (actual.direct !== undefined) expect(actual.direct).toBe(direct);
}

/** A user of another protocol: a session opened straight on the hub, recording what it gets. */
interface Outsider {
  session: Session;
  received: ChatMessage[];
}

/** Deterministic junk (an LCG), with every delimiter of every protocol and broken UTF-8 in it. */
function junk(length: number, seed: number): Buffer {
  const bytes = Buffer.alloc(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (state * 1_103_515_245 + 12_345) >>> 0;
    bytes[i] = state >>> 24;
  }
  const markers = Buffer.from([0x01, 0x1e, 0x1f, 0x0a, 0x0d, 0x0a, 0xff, 0xfe, 0xc3, 0x00, 0x80, 0xed, 0xa0]);
  return Buffer.concat([Buffer.from('GET /?client_id=\r\n'), markers, bytes, markers]);
}

const UNICODE_TEXT = 'Привет, мир! 👋 café ∑ 日本語';
const NON_ASCII_NAME = 'Ёжик';

/**
 * The behaviour of SPEC §1 that every adapter must honour, over real sockets against a real
 * test hub. Each adapter's `<name>-contract.test.ts` calls this with a driver for its protocol.
 */
export function runAdapterContract(name: string, options: AdapterContractOptions): void {
  const { driver } = options;
  const rules = driver.runtime;

  describe(`adapter contract: ${name}`, () => {
    const running: Array<{ hub: Hub; adapter: RunningAdapter; stopped: boolean }> = [];
    const clients: ContractClient[] = [];
    const outsiders: Session[] = [];
    const sockets: Socket[] = [];
    const raws: RawContractClient[] = [];

    afterEach(async () => {
      for (const client of clients.splice(0)) client.destroy();
      for (const raw of raws.splice(0)) raw.destroy();
      for (const session of outsiders.splice(0)) session.close();
      for (const socket of sockets.splice(0)) socket.destroy();
      for (const server of running.splice(0)) {
        if (!server.stopped) await server.adapter.close();
        server.hub.close();
      }
    });

    async function serve(limits: Partial<Limits> = {}, adapterOptions: Record<string, unknown> = {}) {
      const hub = createTestHub({ limits });
      const adapter = await options.start(hub, adapterOptions);
      const entry = { hub, adapter, stopped: false };
      running.push(entry);
      const server: ContractServer = { hub, port: adapter.port };
      return {
        hub,
        adapter,
        server,
        connect: async (clientName: string) => {
          const client = await driver.connect(server, clientName);
          clients.push(client);
          return client;
        },
        openRaw: async (clientName?: string) => {
          const raw = await (rules as ContractRuntimeRules).openRaw(server, clientName);
          raws.push(raw);
          return raw;
        },
        stop: async () => {
          entry.stopped = true;
          await adapter.close();
        },
      };
    }

    async function outsider(hub: Hub, outsiderName = 'outsider'): Promise<Outsider> {
      const received: ChatMessage[] = [];
      const session = hub.open('other', 'elsewhere', {
        deliver: (message) => received.push(message),
        replaced: () => {},
      });
      if (!session) throw new Error('the hub refused the outsider session');
      outsiders.push(session);
      expect(await session.claimGuest(Name.fromText(outsiderName))).toBe('ok');
      return { session, received };
    }

    const activeTexts = async (hub: Hub) => (await hub.activeNames()).map((active) => active.text);
    const sorted = (...names: string[]) =>
      names
        .map((text) => Name.fromText(text).key)
        .sort()
        .map((key) => Name.fromKey(key).text);

    function rawSocket(port: number): Promise<Socket> {
      return new Promise((resolve, reject) => {
        const socket = tcpConnect({ host: '127.0.0.1', port });
        sockets.push(socket);
        socket.on('error', () => {});
        socket.resume(); // read (and drop) what the server says, so its FIN is seen
        socket.once('connect', () => resolve(socket));
        socket.once('error', reject);
      });
    }

    // ---- identification and presence --------------------------------------------------------

    it('makes an identified name active; a polite or abrupt close removes it and frees the slot', async () => {
      const { hub, connect } = await serve();
      const alice = await connect('alice');
      const hedgehog = await connect(NON_ASCII_NAME);
      expect(await activeTexts(hub)).toEqual(sorted('alice', NON_ASCII_NAME));
      expect(hub.connectionCount).toBe(2);

      await within(alice.close(), 2_000, 'a polite close');
      await eventually(async () => expect(await activeTexts(hub)).toEqual([NON_ASCII_NAME]));
      hedgehog.destroy();
      await eventually(async () => expect(await activeTexts(hub)).toEqual([]));
      await eventually(() => expect(hub.connectionCount).toBe(0));
    });

    itWhen(driver.identity === 'guest')(
      'gives a guest name to the newest claim and closes the older connection',
      async () => {
        const { hub, connect } = await serve();
        const first = await connect('sam');
        const second = await connect('sam');
        await within(first.closed(), 2_000, 'the replaced connection closing');
        expect(await activeTexts(hub)).toEqual(['sam']);
        const { session } = await outsider(hub);
        expect(await session.sendDirect([Name.fromText('sam')], 'to the newest')).toEqual([]);
        expectDelivery(await second.next(), 'outsider', 'to the newest', true);
      },
    );

    itWhen(driver.identity === 'guest')('refuses a guest claim of a registered name', async () => {
      const { hub, connect } = await serve();
      const bob = await connect('bob');
      expect(await hub.addAccount(Name.fromText('owner'), 'secret')).toBe(true);
      await expect(connect('owner')).rejects.toThrow();
      expect(await activeTexts(hub)).toEqual(['bob']);
      const { session } = await outsider(hub);
      await session.sendDirect([Name.fromText('bob')], 'still fine');
      expectDelivery(await bob.next(), 'outsider', 'still fine', true);
    });

    itWhen(driver.identity === 'registered')(
      'lets one registered name hold two connections: both receive, presence lists it once',
      async () => {
        const { hub, connect } = await serve();
        const laptop = await connect('rita');
        const phone = await connect('rita');
        expect(await activeTexts(hub)).toEqual(['rita']);
        const { session } = await outsider(hub);
        await session.sendDirect([Name.fromText('rita')], 'to every device');
        expectDelivery(await laptop.next(), 'outsider', 'to every device', true);
        expectDelivery(await phone.next(), 'outsider', 'to every device', true);
        laptop.destroy();
        await eventually(() => expect(hub.connectionCount).toBe(2)); // phone and the outsider
        expect(await activeTexts(hub)).toEqual(sorted('outsider', 'rita'));
        await session.sendDirect([Name.fromText('rita')], 'phone only');
        expectDelivery(await phone.next(), 'outsider', 'phone only', true);
      },
    );

    // ---- direct messages --------------------------------------------------------------------

    it('delivers a direct message between two clients with its sender and UTF-8 text', async () => {
      const { connect } = await serve();
      const hedgehog = await connect(NON_ASCII_NAME);
      const bob = await connect('bob');
      hedgehog.sendDirect('bob', UNICODE_TEXT);
      expectDelivery(await bob.next(), NON_ASCII_NAME, UNICODE_TEXT, true);
      bob.sendDirect(NON_ASCII_NAME, 'и тебе 🦔');
      expectDelivery(await hedgehog.next(), 'bob', 'и тебе 🦔', true);
      await Promise.all([hedgehog.expectNothing(100), bob.expectNothing(100)]);
    });

    it('delivers nothing to anyone for a message to an inactive name', async () => {
      const { hub, connect } = await serve();
      const alice = await connect('alice');
      const bob = await connect('bob');
      const watcher = await outsider(hub, 'watcher');
      alice.sendDirect('ghost', 'into the void');
      alice.sendDirect('bob', 'after the void');
      // Per-sender order: had the first gone astray to bob, it would come first.
      expectDelivery(await bob.next(), 'alice', 'after the void', true);
      await Promise.all([alice.expectNothing(150), bob.expectNothing(0)]);
      expect(watcher.received).toEqual([]);
    });

    it("never delivers a message back to its sender's own name", async () => {
      const { connect } = await serve();
      const alice = await connect('alice');
      // A registered name may hold another connection: that one must not get it either.
      const twin = driver.identity === 'registered' ? await connect('alice') : null;
      const bob = await connect('bob');
      alice.sendDirect('alice', 'note to self');
      alice.sendDirect('bob', 'marker');
      expectDelivery(await bob.next(), 'alice', 'marker', true);
      await Promise.all([alice.expectNothing(150), twin?.expectNothing(0)]);
    });

    itWhen(driver.canListSeveral)(
      'delivers once to a name listed twice, and skips the sender listed among recipients',
      async () => {
        const { connect } = await serve();
        const alice = await connect('alice');
        const bob = await connect('bob');
        const carol = await connect('carol');
        alice.sendDirectToMany!(['bob', 'alice', 'carol', 'bob'], 'once each');
        alice.sendDirect('bob', 'then this');
        expectDelivery(await bob.next(), 'alice', 'once each', true);
        expectDelivery(await bob.next(), 'alice', 'then this', true);
        expectDelivery(await carol.next(), 'alice', 'once each', true);
        await Promise.all([alice.expectNothing(150), bob.expectNothing(0), carol.expectNothing(0)]);
      },
    );

    it('keeps per-sender order for 500 messages from each of two senders', async () => {
      const { connect } = await serve();
      const alice = await connect('alice');
      const carol = await connect('carol');
      const bob = await connect('bob');
      for (let i = 0; i < 500; i++) {
        alice.sendDirect('bob', `a${i}`);
        carol.sendDirect('bob', `c${i}`);
      }
      const got = { alice: [] as string[], carol: [] as string[] };
      for (let i = 0; i < 1000; i++) {
        const delivery = await bob.next(5_000);
        expect(['alice', 'carol']).toContain(delivery.sender);
        got[delivery.sender as 'alice' | 'carol'].push(delivery.text);
      }
      expect(got.alice).toEqual(Array.from({ length: 500 }, (_, i) => `a${i}`));
      expect(got.carol).toEqual(Array.from({ length: 500 }, (_, i) => `c${i}`));
      await bob.expectNothing(50);
    });

    // ---- across protocols -------------------------------------------------------------------

    it('exchanges direct messages with a user of another protocol, invalid UTF-8 shown as U+FFFD', async () => {
      const { hub, connect } = await serve();
      const alice = await connect('alice');
      const other = await outsider(hub);
      expect(await other.session.sendDirect([Name.fromText('alice')], UNICODE_TEXT)).toEqual([]);
      expectDelivery(await alice.next(), 'outsider', UNICODE_TEXT, true);
      await other.session.sendDirect([Name.fromText('alice')], Buffer.from([0x68, 0x69, 0xff, 0xc3, 0x21]));
      expectDelivery(await alice.next(), 'outsider', 'hi\uFFFD\uFFFD!', true);

      alice.sendDirect('outsider', 'ответ');
      await eventually(() => expect(other.received).toHaveLength(1));
      const [reply] = other.received;
      expect([reply!.sender.text, reply!.text, reply!.direct]).toEqual(['alice', 'ответ', true]);
    });

    it("keeps its framing whole when another protocol's text holds delimiters and line breaks", async () => {
      const { hub, connect } = await serve();
      const alice = await connect('alice');
      const { session } = await outsider(hub);
      await session.sendDirect([Name.fromText('alice')], 'a\u0001b\u001ec\u001fd\ne\r\nf\u0000g');
      await session.sendDirect([Name.fromText('alice')], 'next');
      const mangled = await alice.next();
      expect(mangled.sender).toBe('outsider');
      // Each protocol removes or escapes its delimiters its own way; the text stays one delivery.
      expect(mangled.text.startsWith('a')).toBe(true);
      expect(mangled.text.endsWith('g')).toBe(true);
      expectDelivery(await alice.next(), 'outsider', 'next', true);
      await alice.expectNothing(100);
    });

    it('delivers a main-chat broadcast from another protocol to every client', async () => {
      const { hub, connect } = await serve();
      const alice = await connect('alice');
      const bob = await connect('bob');
      const other = await outsider(hub);
      other.session.broadcast(UNICODE_TEXT);
      expectDelivery(await alice.next(), 'outsider', UNICODE_TEXT, false);
      expectDelivery(await bob.next(), 'outsider', UNICODE_TEXT, false);
      await alice.expectNothing(50);
      expect(other.received).toEqual([]);
    });

    itWhen(driver.canBroadcast)(
      "broadcasts a client's text to everyone in the main chat but the sender",
      async () => {
        const { hub, connect } = await serve();
        const alice = await connect('alice');
        const bob = await connect('bob');
        const other = await outsider(hub);
        alice.broadcast!(UNICODE_TEXT);
        expectDelivery(await bob.next(), 'alice', UNICODE_TEXT, false);
        await eventually(() => expect(other.received).toHaveLength(1));
        expect([other.received[0]!.sender.text, other.received[0]!.text]).toEqual(['alice', UNICODE_TEXT]);
        await Promise.all([alice.expectNothing(150), bob.expectNothing(0)]);
      },
    );

    // ---- protection -------------------------------------------------------------------------

    it('drops a client that stops reading, while another keeps receiving', async () => {
      const maxQueuedBytes = 64 * 1024;
      const { hub, connect } = await serve({ maxQueuedBytes });
      const slow = await connect('slow');
      const steady = await connect('steady');
      const { session } = await outsider(hub);
      slow.pauseReading();
      const big = 'x'.repeat(16 * 1024);
      const toSteady: string[] = [];
      // Kernel buffers absorb the first megabytes; the adapter must drop the reader soon after.
      for (let i = 0; i < 4_000 && hub.stats.slowReaderDrops === 0; i++) {
        await session.sendDirect([Name.fromText('slow')], big);
        if (i % 8 === 0) {
          toSteady.push(`s${i}`);
          await session.sendDirect([Name.fromText('steady')], `s${i}`);
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
      expect(hub.stats.slowReaderDrops).toBe(1);
      await eventually(async () => expect(await activeTexts(hub)).toEqual(['outsider', 'steady']));
      for (const text of toSteady) expectDelivery(await steady.next(), 'outsider', text, true);
      await session.sendDirect([Name.fromText('steady')], 'still here');
      expectDelivery(await steady.next(), 'outsider', 'still here', true);
    });

    it("never lets one client's garbage disturb another client's conversation", async () => {
      const { hub, server, connect } = await serve();
      const alice = await connect('alice');
      const bob = await connect('bob');
      const mallory = await connect('mallory');
      const expected: string[] = [];
      for (let i = 0; i < 20; i++) {
        alice.sendDirect('bob', `g${i}`);
        expected.push(`g${i}`);
      }
      await mallory.sendGarbage();
      // Strangers too: junk straight onto the port, one of them cut off in the middle.
      const stranger = await rawSocket(server.port);
      stranger.write(junk(4_096, 1));
      const cutOff = await rawSocket(server.port);
      cutOff.write(junk(1_000, 2));
      cutOff.destroy();
      for (let i = 20; i < 40; i++) {
        alice.sendDirect('bob', `g${i}`);
        expected.push(`g${i}`);
      }
      // Others' deliveries may be legitimate (garbage can be chat); alice's must be whole and in order.
      for (const text of expected) expectDelivery(await nextFrom(bob, 'alice', 3_000), 'alice', text, true);
      bob.sendDirect('alice', 'all good');
      expectDelivery(await nextFrom(alice, 'bob', 3_000), 'bob', 'all good', true);
      const active = await activeTexts(hub);
      expect(active).toContain('alice');
      expect(active).toContain('bob');
    });

    it('refuses a third connection from one address while the first two keep working', async () => {
      const { hub, connect } = await serve({ maxConnectionsPerAddress: 2 });
      const alice = await connect('alice');
      const bob = await connect('bob');
      await expect(within(connect('carol'), 3_000, 'the refused connection')).rejects.toThrow();
      expect(hub.stats.refusedConnections).toBe(1);
      expect(await activeTexts(hub)).toEqual(['alice', 'bob']);
      alice.sendDirect('bob', 'we are fine');
      expectDelivery(await bob.next(), 'alice', 'we are fine', true);
      bob.sendDirect('alice', 'indeed');
      expectDelivery(await alice.next(), 'bob', 'indeed', true);
      // Closing one frees its slot for the next.
      bob.destroy();
      await eventually(() => expect(hub.connectionCount).toBe(1));
      const dave = await connect('dave');
      alice.sendDirect('dave', 'welcome');
      expectDelivery(await dave.next(), 'alice', 'welcome', true);
    });

    // ---- shutdown ---------------------------------------------------------------------------

    it('closes every client on graceful shutdown and resolves within 2 s', async () => {
      const { hub, server, connect, stop } = await serve();
      const alice = await connect('alice');
      const bob = await connect('bob');
      const started = Date.now();
      await within(stop(), 2_000, 'close() with two identified clients');
      expect(Date.now() - started).toBeLessThan(2_000);
      await within(Promise.all([alice.closed(), bob.closed()]), 500, 'every client closed');
      expect(await activeTexts(hub)).toEqual([]);
      expect(hub.connectionCount).toBe(0);
      // It stopped accepting, too.
      await expect(
        new Promise((resolve, reject) => {
          const late = tcpConnect({ host: '127.0.0.1', port: server.port });
          late.once('connect', () => {
            late.destroy();
            resolve('accepted');
          });
          late.once('error', reject);
        }),
      ).rejects.toThrow(/ECONNREFUSED/);
    });

    it('closes, on graceful shutdown, a connection that never identified (nor sent a byte)', async () => {
      const { server, connect, stop } = await serve();
      const alice = await connect('alice');
      const silent = await rawSocket(server.port);
      const silentClosed = new Promise<void>((resolve) => silent.once('close', () => resolve()));
      await within(stop(), 2_000, 'close() while a connection that sent nothing is open');
      await within(Promise.all([alice.closed(), silentClosed]), 500, 'every connection closed');
    });

    // ---- the connection runtime's rules, the same for every protocol ------------------------

    it('slows a client sending faster than messagesPerSecond: not cut off, nothing lost, nobody else slowed', async () => {
      const messagesPerSecond = 40;
      const messageBurst = 10;
      const { hub, connect } = await serve({ messagesPerSecond, messageBurst });
      const alice = await connect('alice');
      const bob = await connect('bob');
      const carol = await connect('carol');
      const dave = await connect('dave');
      const pausesBefore = hub.stats.rateLimited;
      const count = 40;
      const started = Date.now();
      for (let i = 0; i < count; i++) alice.sendDirect('bob', `r${i}`);
      carol.sendDirect('dave', 'not held up');
      expectDelivery(await dave.next(), 'carol', 'not held up', true);
      const carolTook = Date.now() - started;
      for (let i = 0; i < count; i++) expectDelivery(await bob.next(3_000), 'alice', `r${i}`, true);
      const aliceTook = Date.now() - started;
      // At least count - burst messages wait for tokens: 30 at 40 a second take 750 ms.
      expect(aliceTook).toBeGreaterThanOrEqual(((count - messageBurst) / messagesPerSecond) * 1000 * 0.7);
      expect(carolTook).toBeLessThan(aliceTook);
      expect(hub.stats.rateLimited).toBeGreaterThan(pausesBefore);
      // Slowed, not cut off: alice still talks and listens.
      bob.sendDirect('alice', 'still there?');
      expectDelivery(await alice.next(), 'bob', 'still there?', true);
      alice.sendDirect('bob', 'yes');
      expectDelivery(await bob.next(), 'alice', 'yes', true);
      await bob.expectNothing(50);
      expect(await activeTexts(hub)).toEqual(sorted('alice', 'bob', 'carol', 'dave'));
    });

    itWhen(rules !== undefined)(
      "tells a connection over maxConnectionsPerAddress its refusal in the protocol's way, then closes it",
      async () => {
        const { hub, connect, openRaw } = await serve({ maxConnectionsPerAddress: 2 });
        const alice = await connect('alice');
        const bob = await connect('bob');
        const refused = await openRaw('carol');
        const ending = await within(refused.ending(), 1_500, 'the refused connection closing');
        expectFarewell(ending, rules!.refusal, 'the refusal');
        expect(hub.stats.refusedConnections).toBe(1);
        expect(await activeTexts(hub)).toEqual(['alice', 'bob']);
        alice.sendDirect('bob', 'unbothered');
        expectDelivery(await bob.next(), 'alice', 'unbothered', true);
      },
    );

    itWhen(rules !== undefined)(
      'closes a connection that does not identify within the deadline; one that identified in time stays',
      async () => {
        const deadlineMs = 600;
        const option = rules!.deadlineOption;
        const { hub, connect, openRaw } = await serve({}, { [option]: deadlineMs });
        const alice = await connect('alice');
        const started = Date.now();
        const silent = await openRaw();
        const ending = await within(
          silent.ending(),
          deadlineMs + 1_000,
          `the close at the identification deadline (${option}: ${deadlineMs}; does start() apply the contract's options?)`,
        );
        expect(Date.now() - started).toBeGreaterThanOrEqual(deadlineMs - 100);
        expectFarewell(ending, rules!.deadlineNotice, 'the deadline notice');
        const { session } = await outsider(hub);
        await session.sendDirect([Name.fromText('alice')], 'you identified in time');
        expectDelivery(await alice.next(), 'outsider', 'you identified in time', true);
        await eventually(() => expect(hub.connectionCount).toBe(2)); // alice and the outsider
      },
    );

    itWhen(rules !== undefined)(
      "on close(), tells every client in the protocol's way and resolves within the grace, a client that stopped reading too",
      async () => {
        const graceOption = rules!.closeGraceOption;
        const graceMs = graceOption === null ? DEFAULT_CLOSE_GRACE_MS : 500;
        const { hub, connect, stop } = await serve(
          {},
          graceOption === null ? {} : { [graceOption]: graceMs },
        );
        const alice = await connect('alice');
        const bob = await connect('bob');
        const stuck = await connect('stuck');
        // It stops reading with a delivery unread: it never sees the goodbye, so never closes its side.
        stuck.pauseReading();
        const { session } = await outsider(hub);
        await session.sendDirect([Name.fromText('stuck')], 'never read');
        await sleep(50);
        const listening = [alice, bob].map((client) => {
          if (!client.ending) throw new Error('a driver with runtime rules implements ContractClient.ending');
          return client.ending();
        });
        const started = Date.now();
        // One timer-wheel step and a scheduler's slack over the grace.
        await within(
          stop(),
          graceMs + 1_000,
          `close() with a client that stopped reading (grace ${graceMs} ms)`,
        );
        const took = Date.now() - started;
        const endings = await within(Promise.all(listening), 500, 'every reading client closed');
        for (const ending of endings) expectFarewell(ending, rules!.shutdownNotice, 'the shutdown notice');
        expect(took).toBeLessThan(graceMs + 1_000);
        expect(await activeTexts(hub)).toEqual(['outsider']);
        expect(hub.connectionCount).toBe(1); // the outsider, of another protocol
      },
    );
  });
}

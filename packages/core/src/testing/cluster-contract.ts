import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Hub } from '../hub/hub.ts';
import type { Session, SessionSink } from '../hub/session.ts';
import type { ChatMessage } from '../messages/chat-message.ts';
import { Name } from '../names/name.ts';
import type { Bus } from '../ports/bus.ts';
import type { Presence, SessionDirectory } from '../ports/presence.ts';
import type { AccountStore, RoomStore } from '../ports/stores.ts';
import { MemoryAccountStore, MemoryRoomStore } from '../stores/memory-stores.ts';
import { eventually } from './eventually.ts';
import { createTestHub } from './test-hub.ts';

/** The cluster ports of one node; stores are optional (a shared in-memory pair stands in). */
export interface ClusterNodePorts {
  bus: Bus;
  presence: Presence;
  sessions: SessionDirectory;
  accounts?: AccountStore;
  rooms?: RoomStore;
}

/** One cluster under test: a fresh, empty service per test. */
export interface ClusterFixture {
  node(nodeId: string): ClusterNodePorts | Promise<ClusterNodePorts>;
  /** Makes a node vanish as a `kill -9` would: no goodbye, its heartbeats simply stop. */
  kill?(nodeId: string): void | Promise<void>;
  /** Commands the backing store (Redis) has run so far, for "answered without a round trip". */
  storeCommands?(): Promise<number>;
  /** Direct-message or broadcast frames a node's bus has received so far, for owner routing. */
  framesReceived?(nodeId: string, kind: 'direct' | 'broadcast'): number;
  close(): Promise<void>;
}

export type MakeCluster = () => ClusterFixture | Promise<ClusterFixture>;

export interface ClusterContractOptions {
  /** How long a killed node may stay visible (heartbeat TTL plus one beat, plus slack). */
  killTimeoutMs?: number;
}

/** A sink that records what the hub tells a connection; `replaced` closes it, as adapters do. */
class RecordingSink implements SessionSink {
  readonly messages: ChatMessage[] = [];
  replacedCount = 0;
  invalidatedCount = 0;
  session: Session | null = null;

  deliver(message: ChatMessage): void {
    this.messages.push(message);
  }
  replaced(): void {
    this.replacedCount += 1;
    this.session?.close();
  }
  get texts(): string[] {
    return this.messages.map((message) => `${message.sender.text}: ${message.text}`);
  }
}

class InvalidatableSink extends RecordingSink {
  invalidated(): void {
    this.invalidatedCount += 1;
  }
}

const texts = (names: Name[]) => names.map((name) => name.text);

/**
 * The behaviour every cluster backend must give three hubs of one service (in-process memory,
 * Redis): routing, presence, guest claims, invalidation and the sessions directory, all
 * service-wide, driven through real hub sessions.
 */
export function runClusterContract(
  name: string,
  makeCluster: MakeCluster,
  options: ClusterContractOptions = {},
): void {
  describe(`cluster contract: ${name}`, () => {
    let fixture: ClusterFixture;
    let hubs: Hub[] = [];
    const sessions: Session[] = [];

    beforeEach(async () => {
      fixture = await makeCluster();
      const accounts = new MemoryAccountStore();
      const rooms = new MemoryRoomStore();
      hubs = [];
      for (const nodeId of ['node-a', 'node-b', 'node-c']) {
        const ports = await fixture.node(nodeId);
        const { bus, presence, sessions: directory } = ports;
        const stores = { accounts: ports.accounts ?? accounts, rooms: ports.rooms ?? rooms };
        hubs.push(createTestHub({ nodeId, bus, presence, sessions: directory, ...stores }));
      }
    });

    afterEach(async () => {
      for (const session of sessions.splice(0)) session.close();
      for (const hub of hubs) hub.close();
      await fixture.close();
    });

    function open<S extends RecordingSink>(hub: Hub, sink: S): S & { session: Session } {
      const session = hub.open('test', '127.0.0.1', sink);
      if (!session) throw new Error('connection refused');
      sink.session = session;
      sessions.push(session);
      return sink as S & { session: Session };
    }

    async function guest(hub: Hub, nameText: string | Name) {
      const sink = open(hub, new RecordingSink());
      const result = await sink.session.claimGuest(
        typeof nameText === 'string' ? Name.fromText(nameText) : nameText,
      );
      expect(result).toBe('ok');
      return sink;
    }

    async function everyHubSees(expected: string[]) {
      await eventually(async () => {
        for (const hub of hubs) expect(texts(await hub.activeNames())).toEqual(expected);
      });
    }

    const hub = (i: number) => hubs[i]!;

    it('delivers a direct message to a user on another node', async () => {
      const alice = await guest(hub(0), 'alice');
      const bob = await guest(hub(1), 'bob');
      await everyHubSees(['alice', 'bob']);
      expect(
        await alice.session.sendDirect([Name.fromText('bob'), Name.fromText('nobody')], 'hi bob'),
      ).toEqual([Name.fromText('nobody')]);
      await eventually(() => expect(bob.texts).toEqual(['alice: hi bob']));
      expect(bob.messages[0]!.direct).toBe(true);
      expect(alice.messages).toEqual([]);
    });

    it('carries bytes untouched: binary names and non-UTF-8 texts', async () => {
      const senderName = Name.fromBytes(Buffer.from([0x00, 0xff, 0x80, 0x20]));
      const sender = await guest(hub(0), senderName);
      const bob = await guest(hub(2), 'bob');
      await everyHubSees(['bob', senderName.text].sort());
      const text = Buffer.from([0xc3, 0x28, 0x00, 0xff, 0x0a]);
      await sender.session.sendDirect([Name.fromText('bob')], text);
      await eventually(() => expect(bob.messages).toHaveLength(1));
      expect(bob.messages[0]!.sender.bytes).toEqual(senderName.bytes);
      expect(bob.messages[0]!.bytes).toEqual(text);
    });

    it('broadcasts to the main chat on every node, never back to the sender', async () => {
      const alice = await guest(hub(0), 'alice');
      const bob = await guest(hub(1), 'bob');
      const carol = await guest(hub(2), 'carol');
      const dave = await guest(hub(0), 'dave');
      await everyHubSees(['alice', 'bob', 'carol', 'dave']);
      alice.session.broadcast('hello all');
      for (const sink of [bob, carol, dave]) {
        await eventually(() => expect(sink.texts).toEqual(['alice: hello all']));
        expect(sink.messages[0]!.direct).toBe(false);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(alice.messages).toEqual([]);
    });

    it("never echoes a broadcast to the sender's own name on other nodes", async () => {
      await hub(0).addAccount(Name.fromText('reg'), 'pw');
      const here = open(hub(0), new RecordingSink());
      const there = open(hub(2), new RecordingSink());
      expect(await here.session.login(Name.fromText('reg'), 'pw')).toBe('ok');
      expect(await there.session.login(Name.fromText('reg'), 'pw')).toBe('ok');
      const bob = await guest(hub(1), 'bob');
      await everyHubSees(['bob', 'reg']);
      here.session.broadcast('from reg');
      await eventually(() => expect(bob.texts).toEqual(['reg: from reg']));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(there.messages).toEqual([]);
    });

    it('keeps per-sender order for 1000 messages across nodes', async () => {
      const alice = await guest(hub(0), 'alice');
      const bob = await guest(hub(1), 'bob');
      const carol = await guest(hub(2), 'carol');
      await everyHubSees(['alice', 'bob', 'carol']);
      const expected: string[] = [];
      for (let i = 0; i < 1000; i++) {
        // Direct and broadcast interleaved: one publisher's events must keep their order.
        if (i % 3 === 0) alice.session.broadcast(`m${i}`);
        else void alice.session.sendDirect([Name.fromText('bob'), Name.fromText('carol')], `m${i}`);
        expected.push(`alice: m${i}`);
      }
      await eventually(() => {
        expect(bob.texts).toEqual(expected);
        expect(carol.texts).toEqual(expected);
      }, 10_000);
    });

    it('lists active names service-wide, sorted by bytes', async () => {
      const binary = Name.fromBytes(Buffer.from([0xff, 0x01]));
      await guest(hub(2), 'zoe');
      await guest(hub(0), 'Zed');
      await guest(hub(1), 'émile');
      await guest(hub(1), binary);
      await guest(hub(0), 'adam');
      const expected = [
        Name.fromText('zoe'),
        Name.fromText('Zed'),
        Name.fromText('émile'),
        binary,
        Name.fromText('adam'),
      ]
        .map((n) => n.key)
        .sort()
        .map((key) => Name.fromKey(key).text);
      await everyHubSees(expected);
      for (const session of [...sessions]) if (session.name?.text === 'zoe') session.close();
      await everyHubSees(expected.filter((text) => text !== 'zoe'));
    });

    it('lets a guest claim on one node replace the holder on another', async () => {
      const first = await guest(hub(0), 'sam');
      await everyHubSees(['sam']);
      const second = await guest(hub(1), 'sam');
      await eventually(() => expect(first.replacedCount).toBe(1));
      expect(first.session.closed).toBe(true);
      expect(second.replacedCount).toBe(0);
      expect(second.session.name?.text).toBe('sam');
      await everyHubSees(['sam']);
      const bob = await guest(hub(2), 'bob');
      await bob.session.sendDirect([Name.fromText('sam')], 'to the new sam');
      await eventually(() => expect(second.texts).toEqual(['bob: to the new sam']));
      expect(first.messages).toEqual([]);
    });

    it('leaves exactly one holder after 50 concurrent claims across three nodes', async () => {
      const contenders = Array.from({ length: 50 }, (_, i) => open(hub(i % 3), new RecordingSink()));
      const results = await Promise.all(
        contenders.map((sink) => sink.session.claimGuest(Name.fromText('hot'))),
      );
      expect(results.every((result) => result === 'ok' || result === 'REPLACED')).toBe(true);
      await eventually(() => {
        const holders = contenders.filter((sink) => sink.session.name?.text === 'hot');
        expect(holders).toHaveLength(1);
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      const holders = contenders.filter((sink) => sink.session.name?.text === 'hot');
      expect(holders).toHaveLength(1);
      expect(holders[0]!.replacedCount).toBe(0);
      await everyHubSees(['hot']);
    });

    it('invalidates registered sessions on other nodes (invalidate and password change)', async () => {
      const user = Name.fromText('rita');
      await hub(0).addAccount(user, 'pw1');
      const actor = open(hub(0), new InvalidatableSink());
      const remoteB = open(hub(1), new InvalidatableSink());
      const remoteC = open(hub(2), new InvalidatableSink());
      const plain = open(hub(2), new RecordingSink()); // no `invalidated`: keeps its binding
      for (const sink of [actor, remoteB, remoteC, plain])
        expect(await sink.session.login(user, 'pw1')).toBe('ok');
      actor.session.invalidateOthers();
      await eventually(() => {
        expect(remoteB.invalidatedCount).toBe(1);
        expect(remoteC.invalidatedCount).toBe(1);
      });
      expect(remoteB.session.name).toBeNull();
      expect(actor.invalidatedCount).toBe(0);
      expect(actor.session.name?.text).toBe('rita');
      expect(plain.session.name?.text).toBe('rita');

      expect(await remoteB.session.login(user, 'pw1')).toBe('ok');
      expect(await hub(2).changePassword(user, 'pw2')).toBe(true);
      await eventually(() => {
        expect(actor.invalidatedCount).toBe(1);
        expect(remoteB.invalidatedCount).toBe(2);
      });
      expect(actor.session.name).toBeNull();
    });

    it('shares the sessions directory service-wide', async () => {
      hub(0).sessions.set('client-a', 'session-1');
      hub(1).sessions.set('client-b', 'session-2');
      const sorted = async (i: number) => (await hub(i).sessions.list()).sort();
      await eventually(async () => {
        for (let i = 0; i < 3; i++) {
          expect(await sorted(i)).toEqual([
            ['client-a', 'session-1'],
            ['client-b', 'session-2'],
          ]);
        }
      });
      hub(0).sessions.delete('client-a', 'stale-session');
      hub(1).sessions.delete('client-b', 'session-2');
      await eventually(async () => {
        for (let i = 0; i < 3; i++) expect(await sorted(i)).toEqual([['client-a', 'session-1']]);
      });
    });

    it('answers presence on another node from its mirror, without a round trip per lookup', async () => {
      await guest(hub(0), 'alice');
      hub(0).sessions.set('alice-client', 'alice-session');
      await everyHubSees(['alice']);
      await eventually(async () =>
        expect(await hub(1).sessions.list()).toEqual([['alice-client', 'alice-session']]),
      );
      const before = await fixture.storeCommands?.();
      for (let i = 0; i < 200; i++) {
        expect(texts(await hub(1).activeNames())).toEqual(['alice']);
        expect(await hub(1).sessions.list()).toEqual([['alice-client', 'alice-session']]);
      }
      const after = await fixture.storeCommands?.();
      // 400 lookups; what the store ran meanwhile is background (heartbeats), a handful at most.
      if (before !== undefined && after !== undefined) expect(after - before).toBeLessThan(20);
    });

    it('sends a direct message only to the node holding its recipient', async () => {
      const alice = await guest(hub(0), 'alice');
      const bob = await guest(hub(1), 'bob');
      await guest(hub(2), 'carol');
      await everyHubSees(['alice', 'bob', 'carol']);
      await new Promise((resolve) => setTimeout(resolve, 50)); // the claims' events settle
      const bystanderEvents = hub(2).stats.busEventsIn;
      const bystanderFrames = fixture.framesReceived?.('node-c', 'direct');
      const expected: string[] = [];
      for (let i = 0; i < 100; i++) {
        expect(await alice.session.sendDirect([Name.fromText('bob')], `d${i}`)).toEqual([]);
        expected.push(`alice: d${i}`);
      }
      await eventually(() => expect(bob.texts).toEqual(expected));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(hub(2).stats.busEventsIn).toBe(bystanderEvents);
      if (bystanderFrames !== undefined)
        expect(fixture.framesReceived!('node-c', 'direct')).toBe(bystanderFrames);
      if (bystanderFrames !== undefined)
        expect(fixture.framesReceived!('node-b', 'direct')).toBeGreaterThanOrEqual(100);
    });

    it("sends a private room's messages only to the nodes with members in it", async () => {
      const alice = await guest(hub(0), 'alice');
      const bob = await guest(hub(1), 'bob');
      const carol = await guest(hub(2), 'carol');
      await everyHubSees(['alice', 'bob', 'carol']);
      const den = await alice.session.createRoom('den');
      if (typeof den !== 'object') throw new Error(`the den was not created: ${den}`);
      expect(await bob.session.joinRoom('den', den.password)).toBe('ok');
      await new Promise((resolve) => setTimeout(resolve, 100)); // the room's members are announced
      const bystander = fixture.framesReceived?.('node-c', 'broadcast');
      alice.session.broadcast('in the den');
      await eventually(() => expect(bob.texts).toEqual(['alice: in the den']));
      // Back in the main chat, everyone gets it again.
      bob.session.exitRoom();
      await new Promise((resolve) => setTimeout(resolve, 100));
      bob.session.broadcast('main again');
      await eventually(() => expect(carol.texts).toEqual(['bob: main again']));
      expect(alice.messages).toEqual([]); // alice is still in the den
      if (bystander !== undefined) expect(fixture.framesReceived!('node-c', 'broadcast')).toBe(bystander + 1);
      // The den emptied on node-b: a message there no longer goes to it.
      const nodeB = fixture.framesReceived?.('node-b', 'broadcast');
      alice.session.broadcast('alone in the den');
      await new Promise((resolve) => setTimeout(resolve, 100));
      if (nodeB !== undefined) expect(fixture.framesReceived!('node-b', 'broadcast')).toBe(nodeB);
      expect(bob.texts).toEqual(['alice: in the den']);
    });

    it('loses nothing, duplicates nothing and keeps order while the recipient moves between nodes', async () => {
      const sender = await guest(hub(0), 'sender');
      const holders = [await guest(hub(1), 'mover')];
      await everyHubSees(['mover', 'sender']);
      const expected: string[] = [];
      let sent = 0;
      const traffic = setInterval(() => {
        for (let i = 0; i < 20; i++) {
          void sender.session.sendDirect([Name.fromText('mover')], `m${sent}`);
          expected.push(`sender: m${sent}`);
          sent += 1;
        }
      }, 1);
      const received = () => holders.flatMap((holder) => holder.texts);
      try {
        for (const next of [2, 1, 2]) {
          const before = holders.at(-1)!.messages.length;
          await eventually(
            () => expect(holders.at(-1)!.messages.length).toBeGreaterThan(before + 30),
            10_000,
          );
          // Another connection takes the name over on another node while messages are in flight.
          holders.push(await guest(hub(next), 'mover'));
          await eventually(() => expect(holders.at(-2)!.session.closed).toBe(true));
        }
        const before = holders.at(-1)!.messages.length;
        await eventually(() => expect(holders.at(-1)!.messages.length).toBeGreaterThan(before + 30), 10_000);
      } finally {
        clearInterval(traffic);
      }
      await eventually(() => expect(received()).toHaveLength(expected.length), 10_000);
      expect(received()).toEqual(expected);
      for (const holder of holders) expect(holder.messages.length).toBeGreaterThan(0);
    });

    it('forgets every name and session of a node that died without a goodbye', async (context) => {
      if (!fixture.kill) return context.skip('this backend cannot kill a node');
      await guest(hub(0), 'stays');
      await guest(hub(2), 'ghost');
      hub(2).sessions.set('ghost-client', 'ghost-session');
      hub(0).sessions.set('live-client', 'live-session');
      await everyHubSees(['ghost', 'stays']);
      await fixture.kill('node-c');
      await eventually(async () => {
        for (const i of [0, 1]) {
          expect(texts(await hub(i).activeNames())).toEqual(['stays']);
          expect(await hub(i).sessions.list()).toEqual([['live-client', 'live-session']]);
        }
      }, options.killTimeoutMs ?? 5_000);
    });
  });
}

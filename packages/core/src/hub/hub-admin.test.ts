import { afterEach, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../messages/chat-message.ts';
import { Name } from '../names/name.ts';
import { FakeClock } from '../testing/fake-clock.ts';
import { MemoryCluster } from '../testing/memory-cluster.ts';
import { createTestHub } from '../testing/test-hub.ts';
import type { Hub } from './hub.ts';
import type { SessionSink } from './session.ts';

/** An adapter's view of one connection: what it was given and how it was told to go. */
class RecordingSink implements SessionSink {
  readonly messages: ChatMessage[] = [];
  replacedCalls = 0;
  disconnectedCalls = 0;
  deliver(message: ChatMessage): void {
    this.messages.push(message);
  }
  replaced(): void {
    this.replacedCalls += 1;
  }
  disconnected(): void {
    this.disconnectedCalls += 1;
  }
  get lines(): string[] {
    return this.messages.map(
      (message) => `${message.sender.text}${message.direct ? ' [direct]' : ''}: ${message.text}`,
    );
  }
}

const name = (text: string) => Name.fromText(text);
let hub: Hub;
afterEach(() => hub?.close());

function open(sink = new RecordingSink(), protocol = 'test', address = '10.0.0.1') {
  const session = hub.open(protocol, address, sink);
  if (!session) throw new Error('connection refused');
  return { sink, session };
}

async function guest(text: string, protocol = 'test') {
  const connection = open(new RecordingSink(), protocol);
  expect(await connection.session.claimGuest(name(text))).toBe('ok');
  return connection;
}

describe('the reserved system sender', () => {
  it('cannot be claimed, signed up, logged into or added by an administrator', async () => {
    hub = createTestHub({ systemSender: 'system' });
    const { session } = open();
    expect(await session.claimGuest(name('system'))).toBe('NAME_REGISTERED');
    expect(await hub.isRegistered(name('system'))).toBe(true);
    expect(await session.register(name('system'), 'pw')).toBe('NAME_REGISTERED');
    expect(await hub.addAccount(name('system'), 'pw')).toBe(false);
    expect(await session.login(name('system'), 'pw')).toBe('WRONG_PASSWORD');
    expect(session.name).toBeNull();
    // Other names are as free as ever, and the default sender name is not reserved here.
    expect(await session.claimGuest(name('switchboard'))).toBe('ok');
  });

  it('is switchboard by default', () => {
    hub = createTestHub();
    expect(hub.systemSender.text).toBe('switchboard');
    expect(hub.isReserved(name('switchboard'))).toBe(true);
  });
});

describe('system messages', () => {
  it('go direct to every connection of the named users and say who was active', async () => {
    hub = createTestHub();
    const ann = await guest('ann');
    await hub.addAccount(name('bob'), 'pw');
    const bob1 = open();
    const bob2 = open();
    expect(await bob1.session.login(name('bob'), 'pw')).toBe('ok');
    expect(await bob2.session.login(name('bob'), 'pw')).toBe('ok');
    const carl = await guest('carl');
    const result = await hub.sendSystem({ to: [name('bob'), name('ghost'), name('bob'), name('ann')] }, 'hi');
    expect(result.delivered.map((each) => each.text)).toEqual(['ann', 'bob']);
    expect(result.missing).toBe(0);
    for (const sink of [ann.sink, bob1.sink, bob2.sink])
      expect(sink.lines).toEqual(['switchboard [direct]: hi']);
    expect(carl.sink.lines).toEqual([]);
  });

  it('go to one room, or the main chat, and not to the others', async () => {
    hub = createTestHub();
    const ann = await guest('ann');
    await hub.addAccount(name('bob'), 'pw');
    const bob = open();
    expect(await bob.session.login(name('bob'), 'pw')).toBe('ok');
    expect(await bob.session.createRoom('den')).toEqual({ password: expect.any(String) });
    const toRoom = await hub.sendSystem({ room: 'den' }, 'in the den');
    const toMain = await hub.sendSystem({ room: null }, 'everyone');
    expect(toRoom.delivered.map((each) => each.text)).toEqual(['bob']);
    expect(toMain.delivered.map((each) => each.text)).toEqual(['ann']);
    expect(bob.sink.lines).toEqual(['switchboard: in the den']);
    expect(ann.sink.lines).toEqual(['switchboard: everyone']);
  });

  it('carry the hub clock as their timestamp', async () => {
    const clock = new FakeClock(1_700_000_000_000);
    hub = createTestHub({ clock });
    const ann = await guest('ann');
    clock.advance(5_000);
    await hub.sendSystem({ to: [name('ann')] }, 'tick');
    expect(ann.sink.messages[0]!.timestamp).toBe(1_700_000_005_000);
  });
});

describe('disconnect', () => {
  it('closes every connection of the name through the sink, unbound first; others stay', async () => {
    hub = createTestHub();
    await hub.addAccount(name('bob'), 'pw');
    const bob1 = open();
    const bob2 = open();
    expect(await bob1.session.login(name('bob'), 'pw')).toBe('ok');
    expect(await bob2.session.login(name('bob'), 'pw')).toBe('ok');
    const ann = await guest('ann');
    expect(await hub.disconnect(name('bob'))).toEqual({ closed: 2, missing: 0 });
    expect([bob1.sink.disconnectedCalls, bob2.sink.disconnectedCalls]).toEqual([1, 1]);
    expect([bob1.session.name, bob2.session.name]).toEqual([null, null]);
    expect((await hub.activeNames()).map((each) => each.text)).toEqual(['ann']);
    expect(ann.sink.disconnectedCalls).toBe(0);
    expect(await hub.disconnect(name('bob'))).toEqual({ closed: 0, missing: 0 });
  });

  it('closes a sink without disconnected() as if replaced', async () => {
    hub = createTestHub();
    let replaced = 0;
    const session = hub.open('old', '10.0.0.1', {
      deliver() {},
      replaced() {
        replaced += 1;
      },
    })!;
    expect(await session.claimGuest(name('ann'))).toBe('ok');
    expect((await hub.disconnect(name('ann'))).closed).toBe(1);
    expect(replaced).toBe(1);
  });
});

describe('the connection listing', () => {
  it('lists identified and unidentified connections in pages, oldest first', async () => {
    const clock = new FakeClock(1_000);
    hub = createTestHub({ clock, nodeId: 'node-a' });
    await guest('ann', 'json-ws');
    clock.advance(10);
    const quiet = open(new RecordingSink(), 'soh', '10.0.0.9');
    clock.advance(10);
    await guest('carl', 'sessions');
    const first = await hub.connections(null, 2);
    expect(first.connections).toEqual([
      expect.objectContaining({
        node: 'node-a',
        protocol: 'json-ws',
        name: 'ann',
        identified: true,
        kind: 'guest',
        connectedAt: 1_000,
      }),
      expect.objectContaining({
        protocol: 'soh',
        address: '10.0.0.9',
        name: null,
        identified: false,
        connectedAt: 1_010,
      }),
    ]);
    const last = first.connections.at(-1)!;
    const second = await hub.connections({ node: last.node, id: last.id }, 2);
    expect(second.connections.map((each) => each.name)).toEqual(['carl']);
    quiet.session.close();
    expect((await hub.connections(null, 10)).connections.map((each) => each.protocol)).toEqual([
      'json-ws',
      'sessions',
    ]);
  });
});

describe('across the cluster (MemoryCluster)', () => {
  const hubs: Hub[] = [];
  afterEach(() => {
    for (const each of hubs.splice(0)) each.close();
  });

  function nodes(cluster: MemoryCluster, ...ids: string[]): Hub[] {
    for (const id of ids)
      hubs.push(createTestHub({ nodeId: id, requestTimeoutMs: 200, ...cluster.node(id) }));
    return hubs;
  }

  async function guestOn(node: Hub, text: string) {
    const sink = new RecordingSink();
    const session = node.open('test', '10.0.0.1', sink)!;
    expect(await session.claimGuest(name(text))).toBe('ok');
    return { sink, session };
  }

  it('system messages, disconnects and the listing reach every node; the answers add up', async () => {
    const cluster = new MemoryCluster();
    const [a, b, c] = nodes(cluster, 'node-a', 'node-b', 'node-c');
    const ann = await guestOn(a!, 'ann');
    const bob = await guestOn(b!, 'bob');
    const cat = await guestOn(c!, 'cat');
    const toAll = await a!.sendSystem({ room: null }, 'everyone');
    expect(toAll.delivered.map((each) => each.text)).toEqual(['ann', 'bob', 'cat']);
    expect(toAll.missing).toBe(0);
    const direct = await c!.sendSystem({ to: [name('bob'), name('ghost')] }, 'psst');
    expect(direct.delivered.map((each) => each.text)).toEqual(['bob']);
    expect(ann.sink.lines).toEqual(['switchboard: everyone']);
    expect(bob.sink.lines).toEqual(['switchboard: everyone', 'switchboard [direct]: psst']);
    expect(cat.sink.lines).toEqual(['switchboard: everyone']);

    const all = await b!.connections(null, 10);
    expect(all.connections.map((each) => [each.node, each.name])).toEqual([
      ['node-a', 'ann'],
      ['node-b', 'bob'],
      ['node-c', 'cat'],
    ]);
    const first = await b!.connections(null, 2);
    const last = first.connections.at(-1)!;
    const rest = await b!.connections({ node: last.node, id: last.id }, 2);
    expect(rest.connections.map((each) => each.name)).toEqual(['cat']);

    expect(await a!.disconnect(name('cat'))).toEqual({ closed: 1, missing: 0 });
    expect(cat.sink.disconnectedCalls).toBe(1);
    expect(cat.session.name).toBeNull();
  });

  it('a peer that does not answer is waited for until the timeout, then counted as missing', async () => {
    const cluster = new MemoryCluster();
    const [a, b] = nodes(cluster, 'node-a', 'node-b');
    await guestOn(a!, 'ann');
    await guestOn(b!, 'bob');
    cluster.failing = true;
    const started = performance.now();
    const listing = await a!.connections(null, 10);
    expect(performance.now() - started).toBeGreaterThanOrEqual(150);
    expect(listing).toMatchObject({ missing: 1, connections: [expect.objectContaining({ name: 'ann' })] });
    cluster.failing = false;
    cluster.forget('node-b');
    // A forgotten node is no longer waited for.
    expect((await a!.connections(null, 10)).missing).toBe(0);
  });
});

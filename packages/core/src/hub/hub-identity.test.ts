import { afterEach, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../messages/chat-message.ts';
import { Name } from '../names/name.ts';
import { createTestHub } from '../testing/test-hub.ts';
import type { Hub } from './hub.ts';
import type { SessionSink } from './session.ts';

/** What an adapter would have written to one connection. */
class RecordingSink implements SessionSink {
  readonly messages: ChatMessage[] = [];
  replacedCalls = 0;
  deliver(message: ChatMessage): void {
    this.messages.push(message);
  }
  replaced(): void {
    this.replacedCalls += 1;
  }
  get lines(): string[] {
    return this.messages.map((message) => `${message.sender.text}: ${message.text}`);
  }
}

const name = (text: string) => Name.fromText(text);
const texts = (names: Name[]) => names.map((each) => each.text);

let hub: Hub;
afterEach(() => hub?.close());

function connect(address = '10.0.0.1', protocol = 'test') {
  const sink = new RecordingSink();
  const session = hub.open(protocol, address, sink);
  if (!session) throw new Error('connection refused');
  return { sink, session };
}

async function guest(nameText: string, address?: string) {
  const connection = connect(address);
  expect(await connection.session.claimGuest(name(nameText))).toBe('ok');
  return connection;
}

async function loggedIn(nameText: string, password = 'pw', protocol = 'test') {
  if (!(await hub.accounts.exists(name(nameText)))) await hub.addAccount(name(nameText), password);
  const connection = connect('10.0.0.1', protocol);
  expect(await connection.session.login(name(nameText), password)).toBe('ok');
  return connection;
}

describe('guest names', () => {
  it('binds an unregistered name to the connection', async () => {
    hub = createTestHub();
    const { session } = await guest('alice');
    expect(session.name?.text).toBe('alice');
    expect(session.kind).toBe('guest');
    expect(session.identified).toBe(true);
    expect(session.room).toBeNull();
  });

  it('gives the name to the newest claim and tells the old connection it was replaced', async () => {
    hub = createTestHub();
    const old = await guest('alice');
    const newer = await guest('alice');
    expect(old.sink.replacedCalls).toBe(1);
    expect(newer.sink.replacedCalls).toBe(0);
    expect(old.session.name).toBeNull();
    expect(newer.session.name?.text).toBe('alice');

    const bob = await guest('bob');
    await bob.session.sendDirect([name('alice')], 'hi');
    expect(newer.sink.lines).toEqual(['bob: hi']);
    expect(old.sink.messages).toEqual([]);
  });

  it('keeps the name with the new holder when the replaced connection closes afterwards', async () => {
    hub = createTestHub();
    const old = await guest('alice');
    const newer = await guest('alice');
    old.session.close();
    expect(texts(await hub.activeNames())).toEqual(['alice']);
    const bob = await guest('bob');
    expect(await bob.session.sendDirect([name('alice')], 'still there?')).toEqual([]);
    expect(newer.sink.lines).toEqual(['bob: still there?']);
  });

  it('lets a reconnecting client take its name back from a connection not yet seen to die', async () => {
    hub = createTestHub();
    const chain = [await guest('alice'), await guest('alice'), await guest('alice')];
    expect(chain.map(({ sink }) => sink.replacedCalls)).toEqual([1, 1, 0]);
    expect(chain[2]!.session.name?.text).toBe('alice');
  });

  it('settles racing claims of one name: exactly one holder, every other told', async () => {
    hub = createTestHub();
    const connections = Array.from({ length: 5 }, () => connect());
    const results = await Promise.all(connections.map(({ session }) => session.claimGuest(name('alice'))));
    const holders = connections.filter(({ session }) => session.name !== null);
    expect(holders).toHaveLength(1);
    expect(holders[0]).toBe(connections[4]);
    // Every earlier claim either lost on arrival or was replaced after binding.
    connections.slice(0, 4).forEach(({ sink }, i) => {
      expect(results[i] === 'REPLACED' || sink.replacedCalls === 1).toBe(true);
    });
  });

  it('refuses a guest claim of a registered name, and binds nothing', async () => {
    hub = createTestHub();
    await hub.addAccount(name('carol'), 'pw');
    const { session } = connect();
    expect(await session.claimGuest(name('carol'))).toBe('NAME_REGISTERED');
    expect(session.name).toBeNull();
    expect(texts(await hub.activeNames())).toEqual([]);
  });

  it('does not replace a registered user who is online when a guest tries the name', async () => {
    hub = createTestHub();
    const carol = await loggedIn('carol');
    expect(await connect().session.claimGuest(name('carol'))).toBe('NAME_REGISTERED');
    expect(carol.sink.replacedCalls).toBe(0);
    expect(carol.session.name?.text).toBe('carol');
  });

  it('refuses a second claim on an identified connection', async () => {
    hub = createTestHub();
    const { session } = await guest('alice');
    expect(await session.claimGuest(name('other'))).toBe('ALREADY_IDENTIFIED');
    expect(session.name?.text).toBe('alice');
    expect(texts(await hub.activeNames())).toEqual(['alice']);
  });

  it('refuses a claim on a closed connection', async () => {
    hub = createTestHub();
    const { session } = connect();
    session.close();
    expect(await session.claimGuest(name('alice'))).toBe('CONNECTION_CLOSED');
    expect(texts(await hub.activeNames())).toEqual([]);
  });

  it('does not bind a connection that closed while its claim was in flight', async () => {
    hub = createTestHub();
    const { session } = connect();
    const pending = session.claimGuest(name('alice'));
    session.close();
    expect(await pending).toBe('CONNECTION_CLOSED');
    expect(texts(await hub.activeNames())).toEqual([]);
  });

  it('takes names byte for byte: Bob and bob are two users', async () => {
    hub = createTestHub();
    const upper = await guest('Bob');
    const lower = await guest('bob');
    expect(upper.sink.replacedCalls).toBe(0);
    const sender = await guest('zed');
    await sender.session.sendDirect([name('bob')], 'x');
    expect(lower.sink.lines).toEqual(['zed: x']);
    expect(upper.sink.messages).toEqual([]);
  });

  it('holds a name of arbitrary bytes (soh) apart from its U+FFFD rendering', async () => {
    hub = createTestHub();
    const raw = connect();
    expect(await raw.session.claimGuest(Name.fromBytes(Buffer.from([0xff, 0x41])))).toBe('ok');
    const text = await guest('\ufffdA');
    expect(raw.sink.replacedCalls).toBe(0);
    expect(text.sink.replacedCalls).toBe(0);
    expect((await hub.activeNames()).map((each) => [...each.bytes])).toEqual([
      [0xef, 0xbf, 0xbd, 0x41],
      [0xff, 0x41],
    ]);
  });
});

describe('registered names', () => {
  it('binds a connection after the right password', async () => {
    hub = createTestHub();
    await hub.addAccount(name('carol'), 'secret');
    const { session } = connect();
    expect(await session.login(name('carol'), 'secret')).toBe('ok');
    expect(session.name?.text).toBe('carol');
    expect(session.kind).toBe('registered');
  });

  it('refuses a wrong password or an unknown name and binds nothing', async () => {
    hub = createTestHub();
    await hub.addAccount(name('carol'), 'secret');
    const { session } = connect();
    expect(await session.login(name('carol'), 'nope')).toBe('WRONG_PASSWORD');
    expect(await session.login(name('dave'), 'secret')).toBe('UNKNOWN_USER');
    expect(session.name).toBeNull();
    expect(texts(await hub.activeNames())).toEqual([]);
  });

  it('lets one registered user hold many connections on any protocols; a direct message reaches all', async () => {
    hub = createTestHub();
    const connections = [
      await loggedIn('carol', 'pw', 'tcp-rooms'),
      await loggedIn('carol', 'pw', 'rs-us'),
      await loggedIn('carol', 'pw', 'rs-us'),
    ];
    expect(connections.map(({ sink }) => sink.replacedCalls)).toEqual([0, 0, 0]);
    expect(texts(await hub.activeNames())).toEqual(['carol']);
    const bob = await guest('bob');
    await bob.session.sendDirect([name('carol')], 'to every device');
    for (const { sink } of connections) expect(sink.lines).toEqual(['bob: to every device']);
  });

  it('rebinds on a successful login under another name', async () => {
    hub = createTestHub();
    await hub.addAccount(name('dave'), 'pw2');
    const carol = await loggedIn('carol');
    expect(await carol.session.login(name('dave'), 'pw2')).toBe('ok');
    expect(carol.session.name?.text).toBe('dave');
    expect(texts(await hub.activeNames())).toEqual(['dave']);
    const bob = await guest('bob');
    expect(texts(await bob.session.sendDirect([name('carol'), name('dave')], 'x'))).toEqual(['carol']);
    expect(carol.sink.lines).toEqual(['bob: x']);
  });

  it('keeps the existing binding when a login fails', async () => {
    hub = createTestHub();
    await hub.addAccount(name('dave'), 'pw2');
    const carol = await loggedIn('carol');
    expect(await carol.session.login(name('dave'), 'wrong')).toBe('WRONG_PASSWORD');
    expect(await carol.session.login(name('nobody'), 'pw')).toBe('UNKNOWN_USER');
    expect(carol.session.name?.text).toBe('carol');
    expect(carol.session.kind).toBe('registered');
    const bob = await guest('bob');
    await bob.session.sendDirect([name('carol')], 'still carol');
    expect(carol.sink.lines).toEqual(['bob: still carol']);
  });

  it('signs up and binds in one step; a taken name is refused and binds nothing', async () => {
    hub = createTestHub();
    const first = connect();
    expect(await first.session.register(name('erin'), 'pw')).toBe('ok');
    expect(first.session.name?.text).toBe('erin');
    expect(first.session.kind).toBe('registered');
    expect(await hub.accounts.exists(name('erin'))).toBe(true);
    const second = connect();
    expect(await second.session.register(name('erin'), 'other')).toBe('NAME_REGISTERED');
    expect(second.session.name).toBeNull();
  });

  it('logout unbinds but keeps the connection open and able to log in again', async () => {
    hub = createTestHub();
    const carol = await loggedIn('carol');
    carol.session.logout();
    expect(carol.session.name).toBeNull();
    expect(carol.session.closed).toBe(false);
    expect(texts(await hub.activeNames())).toEqual([]);
    expect(await carol.session.login(name('carol'), 'pw')).toBe('ok');
    expect(texts(await hub.activeNames())).toEqual(['carol']);
  });

  it('logout of an unbound connection does nothing', () => {
    hub = createTestHub();
    const { session } = connect();
    session.logout();
    expect(session.name).toBeNull();
  });

  it('closes a guest that holds a name an administrator then registered, when the owner logs in', async () => {
    hub = createTestHub();
    const squatter = await guest('frank');
    await hub.addAccount(name('frank'), 'pw');
    const owner = connect();
    expect(await owner.session.login(name('frank'), 'pw')).toBe('ok');
    expect(squatter.sink.replacedCalls).toBe(1);
    expect(squatter.session.name).toBeNull();
    const bob = await guest('bob');
    await bob.session.sendDirect([name('frank')], 'hi');
    expect(owner.sink.lines).toEqual(['bob: hi']);
    expect(squatter.sink.messages).toEqual([]);
  });

  it('does not bind a connection that closed while its login was being checked', async () => {
    hub = createTestHub();
    await hub.addAccount(name('carol'), 'pw');
    const { session } = connect();
    const pending = session.login(name('carol'), 'pw');
    session.close();
    await pending;
    expect(session.name).toBeNull();
    expect(texts(await hub.activeNames())).toEqual([]);
  });
});

describe('presence', () => {
  it('lists every active name sorted by bytes, the caller included, across protocols', async () => {
    hub = createTestHub();
    await guest('zoe');
    await guest('Bob');
    await guest('émile');
    await loggedIn('carol', 'pw', 'rs-us');
    const raw = connect('10.0.0.2', 'soh');
    await raw.session.claimGuest(Name.fromBytes(Buffer.from([0x00, 0x41])));
    const caller = await guest('alice');
    const listed = await caller.session.activeNames();
    expect(texts(listed)).toEqual(['\u0000A', 'Bob', 'alice', 'carol', 'zoe', 'émile']);
    expect(texts(await hub.activeNames())).toEqual(texts(listed));
  });

  it('does not list connections that have not identified', async () => {
    hub = createTestHub();
    connect();
    connect();
    expect(await hub.activeNames()).toEqual([]);
  });

  it('drops a guest name when its connection closes', async () => {
    hub = createTestHub();
    const alice = await guest('alice');
    await guest('bob');
    alice.session.close();
    expect(alice.session.closed).toBe(true);
    expect(texts(await hub.activeNames())).toEqual(['bob']);
  });

  it('keeps a registered name while any of its connections lives', async () => {
    hub = createTestHub();
    const first = await loggedIn('carol');
    const second = await loggedIn('carol');
    first.session.close();
    expect(texts(await hub.activeNames())).toEqual(['carol']);
    second.session.close();
    expect(texts(await hub.activeNames())).toEqual([]);
  });

  it('lets a closed name be claimed again at once', async () => {
    hub = createTestHub();
    const first = await guest('alice');
    first.session.close();
    const second = await guest('alice');
    expect(first.sink.replacedCalls).toBe(0);
    expect(second.session.name?.text).toBe('alice');
  });

  it('close is idempotent', async () => {
    hub = createTestHub({ limits: { maxConnections: 2 } });
    const alice = await guest('alice');
    alice.session.close();
    alice.session.close();
    expect(hub.connectionCount).toBe(0);
    await guest('bob');
    expect(hub.connectionCount).toBe(1);
  });

  it('counts connections per protocol for metrics', async () => {
    hub = createTestHub();
    const a = connect('1', 'json-ws');
    connect('1', 'json-ws');
    connect('1', 'soh');
    a.session.close();
    expect(Object.fromEntries(hub.stats.connectionsByProtocol)).toEqual({ 'json-ws': 1, soh: 1 });
  });

  it('keeps the sessions directory: a stale delete leaves the newer session of a client id', async () => {
    hub = createTestHub();
    hub.sessions.set('alice', 'session-1');
    hub.sessions.set('bob', 'session-2');
    hub.sessions.set('alice', 'session-3');
    hub.sessions.delete('alice', 'session-1');
    expect(await hub.sessions.list()).toEqual([
      ['alice', 'session-3'],
      ['bob', 'session-2'],
    ]);
    hub.sessions.delete('alice', 'session-3');
    expect(await hub.sessions.list()).toEqual([['bob', 'session-2']]);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../messages/chat-message.ts';
import { Name } from '../names/name.ts';
import { MemoryAccountStore, MemoryRoomStore } from '../stores/memory-stores.ts';
import { FakeClock } from '../testing/fake-clock.ts';
import { createTestHub } from '../testing/test-hub.ts';
import type { Hub } from './hub.ts';
import type { SessionSink } from './session.ts';

const MINUTE = 60_000;

/** A sink without `invalidated`: its protocol (tcp-rooms, say) keeps a binding once made. */
class PlainSink implements SessionSink {
  readonly messages: ChatMessage[] = [];
  deliver(message: ChatMessage): void {
    this.messages.push(message);
  }
  replaced(): void {}
}

/** A sink that opts in to invalidation, as rs-us does. */
class InvalidatableSink extends PlainSink {
  invalidatedCalls = 0;
  invalidated(): void {
    this.invalidatedCalls += 1;
  }
}

const name = (text: string) => Name.fromText(text);

let hub: Hub;
afterEach(() => hub?.close());

async function loggedIn<Sink extends SessionSink>(sink: Sink, nameText = 'carol', password = 'pw') {
  const session = hub.open('test', '10.0.0.1', sink)!;
  expect(await session.login(name(nameText), password)).toBe('ok');
  return { sink, session };
}

async function activeNames(): Promise<string[]> {
  return (await hub.activeNames()).map((each) => each.text);
}

describe('password change and account deletion', () => {
  it('changePassword invalidates the opted-in connections of the name and leaves the others bound', async () => {
    hub = createTestHub();
    await hub.addAccount(name('carol'), 'pw');
    await hub.addAccount(name('dave'), 'pw');
    const rsUs = await loggedIn(new InvalidatableSink());
    const rsUs2 = await loggedIn(new InvalidatableSink());
    const tcpRooms = await loggedIn(new PlainSink());
    const otherUser = await loggedIn(new InvalidatableSink(), 'dave');

    expect(await hub.changePassword(name('carol'), 'new')).toBe(true);
    expect(rsUs.sink.invalidatedCalls).toBe(1);
    expect(rsUs2.sink.invalidatedCalls).toBe(1);
    expect(rsUs.session.name).toBeNull();
    expect(rsUs2.session.name).toBeNull();
    expect(rsUs.session.closed).toBe(false);
    expect(tcpRooms.session.name?.text).toBe('carol');
    expect(otherUser.sink.invalidatedCalls).toBe(0);
    expect(otherUser.session.name?.text).toBe('dave');

    const sender = hub.open('test', '10.0.0.2', new PlainSink())!;
    await sender.claimGuest(name('bob'));
    await sender.sendDirect([name('carol')], 'after the change');
    expect(tcpRooms.sink.messages.map((message) => message.text)).toEqual(['after the change']);
    expect(rsUs.sink.messages).toEqual([]);
  });

  it('changePassword makes the new password the only one that works', async () => {
    hub = createTestHub();
    await hub.addAccount(name('carol'), 'old');
    await hub.changePassword(name('carol'), 'new');
    const session = hub.open('test', '10.0.0.1', new PlainSink())!;
    expect(await session.login(name('carol'), 'old')).toBe('WRONG_PASSWORD');
    expect(await session.login(name('carol'), 'new')).toBe('ok');
  });

  it('changePassword of an unknown user changes nothing and invalidates nobody', async () => {
    hub = createTestHub();
    expect(await hub.changePassword(name('nobody'), 'pw')).toBe(false);
    expect(await hub.accounts.exists(name('nobody'))).toBe(false);
  });

  it('deleteAccount invalidates the opted-in connections and frees the name', async () => {
    hub = createTestHub();
    await hub.addAccount(name('carol'), 'pw');
    const rsUs = await loggedIn(new InvalidatableSink());
    const tcpRooms = await loggedIn(new PlainSink());
    expect(await hub.deleteAccount(name('carol'))).toBe(true);
    expect(rsUs.sink.invalidatedCalls).toBe(1);
    expect(rsUs.session.name).toBeNull();
    expect(tcpRooms.session.name?.text).toBe('carol');
    expect(await hub.accounts.exists(name('carol'))).toBe(false);
    const again = hub.open('test', '10.0.0.1', new PlainSink())!;
    expect(await again.login(name('carol'), 'pw')).toBe('UNKNOWN_USER');
    expect(await hub.deleteAccount(name('carol'))).toBe(false);
  });

  it('does not invalidate guests', async () => {
    hub = createTestHub();
    const sink = new InvalidatableSink();
    const session = hub.open('test', '10.0.0.1', sink)!;
    await session.claimGuest(name('gina'));
    await hub.deleteAccount(name('gina'));
    await hub.changePassword(name('gina'), 'pw');
    expect(sink.invalidatedCalls).toBe(0);
    expect(session.name?.text).toBe('gina');
  });

  it('survives an invalidated callback that throws', async () => {
    hub = createTestHub();
    await hub.addAccount(name('carol'), 'pw');
    const throwing = new InvalidatableSink();
    throwing.invalidated = () => {
      throw new Error('socket gone');
    };
    const first = await loggedIn(throwing);
    const second = await loggedIn(new InvalidatableSink());
    expect(await hub.changePassword(name('carol'), 'new')).toBe(true);
    expect(first.session.name).toBeNull();
    expect(second.sink.invalidatedCalls).toBe(1);
  });
});

describe('invalidateOthers', () => {
  it('unbinds every other opted-in connection of the name, not the caller and not plain sinks', async () => {
    hub = createTestHub();
    await hub.addAccount(name('carol'), 'pw');
    const caller = await loggedIn(new InvalidatableSink());
    const other = await loggedIn(new InvalidatableSink());
    const plain = await loggedIn(new PlainSink());
    caller.session.invalidateOthers();
    expect(caller.sink.invalidatedCalls).toBe(0);
    expect(caller.session.name?.text).toBe('carol');
    expect(other.sink.invalidatedCalls).toBe(1);
    expect(other.session.name).toBeNull();
    expect(plain.session.name?.text).toBe('carol');
    expect(await activeNames()).toEqual(['carol']);
  });

  it('does nothing on an unbound connection or a guest', async () => {
    hub = createTestHub();
    await hub.addAccount(name('carol'), 'pw');
    const bound = await loggedIn(new InvalidatableSink());
    hub.open('test', '10.0.0.1', new InvalidatableSink())!.invalidateOthers();
    const guestSink = new InvalidatableSink();
    const guest = hub.open('test', '10.0.0.1', guestSink)!;
    await guest.claimGuest(name('gina'));
    guest.invalidateOthers();
    expect(bound.sink.invalidatedCalls).toBe(0);
    expect(guest.name?.text).toBe('gina');
    expect(guestSink.invalidatedCalls).toBe(0);
  });
});

describe('login throttling through the hub', () => {
  it('locks a name for 5 minutes after 5 failures, counting every address', async () => {
    const clock = new FakeClock();
    hub = createTestHub({ clock });
    await hub.addAccount(name('carol'), 'pw');
    for (let i = 0; i < 5; i++) {
      const attacker = hub.open('test', `10.0.0.${i}`, new PlainSink())!;
      expect(await attacker.login(name('carol'), 'guess')).toBe('WRONG_PASSWORD');
    }
    const owner = hub.open('test', '192.168.0.7', new PlainSink())!;
    expect(await owner.login(name('carol'), 'pw')).toBe('THROTTLED');
    expect(owner.name).toBeNull();
    clock.advance(5 * MINUTE);
    expect(await owner.login(name('carol'), 'pw')).toBe('ok');
  });

  it('locks an address after 20 failures for every name tried from it', async () => {
    const clock = new FakeClock();
    hub = createTestHub({ clock });
    await hub.addAccount(name('carol'), 'pw');
    const attacker = hub.open('test', '10.6.6.6', new PlainSink())!;
    for (let i = 0; i < 20; i++) await attacker.login(name(`user${i}`), 'guess');
    expect(await attacker.login(name('carol'), 'pw')).toBe('THROTTLED');
    const elsewhere = hub.open('test', '10.7.7.7', new PlainSink())!;
    expect(await elsewhere.login(name('carol'), 'pw')).toBe('ok');
  });

  it('takes its limits from the hub options', async () => {
    const clock = new FakeClock();
    hub = createTestHub({
      clock,
      throttle: { maxFailuresPerName: 2, maxFailuresPerAddress: 3, windowMs: 1000, lockMs: 100 },
    });
    await hub.addAccount(name('carol'), 'pw');
    const session = hub.open('test', '10.0.0.1', new PlainSink())!;
    await session.login(name('carol'), 'x');
    await session.login(name('carol'), 'x');
    expect(await session.login(name('carol'), 'pw')).toBe('THROTTLED');
    clock.advance(100);
    expect(await session.login(name('carol'), 'pw')).toBe('ok');
  });

  it('never refuses the right password after fewer failures', async () => {
    hub = createTestHub();
    await hub.addAccount(name('carol'), 'pw');
    const session = hub.open('test', '10.0.0.1', new PlainSink())!;
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 4; i++) expect(await session.login(name('carol'), 'x')).toBe('WRONG_PASSWORD');
      expect(await session.login(name('carol'), 'pw')).toBe('ok');
    }
  });
});

describe('what the stores hold', () => {
  it('keeps no plaintext password of an account or a room, only salted scrypt hashes', async () => {
    const accounts = new MemoryAccountStore();
    const rooms = new MemoryRoomStore();
    hub = createTestHub({ accounts, rooms });
    await hub.addAccount(name('carol'), 'carol-secret');
    const session = hub.open('test', '10.0.0.1', new PlainSink())!;
    expect(await session.register(name('dave'), 'carol-secret')).toBe('ok');
    await hub.changePassword(name('carol'), 'carol-new-secret');
    const { password: roomPassword } = (await session.createRoom('den')) as { password: string };

    const hashes = await Promise.all((await accounts.list()).map((key) => accounts.getPasswordHash(key)));
    const roomRecords = await rooms.list();
    const everything = JSON.stringify({ hashes, roomRecords });
    for (const secret of ['carol-secret', 'carol-new-secret', roomPassword]) {
      expect(everything).not.toContain(secret);
    }
    for (const hash of [...hashes, roomRecords[0]!.passwordHash]) expect(hash).toMatch(/^scrypt\$/);
    expect(hashes[0]).not.toBe(hashes[1]);
  });
});

describe('several connections of one registered name', () => {
  it('delivers to each of them, and to the one left when the others close; the name goes when the last does', async () => {
    hub = createTestHub();
    await hub.addAccount(name('carol'), 'pw');
    await hub.addAccount(name('dave'), 'pw');
    const phone = await loggedIn(new PlainSink());
    const laptop = await loggedIn(new PlainSink());
    const tablet = await loggedIn(new PlainSink());
    const dave = await loggedIn(new PlainSink(), 'dave');
    expect(await dave.session.sendDirect([name('carol')], 'one')).toEqual([]);
    for (const each of [phone, laptop, tablet])
      expect(each.sink.messages.map((m) => m.text)).toEqual(['one']);
    laptop.session.close();
    tablet.session.close();
    expect(await dave.session.sendDirect([name('carol')], 'two')).toEqual([]);
    expect(phone.sink.messages.map((m) => m.text)).toEqual(['one', 'two']);
    expect(laptop.sink.messages).toHaveLength(1);
    expect(await activeNames()).toEqual(['carol', 'dave']);
    phone.session.close();
    expect((await dave.session.sendDirect([name('carol')], 'three')).map((n) => n.text)).toEqual(['carol']);
    expect(await activeNames()).toEqual(['dave']);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../messages/chat-message.ts';
import { Name } from '../names/name.ts';
import { FakeClock } from '../testing/fake-clock.ts';
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

function connectWith<Sink extends SessionSink>(sink: Sink, address = '10.0.0.1') {
  const session = hub.open('test', address, sink);
  if (!session) throw new Error('connection refused');
  return { sink, session };
}

const connect = (address?: string) => connectWith(new RecordingSink(), address);

async function guest(nameText: string) {
  const connection = connect();
  expect(await connection.session.claimGuest(name(nameText))).toBe('ok');
  return connection;
}

async function loggedIn(nameText: string) {
  if (!(await hub.accounts.exists(name(nameText)))) await hub.addAccount(name(nameText), 'pw');
  const connection = connect();
  expect(await connection.session.login(name(nameText), 'pw')).toBe('ok');
  return connection;
}

describe('direct messages', () => {
  it('reach every named recipient, stamped with the server time', async () => {
    const clock = new FakeClock(1_760_000_000_000);
    hub = createTestHub({ clock });
    const alice = await guest('alice');
    const bob = await guest('bob');
    const carol = await guest('carol');
    const dave = await guest('dave');
    clock.advance(1234);
    expect(await alice.session.sendDirect([name('bob'), name('carol')], 'hi both')).toEqual([]);
    for (const { sink } of [bob, carol]) {
      expect(sink.messages).toHaveLength(1);
      const [message] = sink.messages;
      expect(message!.sender.text).toBe('alice');
      expect(message!.text).toBe('hi both');
      expect(message!.direct).toBe(true);
      expect(message!.timestamp).toBe(1_760_000_001_234);
    }
    expect(dave.sink.messages).toEqual([]);
    expect(alice.sink.messages).toEqual([]);
  });

  it('are delivered to active recipients before sendDirect resolves', async () => {
    hub = createTestHub();
    const alice = await guest('alice');
    const bob = await guest('bob');
    const pending = alice.session.sendDirect([name('bob')], 'now');
    expect(bob.sink.lines).toEqual(['alice: now']);
    await pending;
  });

  it('name the recipients that are not active; the active ones still get the message', async () => {
    hub = createTestHub();
    const alice = await guest('alice');
    const bob = await guest('bob');
    const inactive = await alice.session.sendDirect([name('ghost'), name('bob'), name('nobody')], 'anyone?');
    expect(texts(inactive)).toEqual(['ghost', 'nobody']);
    expect(bob.sink.lines).toEqual(['alice: anyone?']);
  });

  it('count a registered name as active only while a connection holds it', async () => {
    hub = createTestHub();
    await hub.addAccount(name('carol'), 'pw');
    const alice = await guest('alice');
    expect(texts(await alice.session.sendDirect([name('carol')], 'x'))).toEqual(['carol']);
  });

  it("skip the sender's own name without calling it inactive, also for its other connections", async () => {
    hub = createTestHub();
    const first = await loggedIn('carol');
    const second = await loggedIn('carol');
    const bob = await guest('bob');
    expect(await first.session.sendDirect([name('carol'), name('bob')], 'hello')).toEqual([]);
    expect(bob.sink.lines).toEqual(['carol: hello']);
    expect(first.sink.messages).toEqual([]);
    expect(second.sink.messages).toEqual([]);
    expect(await first.session.sendDirect([name('carol')], 'me only')).toEqual([]);
    expect(second.sink.messages).toEqual([]);
  });

  it('reach a name listed twice only once, and name a missing one only once', async () => {
    hub = createTestHub();
    const alice = await guest('alice');
    const bob = await guest('bob');
    const inactive = await alice.session.sendDirect(
      [name('bob'), name('ghost'), Name.fromBytes(Buffer.from('bob')), name('ghost')],
      'once',
    );
    expect(bob.sink.lines).toEqual(['alice: once']);
    expect(texts(inactive)).toEqual(['ghost']);
  });

  it('reach every connection of a registered recipient, each once', async () => {
    hub = createTestHub();
    const devices = [await loggedIn('carol'), await loggedIn('carol'), await loggedIn('carol')];
    const alice = await guest('alice');
    await alice.session.sendDirect([name('carol'), name('carol')], 'ping');
    for (const { sink } of devices) expect(sink.lines).toEqual(['alice: ping']);
  });

  it('reach a recipient inside a private room', async () => {
    hub = createTestHub();
    const carol = await loggedIn('carol');
    await carol.session.createRoom('den');
    const alice = await guest('alice');
    expect(await alice.session.sendDirect([name('carol')], 'knock')).toEqual([]);
    expect(carol.sink.lines).toEqual(['alice: knock']);
  });

  it('go nowhere from an unidentified connection', async () => {
    hub = createTestHub();
    const bob = await guest('bob');
    const anonymous = connect();
    expect(texts(await anonymous.session.sendDirect([name('bob')], 'who am i'))).toEqual(['bob']);
    expect(bob.sink.messages).toEqual([]);
  });

  it('with no recipients deliver nothing', async () => {
    hub = createTestHub();
    const alice = await guest('alice');
    const bob = await guest('bob');
    expect(await alice.session.sendDirect([], 'void')).toEqual([]);
    expect(bob.sink.messages).toEqual([]);
  });

  it('carry bytes untouched between a byte protocol and a text one', async () => {
    hub = createTestHub();
    const sohUser = connect();
    await sohUser.session.claimGuest(Name.fromBytes(Buffer.from([0x6e, 0xff])));
    const textUser = await guest('tom');
    const raw = Buffer.from([0x68, 0x00, 0xc3, 0x28, 0x7f]);
    await sohUser.session.sendDirect([name('tom')], raw);
    const [received] = textUser.sink.messages;
    expect(received!.bytes).toEqual(Buffer.from([0x68, 0x00, 0xc3, 0x28, 0x7f]));
    expect(received!.text).toBe('h\u0000\ufffd(\u007f');
    expect(received!.sender.text).toBe('n\ufffd');
    expect([...received!.sender.bytes]).toEqual([0x6e, 0xff]);

    await textUser.session.sendDirect([Name.fromBytes(Buffer.from([0x6e, 0xff]))], 'réponse');
    expect(sohUser.sink.messages[0]!.bytes).toEqual(Buffer.from('réponse', 'utf8'));
  });
});

describe('broadcasts', () => {
  it('reach everyone in the main chat but the sender, and are marked as not direct', async () => {
    hub = createTestHub();
    const alice = await guest('alice');
    const bob = await guest('bob');
    const carol = await loggedIn('carol');
    alice.session.broadcast('hello all');
    expect(bob.sink.lines).toEqual(['alice: hello all']);
    expect(carol.sink.lines).toEqual(['alice: hello all']);
    expect(alice.sink.messages).toEqual([]);
    expect(bob.sink.messages[0]!.direct).toBe(false);
    expect(bob.sink.messages[0]).toBe(carol.sink.messages[0]);
  });

  it("never reach the sender's own name on its other connections", async () => {
    hub = createTestHub();
    const phone = await loggedIn('carol');
    const laptop = await loggedIn('carol');
    const bob = await guest('bob');
    phone.session.broadcast('from my phone');
    expect(laptop.sink.messages).toEqual([]);
    expect(phone.sink.messages).toEqual([]);
    expect(bob.sink.lines).toEqual(['carol: from my phone']);
  });

  it('do not reach connections that have not identified, and are dropped when sent from one', async () => {
    hub = createTestHub();
    const lurker = connect();
    const alice = await guest('alice');
    alice.session.broadcast('hi');
    expect(lurker.sink.messages).toEqual([]);
    lurker.session.broadcast('anonymous');
    expect(alice.sink.messages).toEqual([]);
  });

  it('stop reaching a connection once it closed or logged out', async () => {
    hub = createTestHub();
    const alice = await guest('alice');
    const bob = await guest('bob');
    const carol = await loggedIn('carol');
    bob.session.close();
    carol.session.logout();
    alice.session.broadcast('anyone left?');
    expect(bob.sink.messages).toEqual([]);
    expect(carol.sink.messages).toEqual([]);
  });
});

describe('rooms', () => {
  it('creating a room gives its password and moves the creator in', async () => {
    hub = createTestHub();
    const carol = await loggedIn('carol');
    const created = await carol.session.createRoom('den');
    expect(created).toEqual({ password: expect.any(String) });
    expect(carol.session.room).toBe('den');
    expect(await hub.rooms.list()).toEqual(['den']);
  });

  it('isolate both ways: room talk stays in, main-chat talk stays out', async () => {
    hub = createTestHub();
    const carol = await loggedIn('carol');
    const dave = await loggedIn('dave');
    const outsider = await guest('olga');
    const { password } = (await carol.session.createRoom('den')) as { password: string };
    expect(await dave.session.joinRoom('den', password)).toBe('ok');
    expect(dave.session.room).toBe('den');

    carol.session.broadcast('inside');
    outsider.session.broadcast('outside');
    expect(dave.sink.lines).toEqual(['carol: inside']);
    expect(carol.sink.lines).toEqual([]);
    expect(outsider.sink.lines).toEqual([]);
  });

  it('keep two rooms apart', async () => {
    hub = createTestHub();
    const carol = await loggedIn('carol');
    const dave = await loggedIn('dave');
    const erin = await loggedIn('erin');
    const den = (await carol.session.createRoom('den')) as { password: string };
    await dave.session.createRoom('attic');
    await erin.session.joinRoom('den', den.password);
    dave.session.broadcast('attic only');
    carol.session.broadcast('den only');
    expect(erin.sink.lines).toEqual(['carol: den only']);
    expect(carol.sink.lines).toEqual([]);
    expect(dave.sink.lines).toEqual([]);
  });

  it('refuse a wrong password or an unknown room and leave the user where it was', async () => {
    hub = createTestHub();
    const carol = await loggedIn('carol');
    const dave = await loggedIn('dave');
    await carol.session.createRoom('den');
    expect(await dave.session.joinRoom('den', 'guess')).toBe('WRONG_ROOM_PASSWORD');
    expect(await dave.session.joinRoom('cellar', 'guess')).toBe('NO_SUCH_ROOM');
    expect(dave.session.room).toBeNull();
    carol.session.broadcast('private');
    expect(dave.sink.messages).toEqual([]);
  });

  it('refuse a taken room name and leave the second creator in the main chat', async () => {
    hub = createTestHub();
    const carol = await loggedIn('carol');
    const dave = await loggedIn('dave');
    await carol.session.createRoom('den');
    expect(await dave.session.createRoom('den')).toBe('ROOM_EXISTS');
    expect(dave.session.room).toBeNull();
  });

  it('need an identified connection to create one', async () => {
    hub = createTestHub();
    const anonymous = connect();
    expect(await anonymous.session.createRoom('den')).toBe('NOT_IDENTIFIED');
    expect(await hub.rooms.list()).toEqual([]);
  });

  it('exitRoom brings the user back to the main chat, both ways', async () => {
    hub = createTestHub();
    const carol = await loggedIn('carol');
    const bob = await guest('bob');
    await carol.session.createRoom('den');
    carol.session.exitRoom();
    expect(carol.session.room).toBeNull();
    bob.session.broadcast('welcome back');
    carol.session.broadcast('thanks');
    expect(carol.sink.lines).toEqual(['bob: welcome back']);
    expect(bob.sink.lines).toEqual(['carol: thanks']);
  });

  it('lets a registered user be in a room on one connection and the main chat on another', async () => {
    hub = createTestHub();
    const inRoom = await loggedIn('carol');
    const inMain = await loggedIn('carol');
    const bob = await guest('bob');
    await inRoom.session.createRoom('den');
    bob.session.broadcast('main news');
    expect(inMain.sink.lines).toEqual(['bob: main news']);
    expect(inRoom.sink.lines).toEqual([]);
  });

  it('forget a member who closed', async () => {
    hub = createTestHub();
    const carol = await loggedIn('carol');
    const dave = await loggedIn('dave');
    const { password } = (await carol.session.createRoom('den')) as { password: string };
    await dave.session.joinRoom('den', password);
    dave.session.close();
    carol.session.broadcast('alone?');
    expect(dave.sink.messages).toEqual([]);
  });
});

describe('order, storage and robustness', () => {
  it('keeps per-sender order across direct messages and broadcasts', async () => {
    hub = createTestHub();
    const alice = await guest('alice');
    const zed = await guest('zed');
    const bob = await guest('bob');
    const sent: string[] = [];
    for (let i = 0; i < 200; i++) {
      const [sender, label] = i % 3 === 0 ? [zed, 'z'] : [alice, 'a'];
      const text = `${label}${i}`;
      sent.push(`${sender === zed ? 'zed' : 'alice'}: ${text}`);
      if (i % 2 === 0) sender.session.broadcast(text);
      else void sender.session.sendDirect([name('bob')], text);
    }
    expect(bob.sink.lines).toEqual(sent);
  });

  it('stores nothing for offline users: a user who connects later gets nothing', async () => {
    hub = createTestHub();
    const alice = await guest('alice');
    expect(texts(await alice.session.sendDirect([name('dave')], 'for later'))).toEqual(['dave']);
    alice.session.broadcast('to the room');
    await hub.addAccount(name('erin'), 'pw');
    expect(texts(await alice.session.sendDirect([name('erin')], 'for later too'))).toEqual(['erin']);
    const dave = await guest('dave');
    const erin = await loggedIn('erin');
    expect(dave.sink.messages).toEqual([]);
    expect(erin.sink.messages).toEqual([]);
    alice.session.broadcast('now');
    expect(dave.sink.lines).toEqual(['alice: now']);
  });

  it('keeps delivering to the others when one sink throws', async () => {
    hub = createTestHub();
    const broken = connectWith({
      deliver() {
        throw new Error('socket exploded');
      },
      replaced() {},
    });
    await broken.session.claimGuest(name('broken'));
    const before = await guest('before');
    const alice = await guest('alice');
    const after = await guest('after');
    expect(() => alice.session.broadcast('still works')).not.toThrow();
    expect(await alice.session.sendDirect([name('before'), name('broken'), name('after')], 'dm')).toEqual([]);
    expect(before.sink.lines).toEqual(['alice: still works', 'alice: dm']);
    expect(after.sink.lines).toEqual(['alice: still works', 'alice: dm']);
    expect(hub.stats.deliveries).toBe(4);
  });

  it('keeps delivering when a recipient drops its own connection during delivery', async () => {
    hub = createTestHub();
    const alice = await guest('alice');
    const others = [await guest('b1'), await guest('b2'), await guest('b3'), await guest('b4')];
    const slowSink = new RecordingSink();
    const slow = connectWith(slowSink);
    slowSink.deliver = () => slow.session.close(); // a slow reader dropped mid-broadcast
    await slow.session.claimGuest(name('slow'));
    const late = await guest('late');
    alice.session.broadcast('go');
    for (const { sink } of [...others, late]) expect(sink.lines).toEqual(['alice: go']);
    expect(slow.session.closed).toBe(true);
    expect(texts(await hub.activeNames())).not.toContain('slow');
  });

  it('gives a new claim its name even when the old sink throws on replaced', async () => {
    hub = createTestHub();
    const sink = new RecordingSink();
    sink.replaced = () => {
      throw new Error('already gone');
    };
    const old = connectWith(sink);
    await old.session.claimGuest(name('alice'));
    const newer = connect();
    expect(await newer.session.claimGuest(name('alice'))).toBe('ok');
    expect(old.session.name).toBeNull();
    expect(newer.session.name?.text).toBe('alice');
  });

  it('hands every recipient one shared message, so a frame is encoded once per protocol', async () => {
    hub = createTestHub();
    let encodings = 0;
    const encodeLine = (message: ChatMessage) => {
      encodings += 1;
      return Buffer.from(`${message.sender.text}: ${message.text}\n`);
    };
    const frames: Buffer[] = [];
    const alice = await guest('alice');
    for (let i = 0; i < 100; i++) {
      const sink = new RecordingSink();
      sink.deliver = (message) => frames.push(message.encoded(encodeLine));
      const { session } = connectWith(sink);
      await session.claimGuest(name(`user${i}`));
    }
    alice.session.broadcast('to a hundred');
    expect(frames).toHaveLength(100);
    expect(encodings).toBe(1);
    expect(frames.every((frame) => frame.toString() === 'alice: to a hundred\n')).toBe(true);
  });

  it('counts accepted messages and deliveries', async () => {
    hub = createTestHub();
    const alice = await guest('alice');
    await guest('bob');
    await guest('carol');
    alice.session.broadcast('one');
    await alice.session.sendDirect([name('bob'), name('ghost')], 'two');
    expect(hub.stats.messages).toBe(2);
    expect(hub.stats.deliveries).toBe(3);
  });
});

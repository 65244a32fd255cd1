import { type ChatMessage, type Hub, Name, type Session } from '@switchboard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { expectNothingPending, Harness, RecordingLogger } from './testing/harness.ts';
import type { LineClient } from './testing/line-client.ts';

let harness: Harness;
afterEach(async () => {
  await harness?.close();
});

/** A user of another protocol, opened on the hub directly. */
async function otherProtocolUser(hub: Hub, name: Name): Promise<{ session: Session; inbox: ChatMessage[] }> {
  const inbox: ChatMessage[] = [];
  const session = hub.open('other', '192.0.2.1', {
    deliver: (message) => inbox.push(message),
    replaced() {},
  });
  if (!session) throw new Error('no session');
  expect(await session.claimGuest(name)).toBe('ok');
  return { session, inbox };
}

async function createRoom(client: LineClient, room: string): Promise<string> {
  client.send(`/create ${room}`);
  const line = await client.nextLine();
  const match = /^Room (\S+) created\. Password: (\S+)$/.exec(line);
  expect(match?.[1]).toBe(room);
  return match![2]!;
}

describe('tcp-rooms chat (SPEC §3.3)', () => {
  it('sends a line to everyone else in the main chat as NICK (HH:MM): TEXT, not to the sender', async () => {
    harness = await Harness.start();
    const alice = await harness.signUp('alice');
    const bob = await harness.signUp('bob');
    const carol = await harness.signUp('carol');
    alice.send('Hello, World!');
    expect(await bob.nextLine()).toBe('alice (12:34): Hello, World!');
    expect(await carol.nextLine()).toBe('alice (12:34): Hello, World!');
    await expectNothingPending(alice);
  });

  it('shows the time in the configured zone', async () => {
    harness = await Harness.start({ options: { timeZone: 'Asia/Tokyo' } });
    const alice = await harness.signUp('alice');
    const bob = await harness.signUp('bob');
    alice.send('konnichiwa');
    expect(await bob.nextLine()).toBe('alice (21:34): konnichiwa');
  });

  it('logs each chat line with sender, room and text, unless logChat is off', async () => {
    const logger = new RecordingLogger();
    harness = await Harness.start({ logger });
    const alice = await harness.signUp('alice');
    const bob = await harness.signUp('bob');
    alice.send('logged line');
    await bob.nextLine();
    expect(logger.entries).toContainEqual({
      level: 'info',
      obj: { sender: 'alice', room: null, text: 'logged line' },
      msg: 'chat message',
    });
    await harness.close();

    const quiet = new RecordingLogger();
    harness = await Harness.start({ logger: quiet, options: { logChat: false } });
    const dan = await harness.signUp('dan');
    const eve = await harness.signUp('eve');
    dan.send('not logged');
    await eve.nextLine();
    expect(JSON.stringify(quiet.entries)).not.toContain('not logged');
  });

  it('ignores an empty line', async () => {
    harness = await Harness.start();
    const alice = await harness.signUp('alice');
    const bob = await harness.signUp('bob');
    alice.send('');
    alice.send('after');
    expect(await bob.nextLine()).toBe('alice (12:34): after');
  });

  it('accepts CRLF line endings', async () => {
    harness = await Harness.start();
    const alice = await harness.signUp('alice');
    const bob = await harness.signUp('bob');
    alice.write('over CRLF\r\n/who\r\n');
    expect(await bob.nextLine()).toBe('alice (12:34): over CRLF');
    expect(await alice.nextLine()).toBe('Online: alice, bob');
  });

  it('reassembles lines split across reads, one byte per write', async () => {
    harness = await Harness.start();
    const alice = await harness.signUp('alice');
    const bob = await harness.signUp('bob');
    for (const byte of Buffer.from('split привет 😀\r\n')) {
      alice.write(Buffer.from([byte]));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    expect(await bob.nextLine()).toBe('alice (12:34): split привет 😀');
  });

  it('shows invalid UTF-8 from a client with U+FFFD', async () => {
    harness = await Harness.start();
    const alice = await harness.signUp('alice');
    const bob = await harness.signUp('bob');
    alice.write(Buffer.from([0x68, 0x69, 0x20, 0xff, 0xfe, 0xc3, 0x0a]));
    expect(await bob.nextLine()).toBe('alice (12:34): hi \ufffd\ufffd\ufffd');
  });

  it('escapes a bare \\r typed by a tcp-rooms user, so it cannot fake a line', async () => {
    harness = await Harness.start();
    const alice = await harness.signUp('alice');
    const bob = await harness.signUp('bob');
    alice.send('real\rbob (12:34): fake');
    expect(await bob.nextLine()).toBe('alice (12:34): real\\rbob (12:34): fake');
  });
});

describe('tcp-rooms: text from other protocols never breaks a line (SPEC §1, §3.3)', () => {
  it('delivers a broadcast with \\n, \\r and U+2028 as ONE escaped line', async () => {
    harness = await Harness.start();
    const alice = await harness.signUp('alice');
    const mallory = await otherProtocolUser(harness.hub, Name.fromText('mallory'));
    const before = Buffer.concat(alice.received).length;
    mallory.session.broadcast('hi\nalice (12:34): fake\r\u2028forged\u2029\u0085\u001b[31m\\n');
    const expected = 'mallory (12:34): hi\\nalice (12:34): fake\\r\\u2028forged\\u2029\\u0085\\x1b[31m\\\\n';
    expect(await alice.nextLine()).toBe(expected);
    expect(Buffer.concat(alice.received).subarray(before).toString()).toBe(`${expected}\n`);
    await expectNothingPending(alice);
  });

  it('delivers a direct message as NICK (HH:MM) [private]: TEXT, escaping nick and text', async () => {
    harness = await Harness.start();
    const alice = await harness.signUp('alice');
    const evil = await otherProtocolUser(harness.hub, Name.fromText('evil\u2028nick\\'));
    expect(await evil.session.sendDirect([Name.fromText('alice')], 'one\ntwo\tthree\u0000')).toEqual([]);
    expect(await alice.nextLine()).toBe('evil\\u2028nick\\\\ (12:34) [private]: one\\ntwo\\tthree\\x00');
    await expectNothingPending(alice);
  });

  it('shows invalid UTF-8 from a byte protocol (a name and a text) with U+FFFD', async () => {
    harness = await Harness.start();
    const alice = await harness.signUp('alice');
    const soh = await otherProtocolUser(harness.hub, Name.fromBytes(Buffer.from([0xff, 0x41])));
    soh.session.broadcast(Buffer.from([0x6f, 0x6b, 0x80, 0x0a, 0x21]));
    expect(await alice.nextLine()).toBe('\ufffdA (12:34): ok\ufffd\\n!');
  });

  it('lets other protocols see tcp-rooms messages as sent', async () => {
    harness = await Harness.start();
    const alice = await harness.signUp('alice');
    const other = await otherProtocolUser(harness.hub, Name.fromText('webby'));
    alice.send('to everyone');
    alice.send('/msg webby to you');
    await expectNothingPending(alice);
    expect(other.inbox.map((message) => [message.sender.text, message.text, message.direct])).toEqual([
      ['alice', 'to everyone', false],
      ['alice', 'to you', true],
    ]);
  });
});

describe('tcp-rooms rooms (SPEC §3.4)', () => {
  it('creates a room, moves the creator in, and refuses a taken name', async () => {
    harness = await Harness.start();
    const alice = await harness.signUp('alice');
    const password = await createRoom(alice, 'den');
    expect(password).toMatch(/^[A-Za-z0-9_-]{8,}$/);
    alice.send('/create den');
    expect(await alice.nextLine()).toBe('Room den already exists.');
    const bob = await harness.signUp('bob');
    bob.send('/create den');
    expect(await bob.nextLine()).toBe('Room den already exists.');
  });

  it('joins with the room password, and says why not otherwise', async () => {
    harness = await Harness.start();
    const alice = await harness.signUp('alice');
    const password = await createRoom(alice, 'den');
    const bob = await harness.signUp('bob');
    bob.send('/join den wrong');
    expect(await bob.nextLine()).toBe('Wrong room password.');
    bob.send('/join nowhere pw');
    expect(await bob.nextLine()).toBe('No such room: nowhere.');
    bob.send(`/join den ${password}`);
    expect(await bob.nextLine()).toBe('Joined den.');
    bob.send('in the den');
    expect(await alice.nextLine()).toBe('bob (12:34): in the den');
  });

  it('isolates a room from the main chat both ways, until /exit', async () => {
    harness = await Harness.start();
    const alice = await harness.signUp('alice');
    const bob = await harness.signUp('bob');
    const carol = await harness.signUp('carol');
    const dave = await harness.signUp('dave');
    const password = await createRoom(alice, 'den');
    bob.send(`/join den ${password}`);
    expect(await bob.nextLine()).toBe('Joined den.');

    carol.send('main only');
    expect(await dave.nextLine()).toBe('carol (12:34): main only');
    await expectNothingPending(alice);
    await expectNothingPending(bob);

    alice.send('room only');
    expect(await bob.nextLine()).toBe('alice (12:34): room only');
    await expectNothingPending(carol);
    await expectNothingPending(dave);

    bob.send('/exit');
    expect(await bob.nextLine()).toBe('Back in the main chat.');
    carol.send('main again');
    expect(await bob.nextLine()).toBe('carol (12:34): main again');
    expect(await dave.nextLine()).toBe('carol (12:34): main again');
    await expectNothingPending(alice);
    bob.send('back from the den');
    expect(await carol.nextLine()).toBe('bob (12:34): back from the den');
    await expectNothingPending(alice);
  });

  it('keeps two rooms apart', async () => {
    harness = await Harness.start();
    const alice = await harness.signUp('alice');
    const bob = await harness.signUp('bob');
    const carol = await harness.signUp('carol');
    const password = await createRoom(alice, 'one');
    await createRoom(bob, 'two');
    carol.send(`/join one ${password}`);
    expect(await carol.nextLine()).toBe('Joined one.');
    bob.send('in two');
    alice.send('in one');
    expect(await carol.nextLine()).toBe('alice (12:34): in one');
    await expectNothingPending(alice);
    await expectNothingPending(carol);
  });

  it('validates room names and arguments', async () => {
    harness = await Harness.start();
    const alice = await harness.signUp('alice');
    const invalid = 'A room name is 1 to 64 bytes without spaces or control characters.';
    alice.send('/create');
    expect(await alice.nextLine()).toBe('Usage: /create ROOM');
    alice.send('/create two words');
    expect(await alice.nextLine()).toBe('Usage: /create ROOM');
    alice.send(`/create ${'r'.repeat(65)}`);
    expect(await alice.nextLine()).toBe(invalid);
    alice.send('/create bad\u0007bell');
    expect(await alice.nextLine()).toBe(invalid);
    alice.send('/create nbsp\u00a0room');
    expect(await alice.nextLine()).toBe(invalid);
    alice.send('/create line\u2028sep');
    expect(await alice.nextLine()).toBe(invalid);
    await createRoom(alice, 'r'.repeat(64));
    await createRoom(alice, 'комната');
    alice.send('/join den');
    expect(await alice.nextLine()).toBe('Usage: /join ROOM PASSWORD');
    alice.send('/join a b c');
    expect(await alice.nextLine()).toBe('Usage: /join ROOM PASSWORD');
    alice.send('/exit now');
    expect(await alice.nextLine()).toBe('Usage: /exit');
  });

  it('says Back in the main chat. on /exit from the main chat too', async () => {
    harness = await Harness.start();
    const alice = await harness.signUp('alice');
    alice.send('/exit');
    expect(await alice.nextLine()).toBe('Back in the main chat.');
  });
});

describe('tcp-rooms commands beyond the seed (SPEC §3.4)', () => {
  it('/msg delivers privately, silently, across rooms', async () => {
    harness = await Harness.start();
    const alice = await harness.signUp('alice');
    const bob = await harness.signUp('bob');
    const carol = await harness.signUp('carol');
    await createRoom(bob, 'den');
    alice.send('/msg bob meet me  at noon');
    expect(await bob.nextLine()).toBe('alice (12:34) [private]: meet me  at noon');
    await expectNothingPending(alice);
    await expectNothingPending(carol);
  });

  it('/msg names a user who is not active', async () => {
    harness = await Harness.start();
    const alice = await harness.signUp('alice');
    (await harness.signUp('offline')).destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    alice.send('/msg offline are you there?');
    expect(await alice.nextLine()).toBe('No such user: offline.');
    alice.send('/msg ghost hello');
    expect(await alice.nextLine()).toBe('No such user: ghost.');
    alice.send('/msg bob');
    expect(await alice.nextLine()).toBe('Usage: /msg NICK TEXT');
    alice.send('/msg');
    expect(await alice.nextLine()).toBe('Usage: /msg NICK TEXT');
  });

  it('/who lists every active user, sorted by bytes, other protocols included', async () => {
    harness = await Harness.start();
    const zed = await harness.signUp('zed');
    await harness.signUp('Émile');
    await harness.signUp('amy');
    await harness.signUp('Bob');
    await otherProtocolUser(harness.hub, Name.fromText('guest'));
    await harness.connect(); // not logged in: not active
    zed.send('/who');
    expect(await zed.nextLine()).toBe('Online: Bob, amy, guest, zed, Émile');
    zed.send('/WHO');
    expect(await zed.nextLine()).toBe('Online: Bob, amy, guest, zed, Émile');
    zed.send('/who me');
    expect(await zed.nextLine()).toBe('Usage: /who');
  });

  it('/rooms lists the rooms, sorted', async () => {
    harness = await Harness.start();
    const alice = await harness.signUp('alice');
    alice.send('/rooms');
    expect(await alice.nextLine()).toBe('No rooms yet.');
    await createRoom(alice, 'zoo');
    await createRoom(alice, 'attic');
    alice.send('/rooms');
    expect(await alice.nextLine()).toBe('Rooms: attic, zoo');
  });

  it('/help lists the commands', async () => {
    harness = await Harness.start();
    const alice = await harness.signUp('alice');
    alice.send('/help');
    expect(await alice.nextLines(9)).toEqual([
      'Commands:',
      '/create ROOM - create a private room and move into it',
      '/join ROOM PASSWORD - join a private room',
      '/exit - leave the room for the main chat',
      '/msg NICK TEXT - send a private message',
      '/who - list the users online',
      '/rooms - list the rooms',
      '/quit - disconnect',
      'Any other line goes to everyone in your room.',
    ]);
    await expectNothingPending(alice);
  });

  it('/quit says Bye. and closes, and the user is no longer active', async () => {
    harness = await Harness.start();
    const alice = await harness.signUp('alice');
    const bob = await harness.signUp('bob');
    alice.send('/quit');
    alice.send('/who');
    expect(await alice.nextLine()).toBe('Bye.');
    await alice.closed;
    expect(alice.unread).toEqual([]);
    bob.send('/who');
    expect(await bob.nextLine()).toBe('Online: bob');
  });

  it('releases the server side of a connection it closed (no lingering sockets)', async () => {
    harness = await Harness.start();
    const alice = await harness.signUp('alice');
    alice.send('/quit');
    await alice.closed;
    const bob = await harness.connect();
    bob.send('');
    await bob.nextLine();
    bob.destroy();
    await bob.closed;
    const started = Date.now();
    await harness.adapter.close();
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('answers an unknown command', async () => {
    harness = await Harness.start();
    const alice = await harness.signUp('alice');
    const bob = await harness.signUp('bob');
    for (const line of ['/dance', '/', '/ who', '/whois', '/msgbob hi']) {
      alice.send(line);
      expect(await alice.nextLine()).toBe('Unknown command. Type /help.');
    }
    await expectNothingPending(bob);
  });

  it('processes commands strictly in order, even when sent at once', async () => {
    harness = await Harness.start();
    const alice = await harness.signUp('alice');
    const bob = await harness.signUp('bob');
    alice.write(
      '/create r1\n/join r1 nope\nin r1\n/exit\n/rooms\n/who\nin main\n/msg bob psst\n/join nope x\n',
    );
    expect(await alice.nextLine()).toMatch(/^Room r1 created\. Password: \S+$/);
    expect(await alice.nextLines(5)).toEqual([
      'Wrong room password.',
      'Back in the main chat.',
      'Rooms: r1',
      'Online: alice, bob',
      'No such room: nope.',
    ]);
    expect(await bob.nextLines(2)).toEqual(['alice (12:34): in main', 'alice (12:34) [private]: psst']);
    await expectNothingPending(bob);
  });

  it('answers everything sent before the client half-closed, then closes', async () => {
    harness = await Harness.start();
    const client = await harness.connect();
    client.write('zoe\npw\npw\n/who\n/rooms\n');
    client.socket.end();
    expect(await client.nextLines(5)).toEqual([
      'New nickname. Choose a password:',
      'Repeat the password:',
      'Registered. Welcome, zoe!',
      'Online: zoe',
      'No rooms yet.',
    ]);
    await client.closed;
  });
});

describe('tcp-rooms line limit (SPEC §3.4)', () => {
  it('accepts a line of exactly 4096 bytes and refuses 4097 without executing it', async () => {
    harness = await Harness.start();
    const alice = await harness.signUp('alice');
    const bob = await harness.signUp('bob');
    const exact = 'x'.repeat(4096);
    alice.send(exact);
    expect(await bob.nextLine()).toBe(`alice (12:34): ${exact}`);
    alice.write(`${'é'.repeat(2048)}\r\n`);
    expect(await bob.nextLine()).toBe(`alice (12:34): ${'é'.repeat(2048)}`);
    alice.send(`${exact}y`);
    expect(await alice.nextLine()).toBe('Line too long.');
    alice.send(`/create ${'r'.repeat(4090)}`);
    expect(await alice.nextLine()).toBe('Line too long.');
    await expectNothingPending(bob);
    alice.send('/rooms');
    expect(await alice.nextLine()).toBe('No rooms yet.');
  });

  it('answers a huge line once and goes on with the next one', async () => {
    // The flood's 4 MiB fit in the byte burst: this is about the line limit (the rate has its own tests).
    harness = await Harness.start({ hubOptions: { limits: { byteBurst: 8 * 1024 * 1024 } } });
    const alice = await harness.signUp('alice');
    const bob = await harness.signUp('bob');
    const chunk = Buffer.alloc(256 * 1024, 0x61);
    for (let i = 0; i < 16; i++) alice.write(chunk);
    alice.write('\nafter the flood\n');
    expect(await alice.nextLine()).toBe('Line too long.');
    expect(await bob.nextLine()).toBe('alice (12:34): after the flood');
    await expectNothingPending(alice);
  });
});

import { type ChatMessage, Name, type Session } from '@switchboard/core';
import { FakeClock } from '@switchboard/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { channelOfRoom } from './irc-names.ts';
import { IrcHarness, waitFor } from './testing/irc-harness.ts';

let harness: IrcHarness;
const outsiders: Session[] = [];
afterEach(async () => {
  for (const session of outsiders.splice(0)) session.close();
  await harness?.close();
});

/** A user of another protocol, straight on the hub, recording what it receives. */
async function outsider(name: string) {
  const received: ChatMessage[] = [];
  const session = harness.hub.open('other', 'elsewhere', {
    deliver: (m) => received.push(m),
    replaced() {},
  })!;
  outsiders.push(session);
  expect(await session.claimGuest(Name.fromText(name))).toBe('ok');
  return { session, received };
}

describe('chat between IRC clients and with the other protocols', () => {
  it('sends PRIVMSG to a nick as a direct message and to #main as a broadcast', async () => {
    harness = await IrcHarness.start();
    const alice = await harness.guest('alice');
    const bob = await harness.guest('bob');
    const other = await outsider('watcher');
    alice.send('PRIVMSG bob :hello bob', 'PRIVMSG #main :hello all');
    const direct = await bob.expectCommand('PRIVMSG');
    expect([direct.prefix, ...direct.params]).toEqual(['alice!chat@switchboard', 'bob', 'hello bob']);
    const broadcast = await bob.expectCommand('PRIVMSG');
    expect([broadcast.prefix, ...broadcast.params]).toEqual(['alice!chat@switchboard', '#main', 'hello all']);
    await waitFor('the broadcast outside IRC', () => other.received.length === 1);
    expect([other.received[0]!.sender.text, other.received[0]!.text, other.received[0]!.direct]).toEqual([
      'alice',
      'hello all',
      false,
    ]);
    // Never back to the sender.
    bob.send('PING :sync');
    await bob.expectCommand('PONG');
    expect(alice.drain().filter((line) => line.command === 'PRIVMSG')).toEqual([]);
  });

  it('answers a PRIVMSG to an absent nick with 401, and a NOTICE with nothing', async () => {
    harness = await IrcHarness.start();
    const alice = await harness.guest('alice');
    const bob = await harness.guest('bob');
    alice.send(
      'PRIVMSG ghost :anyone?',
      'NOTICE ghost :quiet',
      'NOTICE bob :psst',
      'PRIVMSG #nowhere :x',
      'PING :end',
    );
    const notice = await bob.expectCommand('PRIVMSG');
    expect(notice.params).toEqual(['bob', 'psst']);
    await alice.expectCommand('PONG');
    // A 401 comes when the core has looked the nick up, so it may follow later replies.
    await waitFor('the 401', () => alice.lines.some((line) => line.command === '401'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const errors = alice.lines
      .filter((line) => ['401', '404'].includes(line.command))
      .map((line) => line.params.slice(0, 3));
    expect(errors).toEqual([
      ['alice', '#nowhere', 'Cannot send to channel (join it first)'],
      ['alice', 'ghost', 'No such nick/channel'],
    ]);
  });

  it('reaches names of other protocols by their escaped nick, both ways', async () => {
    harness = await IrcHarness.start();
    const alice = await harness.guest('alice');
    const other = await outsider('John Doe.');
    await other.session.sendDirect([Name.fromText('alice')], 'hi from afar');
    const got = await alice.expectCommand('PRIVMSG');
    expect(got.prefix).toBe('John\\20Doe\\2E!chat@switchboard');
    alice.send('PRIVMSG John\\20Doe\\2E :hi back');
    await waitFor('the answer', () => other.received.length === 1);
    expect(other.received[0]!.text).toBe('hi back');
    expect(other.received[0]!.sender.text).toBe('alice');
  });

  it('answers a long name by its shortened nick', async () => {
    harness = await IrcHarness.start();
    const alice = await harness.guest('alice');
    const longName = 'someone with a really long name from json-ws, longer than sixty-four bytes';
    const other = await outsider(longName);
    other.session.broadcast('hello');
    const got = await alice.expectCommand('PRIVMSG');
    const nick = got.prefix.split('!')[0]!;
    expect(nick).toMatch(/\\_[0-9A-F]{8}$/);
    alice.send(`PRIVMSG ${nick} :got it`);
    await waitFor('the answer', () => other.received.length === 1);
    expect(other.received[0]!.text).toBe('got it'); // A shortened nick this server never showed is not searched for among all active names.
    alice.send(`PRIVMSG ${nick.replace(/[0-9A-F]{8}$/, '00000000')} :made up`);
    expect((await alice.expectCommand('401')).params[1]).toMatch(/\\_00000000$/);
  });

  it('turns /me into a CTCP ACTION and back, and relays no other CTCP', async () => {
    harness = await IrcHarness.start();
    const alice = await harness.guest('alice');
    const bob = await harness.guest('bob');
    const other = await outsider('watcher');
    alice.send(
      'PRIVMSG #main :\u0001ACTION waves\u0001',
      'PRIVMSG bob :\u0001VERSION\u0001',
      'PRIVMSG bob :after',
    );
    expect((await bob.expectCommand('PRIVMSG')).params).toEqual(['#main', '\u0001ACTION waves\u0001']);
    expect((await bob.expectCommand('PRIVMSG')).params).toEqual(['bob', 'after']);
    await waitFor('the action outside IRC', () => other.received.length === 1);
    expect(other.received[0]!.text).toBe('/me waves');
  });

  it('lists #main with NAMES and WHO, and a user with WHOIS', async () => {
    harness = await IrcHarness.start();
    const alice = await harness.guest('alice');
    await harness.guest('bob');
    await outsider('soh user');
    alice.send('NAMES #main');
    expect((await alice.expectCommand('353')).params[3]!.split(' ')).toEqual(['alice', 'bob', 'soh\\20user']);
    await alice.expectCommand('366');
    alice.send('WHO #main');
    const who = [
      await alice.expectCommand('352'),
      await alice.expectCommand('352'),
      await alice.expectCommand('352'),
    ];
    expect(who.map((line) => line.params[5])).toEqual(['alice', 'bob', 'soh\\20user']);
    await alice.expectCommand('315');
    alice.send('WHOIS soh\\20user');
    expect((await alice.expectCommand('311')).params.slice(1, 4)).toEqual([
      'soh\\20user',
      'chat',
      'switchboard',
    ]);
    await alice.expectCommand('318');
    alice.send('WHOIS ghost');
    expect((await alice.expectCommand('401')).params[1]).toBe('ghost');
    await alice.expectCommand('318');
    alice.send('ISON bob ghost alice');
    expect((await alice.expectCommand('303')).params[1]).toBe('bob alice');
  });

  it('joins a private room with its password as the key, and sees only that room', async () => {
    harness = await IrcHarness.start();
    const owner = await outsider('owner');
    const { password } = (await owner.session.createRoom('den')) as { password: string };
    const alice = await harness.guest('alice');
    const bob = await harness.guest('bob');
    const channel = channelOfRoom('den');
    alice.send(`JOIN ${channel} wrong`, 'JOIN #nope key', `JOIN ${channel}`);
    expect((await alice.expectCommand('475')).params[1]).toBe('#den');
    expect((await alice.expectCommand('403')).params[1]).toBe('#nope');
    await alice.expectCommand('475');
    alice.send(`JOIN ${channel} ${password}`);
    const part = await alice.expectCommand('PART');
    expect(part.params[0]).toBe('#main');
    expect((await alice.expectCommand('JOIN')).params[0]).toBe('#den');
    expect((await alice.expectCommand('353')).params[3]).toBe('alice');
    await alice.expectCommand('366');
    expect(harness.hub.rooms).toBeDefined();

    owner.session.broadcast('in the den');
    alice.send('PRIVMSG #den :hi den', 'PRIVMSG #main :not here');
    expect((await alice.expectCommand('PRIVMSG')).params).toEqual(['#den', 'in the den']);
    await waitFor('the room message', () => owner.received.length === 1);
    expect(owner.received[0]!.text).toBe('hi den');
    expect((await alice.expectCommand('404')).params[1]).toBe('#main');
    // bob, in #main, saw none of it.
    bob.send('PING :sync');
    await bob.expectCommand('PONG');
    expect(bob.drain().filter((line) => line.command === 'PRIVMSG')).toEqual([]);

    alice.send('PART #den :bye');
    expect((await alice.expectCommand('PART')).params).toEqual(['#den', 'bye']);
    alice.send('PRIVMSG #main :x');
    expect((await alice.expectCommand('404')).params[1]).toBe('#main');
    alice.send('JOIN #main', 'PRIVMSG #main :back');
    expect((await alice.expectCommand('JOIN')).params[0]).toBe('#main');
    expect((await bob.expectCommand('PRIVMSG')).params).toEqual(['#main', 'back']);
  });

  it('answers PART of a channel it is not in with 442, and missing parameters with 461', async () => {
    harness = await IrcHarness.start();
    const alice = await harness.guest('alice');
    alice.send(
      'PART #elsewhere',
      'PART',
      'JOIN',
      'PRIVMSG',
      'PRIVMSG bob',
      'MODE',
      'MODE #main',
      'TOPIC #main',
    );
    expect((await alice.expectCommand('442')).params[1]).toBe('#elsewhere');
    expect((await alice.expectCommand('461')).params[1]).toBe('PART');
    expect((await alice.expectCommand('461')).params[1]).toBe('JOIN');
    await alice.expectCommand('411');
    await alice.expectCommand('412');
    expect((await alice.expectCommand('461')).params[1]).toBe('MODE');
    expect((await alice.expectCommand('324')).params.slice(1)).toEqual(['#main', '+n']);
    await alice.expectCommand('331');
  });

  it('pings a silent client and closes it when no answer comes, on the core clock', async () => {
    const clock = new FakeClock();
    harness = await IrcHarness.start({ clock, options: { pingIntervalMs: 60_000, pingTimeoutMs: 30_000 } });
    const alice = await harness.guest('alice');
    const bob = await harness.guest('bob');
    clock.advance(61_000);
    expect((await alice.expectCommand('PING')).params).toEqual(['switchboard']);
    await bob.expectCommand('PING');
    bob.send('PONG :switchboard');
    await new Promise((resolve) => setTimeout(resolve, 50));
    clock.advance(31_000);
    expect((await alice.expectCommand('ERROR')).params[0]).toMatch(/Ping timeout/);
    await alice.waitClosed();
    expect(bob.isClosed).toBe(false);
    expect(await harness.activeTexts()).toEqual(['bob']);
  });

  it('says goodbye to QUIT with ERROR and closes', async () => {
    harness = await IrcHarness.start();
    const alice = await harness.guest('alice');
    alice.send('QUIT :gone fishing');
    expect((await alice.expectCommand('ERROR')).params[0]).toBe('Closing Link: alice (Quit: gone fishing)');
    await alice.waitClosed();
    await waitFor('alice gone', async () => (await harness.activeTexts()).length === 0);
  });

  it('tells every client on shutdown and closes', async () => {
    harness = await IrcHarness.start();
    const alice = await harness.guest('alice');
    await harness.closeServer();
    expect((await alice.expectCommand('ERROR')).params[0]).toMatch(/Server shutting down/);
    await alice.waitClosed();
  });

  it('closes the connections of a registered name whose password was changed', async () => {
    harness = await IrcHarness.start();
    await harness.hub.addAccount(Name.fromText('pat'), 'old');
    const pat = harness.client();
    pat.send('PASS old', 'NICK pat', 'USER p 0 * :p');
    await pat.expectCommand('366');
    await harness.hub.changePassword(Name.fromText('pat'), 'new');
    expect((await pat.expectCommand('ERROR')).params[0]).toMatch(/invalidated/);
    await pat.waitClosed();
  });

  it('keeps a text from another protocol to one line whatever it holds', async () => {
    harness = await IrcHarness.start();
    const alice = await harness.guest('alice');
    const other = await outsider('other');
    await other.session.sendDirect([Name.fromText('alice')], 'line1\r\nQUIT :forged\nline3\u0000!');
    const got = await alice.expectCommand('PRIVMSG');
    expect(got.params[1]).toBe('line1\u240d\u240aQUIT :forged\u240aline3\u2400!');
    await other.session.sendDirect([Name.fromText('alice')], 'next');
    expect((await alice.expectCommand('PRIVMSG')).params[1]).toBe('next');
  });
});

describe('nick changes', () => {
  it('moves a guest to a free nick, keeps its room, and refuses names in use or registered', async () => {
    harness = await IrcHarness.start();
    await harness.hub.addAccount(Name.fromText('owner'), 'pw');
    const alice = await harness.guest('alice');
    await harness.guest('bob');
    const other = await outsider('other');
    alice.send('NICK alicia');
    const nick = await alice.expectCommand('NICK');
    expect([nick.prefix, nick.params[0]]).toEqual(['alice!chat@switchboard', 'alicia']);
    expect(await harness.activeTexts()).toEqual(['alicia', 'bob', 'other']);
    await other.session.sendDirect([Name.fromText('alicia')], 'to the new nick');
    expect((await alice.expectCommand('PRIVMSG')).params).toEqual(['alicia', 'to the new nick']);
    other.session.broadcast('still in #main');
    expect((await alice.expectCommand('PRIVMSG')).params).toEqual(['#main', 'still in #main']);

    alice.send('NICK bob', 'NICK owner', 'NICK a.b');
    expect((await alice.expectCommand('433')).params.slice(1)).toEqual(['bob', 'Nickname is already in use']);
    expect((await alice.expectCommand('433')).params.slice(1)).toEqual(['owner', 'Nickname is registered']);
    expect((await alice.expectCommand('432')).params[1]).toBe('a.b');
    expect(await harness.activeTexts()).toEqual(['alicia', 'bob', 'other']);
  });

  it('keeps a registered user on the name it logged in with', async () => {
    harness = await IrcHarness.start();
    await harness.hub.addAccount(Name.fromText('pat'), 'pw');
    const pat = harness.client();
    pat.send('PASS pw', 'NICK pat', 'USER p 0 * :p');
    await pat.expectCommand('366');
    pat.send('NICK patrick');
    expect((await pat.expectCommand('447')).params[1]).toBe('patrick');
    expect(await harness.activeTexts()).toEqual(['pat']);
  });
});

describe('listings of a large main chat', () => {
  it('lists every name with NAMES and caps WHO at 10 000 with a notice', async () => {
    harness = await IrcHarness.start({ limits: { maxConnectionsPerAddress: 20_000 } });
    const sink = { deliver() {}, replaced() {} };
    await Promise.all(
      Array.from({ length: 10_050 }, async (_, i) => {
        const session = harness.hub.open('other', 'elsewhere', sink)!;
        outsiders.push(session);
        expect(await session.claimGuest(Name.fromText(`user${i}`))).toBe('ok');
      }),
    );
    const alice = await harness.guest('alice');
    const welcomeLines = alice.lines.length;
    alice.send('NAMES #main');
    await alice.expectCommand('366');
    const named = alice.lines.slice(welcomeLines).filter((line) => line.command === '353');
    expect(named.flatMap((line) => line.params[3]!.split(' '))).toHaveLength(10_051);
    for (const line of named) expect(Buffer.byteLength(line.raw) + 2).toBeLessThanOrEqual(512);
    alice.send('WHO #main');
    expect((await alice.expectCommand('NOTICE')).params[1]).toMatch(/first 10000 of 10051/);
    await alice.expectCommand('315', 10_000);
    expect(alice.lines.filter((line) => line.command === '352')).toHaveLength(10_000);
    expect(alice.isClosed).toBe(false);
  });
});

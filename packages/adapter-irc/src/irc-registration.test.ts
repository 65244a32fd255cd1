import { Name } from '@switchboard/core';
import { FakeClock } from '@switchboard/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { IrcHarness, waitFor } from './testing/irc-harness.ts';

let harness: IrcHarness;
afterEach(async () => harness?.close());

const plain = (account: string, password: string) =>
  Buffer.from(`\u0000${account}\u0000${password}`).toString('base64');

describe('registration', () => {
  it('welcomes NICK + USER with 001-005 (NICKLEN, CHANTYPES, CHANNELLEN), 422, and #main', async () => {
    harness = await IrcHarness.start();
    const client = harness.client();
    client.send('NICK alice', 'USER al 0 * :Alice A');
    const welcome = await client.expectCommand('001');
    expect(welcome.params[0]).toBe('alice');
    for (const code of ['002', '003', '004'])
      expect((await client.expectCommand(code)).params[0]).toBe('alice');
    const support = (await client.expectCommand('005')).params.join(' ');
    expect(support).toMatch(/NICKLEN=64\b/);
    expect(support).toMatch(/CHANTYPES=#( |$)/);
    expect(support).toMatch(/CHANNELLEN=193\b/);
    await client.expectCommand('422');
    const join = await client.expectCommand('JOIN');
    expect([join.prefix, join.params[0]]).toEqual(['alice!chat@switchboard', '#main']);
    expect((await client.expectCommand('353')).params.slice(1)).toEqual(['=', '#main', 'alice']);
    await client.expectCommand('366');
    expect(await harness.activeTexts()).toEqual(['alice']);
    expect(harness.hub.connectionCount).toBe(1);
  });

  it('sends a configured MOTD instead of 422', async () => {
    harness = await IrcHarness.start({ options: { motd: ['Be nice.', 'Line\ntwo'] } });
    const client = harness.client();
    client.send('NICK m', 'USER m 0 * :m');
    await client.expectCommand('375');
    expect((await client.expectCommand('372')).params[1]).toBe('- Be nice.');
    expect((await client.expectCommand('372')).params[1]).toBe('- Line\u240atwo');
    await client.expectCommand('376');
    expect(client.drain().some((line) => line.command === '422')).toBe(false);
  });

  it('answers CAP LS and holds registration until CAP END, so modern clients never wait', async () => {
    harness = await IrcHarness.start();
    const client = harness.client();
    client.send('CAP LS 302', 'NICK capper', 'USER c 0 * :c');
    const ls = await client.expectCommand('CAP');
    expect(ls.params).toEqual(['*', 'LS', 'sasl=PLAIN']);
    client.send('CAP REQ :multi-prefix');
    expect((await client.expectCommand('CAP')).params).toEqual(['capper', 'NAK', 'multi-prefix']);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(client.drain().some((line) => line.command === '001')).toBe(false);
    client.send('CAP END');
    await client.expectCommand('001');
  });

  it('registers a client that asks for capabilities it cannot have, as WeeChat and irssi do', async () => {
    harness = await IrcHarness.start();
    const client = harness.client();
    client.send('CAP LS 302', 'NICK wee', 'USER wee 0 * :WeeChat');
    await client.expectCommand('CAP');
    client.send('CAP REQ :account-notify away-notify cap-notify multi-prefix server-time sasl');
    const nak = await client.expectCommand('CAP');
    expect(nak.params.slice(1)).toEqual([
      'NAK',
      'account-notify away-notify cap-notify multi-prefix server-time sasl',
    ]);
    client.send('CAP END');
    await client.expectCommand('366');
    // What clients send once in: already in #main, so JOIN is silent; the rest is answered.
    client.send('MODE wee +i', 'JOIN #main', 'MODE #main', 'MODE #main b', 'WHO #main', 'PING :lag');
    expect((await client.expectCommand('221')).params[1]).toBe('+i');
    await client.expectCommand('324');
    await client.expectCommand('368');
    expect((await client.expectCommand('352')).params[5]).toBe('wee');
    await client.expectCommand('315');
    await client.expectCommand('PONG');
    expect(client.lines.filter((line) => line.command === 'JOIN')).toHaveLength(1);
  });

  it('logs a registered account in with SASL PLAIN, under its nick', async () => {
    harness = await IrcHarness.start();
    await harness.hub.addAccount(Name.fromText('rita'), 's3cret');
    const client = harness.client();
    client.send('CAP LS 302', 'NICK whatever', 'USER r 0 * :r', 'CAP REQ :sasl');
    expect((await client.expect((l) => l.command === 'CAP' && l.params[1] === 'ACK', 'ACK')).params[2]).toBe(
      'sasl',
    );
    client.send('AUTHENTICATE PLAIN');
    expect((await client.expectCommand('AUTHENTICATE')).params).toEqual(['+']);
    client.send(`AUTHENTICATE ${plain('rita', 's3cret')}`);
    expect((await client.expectCommand('900')).params[2]).toBe('rita');
    await client.expectCommand('903');
    client.send('CAP END');
    expect((await client.expectCommand('001')).params[0]).toBe('rita');
    const nick = await client.expectCommand('NICK');
    expect([nick.prefix, nick.params[0]]).toEqual(['whatever!chat@switchboard', 'rita']);
    await client.expectCommand('366');
    expect(await harness.activeTexts()).toEqual(['rita']);
  });

  it('holds a message that arrives between the SASL login and the welcome, and delivers it after', async () => {
    harness = await IrcHarness.start();
    await harness.hub.addAccount(Name.fromText('rita'), 's3cret');
    const sender = harness.hub.open('other', 'elsewhere', { deliver() {}, replaced() {} })!;
    expect(await sender.claimGuest(Name.fromText('early'))).toBe('ok');
    const client = harness.client();
    client.send('CAP LS 302', 'NICK rita', 'USER r 0 * :r', 'CAP REQ :sasl', 'AUTHENTICATE PLAIN');
    await client.expectCommand('AUTHENTICATE');
    client.send(`AUTHENTICATE ${plain('rita', 's3cret')}`);
    await client.expectCommand('903');
    // Active already (the core bound the login), but not yet welcomed.
    expect(await sender.sendDirect([Name.fromText('rita')], 'before the welcome')).toEqual([]);
    client.send('CAP END');
    const message = await client.expectCommand('PRIVMSG');
    expect(message.params).toEqual(['rita', 'before the welcome']);
    const commands = client.lines.map((line) => line.command);
    expect(commands.indexOf('PRIVMSG')).toBeGreaterThan(commands.indexOf('366'));
    sender.close();
  });

  it('answers a wrong SASL password with 904 and lets the client go on as a guest under another nick', async () => {
    harness = await IrcHarness.start();
    await harness.hub.addAccount(Name.fromText('rita'), 's3cret');
    const client = harness.client();
    client.send('CAP LS', 'NICK rita', 'USER r 0 * :r', 'CAP REQ sasl', 'AUTHENTICATE PLAIN');
    await client.expectCommand('AUTHENTICATE');
    client.send(`AUTHENTICATE ${plain('rita', 'wrong')}`);
    await client.expectCommand('904');
    client.send('CAP END');
    // A guest cannot take a registered nick: 433, as IRC clients expect, so they try another.
    const refused = await client.expectCommand('433');
    expect(refused.params[1]).toBe('rita');
    expect(refused.params[2]).toMatch(/registered/);
    client.send('NICK rita_');
    expect((await client.expectCommand('001')).params[0]).toBe('rita_');
    expect(await harness.activeTexts()).toEqual(['rita_']);
  });

  it('logs a registered nick in with PASS, and closes with 464 on a wrong one', async () => {
    harness = await IrcHarness.start();
    await harness.hub.addAccount(Name.fromText('pat'), 'letmein');
    const good = harness.client();
    good.send('PASS letmein', 'NICK pat', 'USER p 0 * :p');
    expect((await good.expectCommand('001')).params[0]).toBe('pat');
    const twin = harness.client();
    twin.send('PASS letmein', 'NICK pat', 'USER p 0 * :p');
    await twin.expectCommand('001');
    expect(await harness.activeTexts()).toEqual(['pat']);

    const bad = harness.client();
    bad.send('PASS nope', 'NICK pat', 'USER p 0 * :p');
    await bad.expectCommand('464');
    expect((await bad.expectCommand('ERROR')).params[0]).toMatch(/Bad password/);
    await bad.waitClosed();
    expect(harness.hub.connectionCount).toBe(2);
  });

  it('refuses bad nicks with 432 and missing parameters with 461, and commands before registration with 451', async () => {
    harness = await IrcHarness.start();
    const client = harness.client();
    client.send('NICK john doe');
    // Only "john" is the parameter; a nick with a space can never arrive, but an escaped one can.
    client.send('NICK a.b', 'NICK \\61bc', 'NICK', 'USER x', 'PRIVMSG bob :hi', 'FROB');
    expect((await client.expectCommand('432')).params[1]).toBe('a.b');
    expect((await client.expectCommand('432')).params[1]).toBe('\\61bc');
    await client.expectCommand('431');
    expect((await client.expectCommand('461')).params[1]).toBe('USER');
    await client.expectCommand('451');
    expect((await client.expectCommand('421')).params[1]).toBe('FROB');
    client.send('USER j 0 * :John');
    expect((await client.expectCommand('001')).params[0]).toBe('john');
  });

  it('lets a guest take an escaped nick that stands for a name with a space', async () => {
    harness = await IrcHarness.start();
    const client = harness.client();
    client.send('NICK john\\20doe', 'USER j 0 * :j');
    await client.expectCommand('001');
    expect(await harness.activeTexts()).toEqual(['john doe']);
  });

  it('closes a connection that has not registered by the deadline (on the core clock)', async () => {
    const clock = new FakeClock();
    harness = await IrcHarness.start({ clock, options: { registrationTimeoutMs: 30_000 } });
    const idle = harness.client();
    const halfway = harness.client();
    halfway.send('NICK half');
    await waitFor('both connections', () => harness.hub.connectionCount === 2);
    clock.advance(29_000);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(idle.isClosed || halfway.isClosed).toBe(false);
    clock.advance(1_500);
    expect((await idle.expectCommand('ERROR')).params[0]).toMatch(/Registration timed out/);
    await Promise.all([idle.waitClosed(), halfway.waitClosed()]);
    expect(harness.hub.connectionCount).toBe(0);
  });

  it('gives a guest name to the newest connection and tells the older one', async () => {
    harness = await IrcHarness.start();
    const first = await harness.guest('sam');
    const second = await harness.guest('sam');
    expect((await first.expectCommand('ERROR')).params[0]).toMatch(/taken over/);
    await first.waitClosed();
    second.send('PING :still');
    expect((await second.expectCommand('PONG')).params).toEqual(['switchboard', 'still']);
  });
});

describe('settings', () => {
  it('reads the MOTD from a list or, as an environment variable gives it, from lines of a string', async () => {
    const { ircOptionsSchema } = await import('./irc-options.ts');
    expect(ircOptionsSchema.parse({}).motd).toEqual([]);
    expect(ircOptionsSchema.parse({ motd: 'one\ntwo\n' }).motd).toEqual(['one', 'two']);
    expect(ircOptionsSchema.parse({ motd: ['a'] }).motd).toEqual(['a']);
    expect(() => ircOptionsSchema.parse({ serverName: 'bad name' })).toThrow();
  });
});

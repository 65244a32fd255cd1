import { Name } from '@switchboard/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rsUsAdapter } from './index.ts';
import { rsUsOptionsSchema } from './rs-us-options.ts';
import {
  addAccounts,
  OtherProtocolUser,
  plain,
  type RsUsTestServer,
  startRsUs,
  trailing,
} from './testing/rs-us-test-kit.ts';

let server: RsUsTestServer;

beforeEach(async () => {
  server = await startRsUs();
  await addAccounts(server.hub, 'alice', 'bob', 'carol');
});

afterEach(async () => {
  await server.close();
});

describe('rsUsAdapter definition', () => {
  it('is named rs-us on port 7171 with defaulted options', () => {
    expect(rsUsAdapter.name).toBe('rs-us');
    expect(rsUsAdapter.defaultPort).toBe(7171);
    expect(rsUsOptionsSchema.parse({})).toEqual({
      inactivityTimeoutMs: 1_800_000,
      loginTimeoutMs: 60_000,
      maxMessageBytes: 65_536,
    });
    expect(() => rsUsOptionsSchema.parse({ maxMessageBytes: -1 })).toThrow();
    expect(() => rsUsOptionsSchema.parse({ loginTimeoutMs: 0 })).toThrow();
  });
});

describe('login', () => {
  it('answers login_valid for the right password and binds the connection', async () => {
    const client = await server.connect();
    expect(await client.ask(plain('login', 'bob', 'pw'))).toBe(plain('login_valid'));
    expect((await server.hub.activeNames()).map((name) => name.text)).toEqual(['bob']);
  });

  it('answers login_invalid for a wrong password, an unknown user or a malformed name', async () => {
    const client = await server.connect();
    expect(await client.ask(plain('login', 'bob', 'nope'))).toBe(plain('login_invalid'));
    expect(await client.ask(plain('login', 'nobody', 'pw'))).toBe(plain('login_invalid'));
    expect(await client.ask(plain('login', '', 'pw'))).toBe(plain('login_invalid'));
    expect(await client.ask(plain('login', 'b\tob', 'pw'))).toBe(plain('login_invalid'));
    expect(await client.ask(plain('login', 'x'.repeat(300), 'pw'))).toBe(plain('login_invalid'));
    expect(await server.hub.activeNames()).toEqual([]);
  });

  it('keeps an existing binding after a failed login', async () => {
    const client = await server.login('bob');
    expect(await client.ask(plain('login', 'alice', 'wrong'))).toBe(plain('login_invalid'));
    expect(await client.ask(plain('who'))).toBe(plain('who_ack', 'bob'));
  });

  it('rebinds after a second successful login', async () => {
    const client = await server.login('bob');
    expect(await client.ask(plain('login', 'alice', 'pw'))).toBe(plain('login_valid'));
    expect(await client.ask(plain('who'))).toBe(plain('who_ack', 'alice'));
  });
});

describe('logout', () => {
  it('answers logout_ack and unbinds', async () => {
    const client = await server.login('bob');
    expect(await client.ask(plain('logout'))).toBe(plain('logout_ack'));
    expect(await client.ask(plain('who'))).toBe(plain('not_logged_in'));
    expect(await server.hub.activeNames()).toEqual([]);
  });

  it('acknowledges logout on an unbound connection', async () => {
    const client = await server.connect();
    expect(await client.ask(plain('logout'))).toBe(plain('logout_ack'));
  });
});

describe('disconnect', () => {
  it('answers disconnect_ack, then closes', async () => {
    const client = await server.login('bob');
    expect(await client.ask(plain('disconnect'))).toBe(plain('disconnect_ack'));
    await client.waitClosed();
    expect(client.unread).toEqual([]);
    expect(await server.hub.activeNames()).toEqual([]);
  });
});

describe('prolongate', () => {
  it('answers prolongate_ack, bound or not', async () => {
    const client = await server.connect();
    expect(await client.ask(plain('prolongate'))).toBe(plain('prolongate_ack'));
    expect(await client.ask(plain('login', 'bob', 'pw'))).toBe(plain('login_valid'));
    expect(await client.ask(plain('prolongate'))).toBe(plain('prolongate_ack'));
  });
});

describe('invalidate', () => {
  it('acknowledges on an unbound connection and does nothing', async () => {
    const bob = await server.login('bob');
    const stranger = await server.connect();
    expect(await stranger.ask(plain('invalidate'))).toBe(plain('invalidate_ack'));
    expect(await bob.silentFor(100)).toBe(true);
    expect(await bob.ask(plain('who'))).toBe(plain('who_ack', 'bob'));
  });
});

describe('unknown commands and argument counts', () => {
  it('answers unknown_command, case-sensitively', async () => {
    const client = await server.connect();
    expect(await client.ask(plain('hello'))).toBe(plain('unknown_command'));
    expect(await client.ask(plain('LOGIN', 'bob', 'pw'))).toBe(plain('unknown_command'));
    expect(await client.ask(plain('event', '1', 'x'))).toBe(plain('unknown_command'));
    expect(await client.ask(plain('__proto__'))).toBe(plain('unknown_command'));
  });

  it.each([
    [['login']],
    [['login', 'bob']],
    [['login', 'bob', 'pw', 'extra']],
    [['logout', 'x']],
    [['disconnect', 'now']],
    [['prolongate', '5']],
    [['invalidate', 'all']],
    [['send', 'bob']],
    [['send', 'bob', 'hi', 'there']],
    [['broadcast']],
    [['broadcast', 'a', 'b']],
    [['who', 'x']],
  ])('answers invalid_args_count to %j, before checking the login', async (parts) => {
    const client = await server.connect();
    expect(await client.ask(plain(...parts))).toBe(plain('invalid_args_count'));
    // The connection is still usable (and a disconnect with arguments did not disconnect).
    expect(await client.ask(plain('prolongate'))).toBe(plain('prolongate_ack'));
  });
});

describe('commands for bound connections', () => {
  it.each([
    [['send', 'bob', 'hi']],
    [['broadcast', 'hi']],
    [['who']],
  ])('answers not_logged_in to %j when unbound', async (parts) => {
    const client = await server.connect();
    expect(await client.ask(plain(...parts))).toBe(plain('not_logged_in'));
  });

  it('send delivers an event to every connection of the name and answers send_ack', async () => {
    const alice = await server.login('alice');
    const bob1 = await server.login('bob');
    const bob2 = await server.login('bob');
    expect(await alice.ask(plain('send', 'bob', 'hello there'))).toBe(plain('send_ack'));
    for (const bob of [bob1, bob2]) {
      expect(await bob.next()).toMatch(/^event\u001f\d{13}\u001falice: hello there\u001e$/);
    }
    expect(await alice.silentFor(100)).toBe(true);
  });

  it('send answers unknown_recipient when the name is not active', async () => {
    const alice = await server.login('alice');
    expect(await alice.ask(plain('send', 'carol', 'hi'))).toBe(plain('unknown_recipient'));
    expect(await alice.ask(plain('send', 'nobody', 'hi'))).toBe(plain('unknown_recipient'));
    expect(await alice.ask(plain('send', '', 'hi'))).toBe(plain('unknown_recipient'));
  });

  it('send to oneself is acknowledged and delivers nothing, not even to the other connections', async () => {
    const alice1 = await server.login('alice');
    const alice2 = await server.login('alice');
    expect(await alice1.ask(plain('send', 'alice', 'note to self'))).toBe(plain('send_ack'));
    expect(await alice2.silentFor(150)).toBe(true);
  });

  it('send reaches a user of another protocol', async () => {
    const alice = await server.login('alice');
    const dave = await new OtherProtocolUser(server.hub).claim('dave');
    expect(await alice.ask(plain('send', 'dave', 'привет'))).toBe(plain('send_ack'));
    expect(dave.received.map((message) => [message.sender.text, message.text, message.direct])).toEqual([
      ['alice', 'привет', true],
    ]);
  });

  it('broadcast reaches every other bound user in the main chat and answers broadcast_ack', async () => {
    const alice = await server.login('alice');
    const bob = await server.login('bob');
    const unbound = await server.connect();
    const dave = await new OtherProtocolUser(server.hub).claim('dave');
    expect(await alice.ask(plain('broadcast', 'hi all'))).toBe(plain('broadcast_ack'));
    expect(await bob.next()).toMatch(/^event\u001f\d+\u001falice: hi all\u001e$/);
    expect(dave.received.map((message) => [message.text, message.direct])).toEqual([['hi all', false]]);
    expect(await unbound.silentFor(100)).toBe(true);
    expect(await alice.silentFor(0)).toBe(true);
  });

  it('who lists every active name sorted by bytes, the caller included', async () => {
    await new OtherProtocolUser(server.hub).claim('Zed');
    await new OtherProtocolUser(server.hub).claim('émile');
    const carol = await server.login('carol');
    await server.login('alice');
    expect(await carol.ask(plain('who'))).toBe(plain('who_ack', 'Zed', 'alice', 'carol', 'émile'));
  });

  it('who removes delimiters from names that came from another protocol', async () => {
    await new OtherProtocolUser(server.hub, 'soh').claim(Buffer.from('we\u001eir\u001fd'));
    const alice = await server.login('alice');
    expect(await alice.ask(plain('who'))).toBe(plain('who_ack', 'alice', 'weird'));
  });
});

describe('the two forms', () => {
  it('answers a client that ends every part with U+001F in the trailing form', async () => {
    const client = await server.connect();
    expect(await client.ask(trailing('login', 'bob', 'pw'))).toBe(trailing('login_valid'));
    expect(await client.ask(trailing('who'))).toBe(trailing('who_ack', 'bob'));
    expect(await client.ask(trailing('send', 'nobody', 'x'))).toBe(trailing('unknown_recipient'));
    expect(await client.ask(trailing('bogus'))).toBe(trailing('unknown_command'));
    expect(await client.ask(trailing('who', 'x'))).toBe(trailing('invalid_args_count'));
    expect(await client.ask(trailing('disconnect'))).toBe(trailing('disconnect_ack'));
    await client.waitClosed();
  });

  it('does not count the trailing marker as an argument', async () => {
    const client = await server.connect();
    // `send␟bob␟␞` in the trailing form is `send bob`: one argument short.
    expect(await client.ask(trailing('send', 'bob'))).toBe(trailing('invalid_args_count'));
    expect(await client.ask(trailing('logout'))).toBe(trailing('logout_ack'));
  });

  it('follows the form the client used last, for replies and events alike', async () => {
    const bob = await server.connect();
    const alice = await server.login('alice');
    expect(await bob.ask(plain('login', 'bob', 'pw'))).toBe(plain('login_valid'));
    await alice.ask(plain('send', 'bob', 'one'));
    expect(await bob.next()).toMatch(/^event\u001f\d+\u001falice: one\u001e$/);
    expect(await bob.ask(trailing('prolongate'))).toBe(trailing('prolongate_ack'));
    await alice.ask(plain('send', 'bob', 'two'));
    expect(await bob.next()).toMatch(/^event\u001f\d+\u001falice: two\u001f\u001e$/);
    expect(await bob.ask(plain('who'))).toBe(plain('who_ack', 'alice', 'bob'));
    await alice.ask(plain('broadcast', 'three'));
    expect(await bob.next()).toMatch(/^event\u001f\d+\u001falice: three\u001e$/);
  });

  it('encodes one broadcast once per form, however many rs-us users receive it', async () => {
    const alice = await server.login('alice');
    const plainUsers = [await server.login('bob'), await server.login('bob')];
    const trailingUsers = [await server.connect(), await server.connect()];
    for (const client of trailingUsers) {
      expect(await client.ask(trailing('login', 'carol', 'pw'))).toBe(trailing('login_valid'));
    }
    expect(await alice.ask(plain('broadcast', 'once'))).toBe(plain('broadcast_ack'));
    const plainEvents = await Promise.all(plainUsers.map((client) => client.next()));
    const trailingEvents = await Promise.all(trailingUsers.map((client) => client.next()));
    expect(new Set(plainEvents).size).toBe(1);
    expect(new Set(trailingEvents).size).toBe(1);
    expect(trailingEvents[0]).toBe(plainEvents[0]!.replace(/\u001e$/, '\u001f\u001e'));
  });
});

describe('strict ordering', () => {
  it('answers pipelined commands in order although login waits on the core', async () => {
    const client = await server.connect();
    client.write(
      plain('who') +
        plain('login', 'bob', 'pw') +
        plain('who') +
        plain('login', 'bob', 'bad') +
        plain('prolongate') +
        plain('logout') +
        plain('who'),
    );
    const replies = [];
    for (let i = 0; i < 7; i++) replies.push(await client.next());
    expect(replies).toEqual([
      plain('not_logged_in'),
      plain('login_valid'),
      plain('who_ack', 'bob'),
      plain('login_invalid'),
      plain('prolongate_ack'),
      plain('logout_ack'),
      plain('not_logged_in'),
    ]);
  });

  it('keeps order through thousands of queued commands behind a login', async () => {
    const client = await server.connect();
    const count = 5_000;
    client.write(plain('login', 'bob', 'pw') + (plain('prolongate') + plain('bogus')).repeat(count));
    expect(await client.next()).toBe(plain('login_valid'));
    for (let i = 0; i < count; i++) {
      expect(await client.next()).toBe(plain('prolongate_ack'));
      expect(await client.next()).toBe(plain('unknown_command'));
    }
    expect(await client.ask(plain('who'))).toBe(plain('who_ack', 'bob'));
  });

  it('answers what a client sent before half-closing, then closes', async () => {
    const client = await server.connect();
    client.socket.end(plain('login', 'bob', 'pw') + plain('who'));
    expect(await client.next()).toBe(plain('login_valid'));
    expect(await client.next()).toBe(plain('who_ack', 'bob'));
    await client.waitClosed();
    expect(server.hub.connectionCount).toBe(0);
  });
});

describe('accounts', () => {
  it('uses the hub accounts created by an administrator', async () => {
    await server.hub.addAccount(Name.fromText('Жанна'), 'секрет');
    const client = await server.connect();
    expect(await client.ask(plain('login', 'Жанна', 'секрет'))).toBe(plain('login_valid'));
    expect(await client.ask(plain('who'))).toBe(plain('who_ack', 'Жанна'));
  });
});

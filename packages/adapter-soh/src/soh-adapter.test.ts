import { type ChatMessage, Name, type SessionSink } from '@switchboard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { sohAdapter, sohOptionsSchema } from './index.ts';
import { SOH } from './soh-codec.ts';
import { type HarnessOptions, SohHarness, sleep, waitFor } from './testing/soh-harness.ts';

const harnesses: SohHarness[] = [];
async function start(options?: HarnessOptions): Promise<SohHarness> {
  const harness = await SohHarness.start(options);
  harnesses.push(harness);
  return harness;
}
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((harness) => harness.close()));
});

const frame = (...fields: (string | Buffer)[]) =>
  Buffer.concat(fields.flatMap((field) => [Buffer.from(field), Buffer.of(SOH)]));

describe('soh adapter definition', () => {
  it('is named soh on port 7878 with a 1 MiB field limit and a 10 s name deadline by default', () => {
    expect(sohAdapter.name).toBe('soh');
    expect(sohAdapter.defaultPort).toBe(7878);
    expect(sohOptionsSchema.parse({})).toEqual({ maxFieldBytes: 1_048_576, nameTimeoutMs: 10_000 });
    expect(() => sohOptionsSchema.parse({ maxFieldBytes: 0 })).toThrow();
    expect(() => sohOptionsSchema.parse({ nameTimeoutMs: 0 })).toThrow();
  });
});

describe('soh: names and messages', () => {
  it('delivers RECEIVER/TEXT to the receiver as SENDER 0x01 TEXT 0x01, and nothing else is written', async () => {
    const soh = await start();
    const alice = await soh.join('alice');
    const bob = await soh.join('bob');
    alice.send('bob', 'hello bob');
    await bob.waitForDeliveries(1);
    expect(bob.received).toEqual(frame('alice', 'hello bob'));
    expect(alice.received).toEqual(Buffer.alloc(0));
  });

  it('carries non-UTF-8 names and NUL bytes in names and texts byte for byte', async () => {
    const soh = await start();
    const sender = Buffer.from([0xff, 0x00, 0xfe, 0x80, 0x20]);
    const receiver = Buffer.from([0x00, 0xc3, 0x28, 0x0a]);
    const text = Buffer.from([0x00, 0xff, 0x0d, 0x0a, 0x1e, 0x1f, 0xe2, 0x82, 0x00]);
    const a = await soh.join(sender);
    const b = await soh.join(receiver);
    a.send(receiver, text);
    await waitFor('the delivery', () => b.received.length >= frame(sender, text).length);
    expect(b.received).toEqual(frame(sender, text));
  });

  it('passes a ring of messages among three users to the right one each', async () => {
    const soh = await start();
    const [ann, ben, cat] = [await soh.join('ann'), await soh.join('ben'), await soh.join('cat')];
    ann.send('ben', 'a->b');
    ben.send('cat', 'b->c');
    cat.send('ann', 'c->a');
    await Promise.all([ann, ben, cat].map((client) => client.waitForDeliveries(1)));
    await sleep(50);
    expect(ben.received).toEqual(frame('ann', 'a->b'));
    expect(cat.received).toEqual(frame('ben', 'b->c'));
    expect(ann.received).toEqual(frame('cat', 'c->a'));
  });

  it('drops a message to nobody, and the sender carries on', async () => {
    const soh = await start();
    const alice = await soh.join('alice');
    const bob = await soh.join('bob');
    alice.send('nobody', 'lost', 'bob', 'after');
    await bob.waitForDeliveries(1);
    expect(bob.received).toEqual(frame('alice', 'after'));
    expect(alice.isClosed).toBe(false);
  });

  it('drops a message to oneself: nothing arrives', async () => {
    const soh = await start();
    const alice = await soh.join('alice');
    const bob = await soh.join('bob');
    alice.send('alice', 'to me', 'bob', 'ping');
    await bob.waitForDeliveries(1);
    bob.send('alice', 'pong');
    await alice.waitForDeliveries(1);
    // Had the first message come back, it would have been written before the pong.
    expect(alice.received).toEqual(frame('bob', 'pong'));
  });

  it('gives a reconnecting user nothing that was sent while it was away', async () => {
    const soh = await start();
    const alice = await soh.join('alice');
    const bob = await soh.join('bob');
    bob.socket.end();
    await waitFor('bob to leave', async () => !(await soh.isActive('bob')));
    alice.send('bob', 'while away');
    const again = await soh.join('bob');
    alice.send('bob', 'welcome back');
    await again.waitForDeliveries(1);
    expect(again.received).toEqual(frame('alice', 'welcome back'));
  });

  it('handles fields written one byte at a time', async () => {
    const soh = await start();
    const bob = await soh.join('bob');
    const alice = soh.client();
    for (const byte of frame('alice', 'bob', 'slowly')) {
      alice.write(Buffer.of(byte));
      await sleep(1);
    }
    await bob.waitForDeliveries(1);
    expect(bob.received).toEqual(frame('alice', 'slowly'));
  });

  it('handles messages sent with the name before its claim completes, in order, even at EOF', async () => {
    const soh = await start();
    const bob = await soh.join('bob');
    const alice = soh.client();
    alice.socket.end(frame('alice', 'bob', 'one', 'bob', 'two', 'bob', 'three'));
    await bob.waitForDeliveries(3);
    expect(bob.received).toEqual(frame('alice', 'one', 'alice', 'two', 'alice', 'three'));
    await waitFor('alice to be removed', async () => !(await soh.isActive('alice')));
  });

  it('lets two users send each other 1000 messages at once: all arrive, in order, whole', async () => {
    const soh = await start();
    const alice = await soh.join('alice');
    const bob = await soh.join('bob');
    const text = (from: string, index: number) => `${from}#${index}:${'x'.repeat((index * 37) % 700)}`;
    const burst = (from: string, to: string) =>
      Buffer.concat(Array.from({ length: 1000 }, (_, index) => frame(to, text(from, index))));
    alice.write(burst('alice', 'bob'));
    bob.write(burst('bob', 'alice'));
    const [toBob, toAlice] = await Promise.all([bob.waitForDeliveries(1000), alice.waitForDeliveries(1000)]);
    expect(toBob).toEqual(Array.from({ length: 1000 }, (_, index) => ['alice', text('alice', index)]));
    expect(toAlice).toEqual(Array.from({ length: 1000 }, (_, index) => ['bob', text('bob', index)]));
  });
});

describe('soh: broken connections', () => {
  for (const [how, cut] of [
    ['EOF', (socket: import('node:net').Socket) => socket.end()],
    ['a reset', (socket: import('node:net').Socket) => socket.resetAndDestroy()],
  ] as const) {
    it(`discards a message cut by ${how}, removes the client, and takes it back under the same name at once`, async () => {
      const soh = await start();
      const bob = await soh.join('bob');
      const alice = await soh.join('alice');
      alice.write(frame('bob').toString() + 'half a mess');
      await sleep(20);
      cut(alice.socket);
      const again = soh.client();
      again.send('alice', 'bob', 'whole');
      await bob.waitForDeliveries(1);
      await sleep(50);
      expect(bob.received).toEqual(frame('alice', 'whole'));
      expect(again.isClosed).toBe(false);
    });

    it(`does not register a name cut by ${how}`, async () => {
      const soh = await start();
      const bob = await soh.join('bob');
      const carol = soh.client();
      carol.write('carol');
      await sleep(20);
      cut(carol.socket);
      await waitFor('the server to see the cut', () => soh.hub.connectionCount === 1);
      expect(await soh.isActive('carol')).toBe(false);
      expect(await soh.isActive('bob')).toBe(true);
      expect(bob.isClosed).toBe(false);
    });
  }

  it('removes a client whose connection ends after whole messages', async () => {
    const soh = await start();
    const alice = await soh.join('alice');
    alice.socket.end();
    await waitFor('alice to be removed', async () => !(await soh.isActive('alice')));
    await waitFor('the connection slot to be released', () => soh.hub.connectionCount === 0);
  });
});

describe('soh: name rules', () => {
  it('takes over an active name: the older connection is closed, the newer gets the messages', async () => {
    const soh = await start();
    const bob = await soh.join('bob');
    const older = await soh.join('alice');
    const newer = soh.client();
    newer.send('alice');
    await older.waitClosed();
    bob.send('alice', 'for the newer');
    await newer.waitForDeliveries(1);
    expect(newer.received).toEqual(frame('bob', 'for the newer'));
    expect(older.received).toEqual(Buffer.alloc(0));
  });

  it('closes a connection that claims a registered name, without a word', async () => {
    const soh = await start();
    await soh.hub.addAccount(Name.fromText('bob'), 'pw');
    const bob = soh.client();
    bob.send('bob');
    await bob.waitClosed();
    expect(bob.received).toEqual(Buffer.alloc(0));
    expect(await soh.isActive('bob')).toBe(false);
  });

  it('closes a connection whose name is empty', async () => {
    const soh = await start();
    const client = soh.client();
    client.send('');
    await client.waitClosed();
    expect(client.received).toEqual(Buffer.alloc(0));
  });

  it('closes a 257-byte name and accepts a 256-byte one', async () => {
    const soh = await start();
    const tooLong = soh.client();
    tooLong.send('n'.repeat(257));
    await tooLong.waitClosed();
    const longest = await soh.join('n'.repeat(256));
    const alice = await soh.join('alice');
    alice.send('n'.repeat(256), 'hi');
    await longest.waitForDeliveries(1);
    expect(longest.received).toEqual(frame('alice', 'hi'));
  });

  it('drops a message whose receiver cannot be a name (too long or empty) and carries on', async () => {
    const soh = await start();
    const alice = await soh.join('alice');
    const bob = await soh.join('bob');
    alice.send('b'.repeat(257), 'x', '', 'y', 'bob', 'z');
    await bob.waitForDeliveries(1);
    expect(bob.received).toEqual(frame('alice', 'z'));
  });
});

describe('soh: field limit', () => {
  it('accepts a text of exactly maxFieldBytes and closes on one byte more', async () => {
    const soh = await start({ maxFieldBytes: 300 });
    const alice = await soh.join('alice');
    const bob = await soh.join('bob');
    alice.send('bob', 't'.repeat(300));
    await bob.waitForDeliveries(1);
    expect(bob.received).toEqual(frame('alice', 't'.repeat(300)));
    alice.send('bob', 't'.repeat(301));
    await alice.waitClosed();
    await waitFor('alice to be removed', async () => !(await soh.isActive('alice')));
    expect(bob.deliveries).toHaveLength(1);
  });

  it('closes as soon as an unfinished field passes the limit, without waiting for its 0x01', async () => {
    const soh = await start({ maxFieldBytes: 300 });
    const alice = await soh.join('alice');
    alice.write(frame('bob').toString() + 't'.repeat(301));
    await alice.waitClosed();
  });

  it('still handles the whole messages sent before an oversized field', async () => {
    const soh = await start({ maxFieldBytes: 300 });
    const bob = await soh.join('bob');
    const alice = soh.client();
    alice.write(Buffer.concat([frame('alice', 'bob', 'before'), Buffer.alloc(400, 0x61)]));
    await alice.waitClosed();
    await bob.waitForDeliveries(1);
    expect(bob.received).toEqual(frame('alice', 'before'));
  });
});

describe('soh: other protocols', () => {
  /** A session opened on the hub directly, as another adapter would. */
  async function otherProtocolUser(soh: SohHarness, name: string) {
    const received: ChatMessage[] = [];
    const sink: SessionSink = { deliver: (message) => received.push(message), replaced: () => {} };
    const session = soh.hub.open('test', 'x', sink)!;
    expect(await session.claimGuest(Name.fromText(name))).toBe('ok');
    return { session, received };
  }

  it('delivers a main-chat broadcast as SENDER 0x01 TEXT 0x01, its 0x01 removed, to every SOH user', async () => {
    const soh = await start();
    const alice = await soh.join('alice');
    const bob = await soh.join('bob');
    const web = await otherProtocolUser(soh, 'wéb');
    web.session.broadcast('hi\u0001 there \u0001\n');
    await Promise.all([alice.waitForDeliveries(1), bob.waitForDeliveries(1)]);
    const expected = frame('wéb', 'hi there \n');
    expect(alice.received).toEqual(expected);
    expect(bob.received).toEqual(expected);
  });

  it('delivers a direct message from another protocol as its UTF-8 bytes', async () => {
    const soh = await start();
    const alice = await soh.join('alice');
    const web = await otherProtocolUser(soh, 'web');
    await web.session.sendDirect([Name.fromText('alice')], 'ünïcödé \u0001!');
    await alice.waitForDeliveries(1);
    expect(alice.received).toEqual(frame('web', 'ünïcödé !'));
  });

  it('hands another protocol the SOH text bytes untouched', async () => {
    const soh = await start();
    const web = await otherProtocolUser(soh, 'web');
    const alice = await soh.join(Buffer.from([0x61, 0xff]));
    const text = Buffer.from([0x00, 0xff, 0x41]);
    alice.send('web', text);
    await waitFor('the delivery', () => web.received.length === 1);
    const [message] = web.received;
    expect(message!.bytes).toEqual(text);
    expect(message!.sender.bytes).toEqual(Buffer.from([0x61, 0xff]));
    expect(message!.direct).toBe(true);
  });

  it('is in the main chat: it gets main-chat broadcasts, not those of a private room', async () => {
    const soh = await start();
    const alice = await soh.join('alice');
    const web = await otherProtocolUser(soh, 'web');
    await web.session.createRoom('den');
    web.session.broadcast('only for the den');
    const other = await otherProtocolUser(soh, 'other');
    other.session.broadcast('for the main chat');
    await alice.waitForDeliveries(1);
    await sleep(30);
    expect(alice.received).toEqual(frame('other', 'for the main chat'));
  });
});

describe('soh: graceful close', () => {
  it('stops accepting, flushes deliveries, ends every connection and resolves', async () => {
    const soh = await start();
    const alice = await soh.join('alice');
    const silent = soh.client();
    const web = soh.hub.open('test', 'x', { deliver: () => {}, replaced: () => {} })!;
    await web.claimGuest(Name.fromText('web'));
    await web.sendDirect([Name.fromText('alice')], 'last words');
    await soh.closeServer();
    await Promise.all([alice.waitClosed(), silent.waitClosed()]);
    expect(alice.received).toEqual(frame('web', 'last words'));
    expect(await soh.isActive('alice')).toBe(false);
    const late = soh.client();
    await late.waitClosed();
    expect(late.received).toEqual(Buffer.alloc(0));
  });

  it('destroys a client that does not read within the grace period', async () => {
    const soh = await start();
    const stuck = await soh.join('stuck');
    stuck.socket.pause();
    const started = Date.now();
    await soh.closeServer();
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(soh.hub.connectionCount).toBe(0);
  });
});

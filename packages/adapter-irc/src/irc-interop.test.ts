import { connect, type Socket } from 'node:net';
import { encodeSohFields, SohFieldDecoder, sohAdapter } from '@switchboard/adapter-soh';
import { type Hub, type RunningAdapter, silentLogger } from '@switchboard/core';
import { createTestHub } from '@switchboard/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { ircAdapter } from './index.ts';
import { IrcTestClient } from './testing/irc-client.ts';
import { waitFor } from './testing/irc-harness.ts';

/** A raw SOH client: its name, then `RECEIVER␁TEXT␁` pairs; deliveries are `SENDER␁TEXT␁`. */
class SohPeer {
  readonly socket: Socket;
  readonly deliveries: [Buffer, Buffer][] = [];
  readonly #decoder = new SohFieldDecoder();
  #sender: Buffer | null = null;

  constructor(port: number, name: Buffer | string) {
    this.socket = connect({ host: '127.0.0.1', port });
    this.socket.on('error', () => {});
    this.socket.on('data', (chunk: Buffer) => {
      for (const field of this.#decoder.push(chunk)) {
        if (this.#sender === null) this.#sender = field;
        else {
          this.deliveries.push([this.#sender, field]);
          this.#sender = null;
        }
      }
    });
    this.socket.write(encodeSohFields([Buffer.from(name)]));
  }

  send(receiver: Buffer | string, text: Buffer | string): void {
    this.socket.write(encodeSohFields([Buffer.from(receiver), Buffer.from(text)]));
  }
}

let hub: Hub;
let adapters: RunningAdapter[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(adapters.map((adapter) => adapter.close()));
  adapters = [];
  hub?.close();
});

async function serveBoth() {
  hub = createTestHub();
  const context = { hub, logger: silentLogger, host: '127.0.0.1', port: 0 };
  const irc = await ircAdapter.start({ ...context, options: ircAdapter.optionsSchema.parse({}) });
  const soh = await sohAdapter.start({ ...context, options: sohAdapter.optionsSchema.parse({}) });
  adapters = [irc, soh];
  const ircClient = async (nick: string) => {
    const client = new IrcTestClient(irc.port);
    sockets.push(client.socket);
    await client.register(nick);
    return client;
  };
  const sohPeer = async (name: Buffer | string) => {
    const peer = new SohPeer(soh.port, name);
    sockets.push(peer.socket);
    const key = Buffer.from(name).toString('latin1');
    await waitFor('the SOH name', async () => (await hub.activeNames()).some((n) => n.key === key));
    return peer;
  };
  return { ircClient, sohPeer };
}

const texts = (peer: SohPeer) =>
  peer.deliveries.map(([sender, text]) => [sender.toString('latin1'), text.toString('latin1')]);

describe('IRC and SOH in one chat', () => {
  it('carries direct messages both ways', async () => {
    const { ircClient, sohPeer } = await serveBoth();
    const alice = await ircClient('alice');
    const raw = await sohPeer('raw');
    raw.send('alice', 'hello from soh');
    const got = await alice.expectCommand('PRIVMSG');
    expect([got.prefix, ...got.params]).toEqual(['raw!chat@switchboard', 'alice', 'hello from soh']);
    alice.send('PRIVMSG raw :hello from irc, привет');
    await waitFor('the SOH delivery', () => raw.deliveries.length === 1);
    expect(raw.deliveries[0]![0].toString()).toBe('alice');
    expect(raw.deliveries[0]![1].toString('utf8')).toBe('hello from irc, привет');
  });

  it('delivers a #main message to the SOH user, who is in the main chat', async () => {
    const { ircClient, sohPeer } = await serveBoth();
    const alice = await ircClient('alice');
    const raw = await sohPeer('raw');
    alice.send('PRIVMSG #main :to everyone');
    await waitFor('the broadcast', () => raw.deliveries.length === 1);
    expect(texts(raw)).toEqual([['alice', 'to everyone']]);
  });

  it('shows a SOH name of any bytes by its escaped nick, and the IRC answer reaches it', async () => {
    const { ircClient, sohPeer } = await serveBoth();
    const alice = await ircClient('alice');
    const odd = Buffer.from([0x6f, 0x20, 0x64, 0xff, 0x00]);
    const peer = await sohPeer(odd);
    peer.send('alice', Buffer.from('line1\r\nline2\u0000end'));
    const got = await alice.expectCommand('PRIVMSG');
    expect(got.prefix).toBe('o\\20d\\FF\\00!chat@switchboard');
    expect(got.params[1]).toBe('line1\u240d\u240aline2\u2400end');
    alice.send('PRIVMSG o\\20d\\FF\\00 :found you');
    await waitFor('the answer', () => peer.deliveries.length === 1);
    expect(peer.deliveries[0]![1].toString()).toBe('found you');
  });

  it('hands the SOH user U+FFFD for bytes from IRC that are not UTF-8', async () => {
    const { ircClient, sohPeer } = await serveBoth();
    const alice = await ircClient('alice');
    const raw = await sohPeer('raw');
    alice.write(Buffer.concat([Buffer.from('PRIVMSG raw :caf'), Buffer.from([0xe9]), Buffer.from('\r\n')]));
    await waitFor('the delivery', () => raw.deliveries.length === 1);
    expect(raw.deliveries[0]![1].toString('utf8')).toBe('caf\uFFFD');
  });

  it('answers a PRIVMSG to a SOH user who left with 401', async () => {
    const { ircClient, sohPeer } = await serveBoth();
    const alice = await ircClient('alice');
    const raw = await sohPeer('raw');
    raw.socket.destroy();
    await waitFor('raw gone', async () => (await hub.activeNames()).length === 1);
    alice.send('PRIVMSG raw :are you there?');
    expect((await alice.expectCommand('401')).params[1]).toBe('raw');
  });
});

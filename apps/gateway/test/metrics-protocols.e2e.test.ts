import { createConnection, type Socket } from 'node:net';
import { Name, silentLogger } from '@switchboard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { loadConfig } from '../src/config.ts';
import { type RunningGateway, startGateway } from '../src/gateway.ts';
import { tempDir } from './gateway-process.ts';
import { type Exposition, parsePrometheusText, sampleValue } from './prometheus-parse.ts';

/**
 * The per-protocol series of /metrics, moved by real clients on real sockets of one gateway:
 * bytes counted exactly as the clients wrote and read them (inside the framing), drops under
 * their reason, rate pauses, failed logins and locks, identification latency, the gauges.
 */
const PROTOCOLS = ['json-ws', 'tcp-rooms', 'sessions', 'rs-us', 'soh', 'irc'] as const;
const MAX_TEXT = 100;
const MAX_LINE = 200;
const MAX_RS_US = 300;
const MAX_SOH_FIELD = 70_000;

let gateway: RunningGateway;

async function scrape(): Promise<Exposition> {
  const response = await fetch(`http://127.0.0.1:${gateway.ports.admin}/metrics`);
  return parsePrometheusText(await response.text());
}

const value = (metrics: Exposition, name: string, protocol: string, more: Record<string, string> = {}) =>
  sampleValue(metrics, name, { protocol, ...more });

async function until<T>(
  what: string,
  read: () => Promise<T>,
  ok: (value: T) => boolean,
  ms = 10_000,
): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const got = await read();
    if (ok(got)) return got;
    if (performance.now() > deadline)
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(got)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A TCP client that counts every byte it wrote and read. */
class CountingTcp {
  readonly socket: Socket;
  written = 0;
  read = 0;
  text = '';
  closed: Promise<void>;
  constructor(port: number) {
    this.socket = createConnection({ host: '127.0.0.1', port });
    this.socket.on('data', (chunk: Buffer) => {
      this.read += chunk.length;
      this.text += chunk.toString('latin1');
    });
    this.socket.on('error', () => {});
    this.closed = new Promise((resolve) => this.socket.once('close', () => resolve()));
  }
  write(data: string | Buffer): void {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    this.written += bytes.length;
    this.socket.write(bytes);
  }
  async see(fragment: string, ms = 5_000): Promise<void> {
    await until(
      `${JSON.stringify(fragment)} from the server`,
      async () => this.text,
      (text) => text.includes(fragment),
      ms,
    );
  }
}

/** A WebSocket client that counts the payload bytes of the messages it sent and received. */
class CountingWs {
  readonly ws: WebSocket;
  written = 0;
  read = 0;
  readonly frames: string[] = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<number>;
  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.on('message', (data: Buffer) => {
      this.read += data.length;
      this.frames.push(data.toString());
    });
    this.ws.on('error', () => {});
    this.opened = new Promise((resolve) => this.ws.once('open', () => resolve()));
    this.closed = new Promise((resolve) => this.ws.once('close', (code) => resolve(code)));
  }
  send(frame: string | object): void {
    const text = typeof frame === 'string' ? frame : JSON.stringify(frame);
    this.written += Buffer.byteLength(text);
    this.ws.send(text);
  }
  async see(fragment: string): Promise<void> {
    await until(
      `${fragment} on the WebSocket`,
      async () => this.frames.join('\n'),
      (all) => all.includes(fragment),
    );
  }
}

/** Every counter of one protocol as /metrics shows it now. */
async function countersOf(protocol: string) {
  const metrics = await scrape();
  const read = (name: string, more: Record<string, string> = {}) => value(metrics, name, protocol, more);
  return {
    bytesIn: read('switchboard_bytes_received_total'),
    bytesOut: read('switchboard_bytes_sent_total'),
    received: read('switchboard_messages_received_total'),
    delivered: read('switchboard_messages_delivered_total'),
    slowReader: read('switchboard_dropped_total', { reason: 'slow_reader' }),
    unknown: read('switchboard_dropped_total', { reason: 'unknown_recipient' }),
    oversized: read('switchboard_dropped_total', { reason: 'oversized' }),
    rateLimited: read('switchboard_rate_limited_total'),
    loginFailures: read('switchboard_login_failures_total'),
    loginThrottled: read('switchboard_login_throttled_total'),
    loginLocks: read('switchboard_login_locks_total'),
    open: read('switchboard_connections_open'),
    identified: read('switchboard_connections_identified'),
    identifications: read('switchboard_identification_seconds_count'),
  };
}

type Counters = Awaited<ReturnType<typeof countersOf>>;
const delta = (after: Counters, before: Counters) =>
  Object.fromEntries(Object.entries(after).map(([key, v]) => [key, v - before[key as keyof Counters]]));

beforeAll(async () => {
  const config = loadConfig({
    env: {},
    flags: {
      host: '127.0.0.1',
      dataDir: tempDir(),
      scryptCost: 1024,
      admin: { port: 0 },
      limits: {
        maxQueuedBytes: 64 * 1024,
        messagesPerSecond: 40,
        messageBurst: 40,
        bytesPerSecond: 256 * 1024 * 1024,
        byteBurst: 256 * 1024 * 1024,
      },
      throttle: { maxFailuresPerName: 3, maxFailuresPerAddress: 1000 },
      adapters: {
        'json-ws': { port: 0, maxTextCodePoints: MAX_TEXT },
        'tcp-rooms': { port: 0, maxLineBytes: MAX_LINE },
        sessions: { port: 0, maxTextCodePoints: MAX_TEXT },
        'rs-us': { port: 0, maxMessageBytes: MAX_RS_US },
        soh: { port: 0, maxFieldBytes: MAX_SOH_FIELD },
        irc: { port: 0 },
      },
    },
  });
  gateway = await startGateway(config, silentLogger);
  await gateway.hub.addAccount(Name.fromText('dave'), 'right');
  await gateway.hub.addAccount(Name.fromText('erin'), 'right');
  await gateway.hub.addAccount(Name.fromText('frank'), 'right');
});

afterAll(async () => {
  await gateway?.stop();
});

describe('/metrics per protocol, from real sockets', () => {
  it('has every per-protocol series for every adapter from the start', async () => {
    const metrics = await scrape();
    for (const protocol of PROTOCOLS) {
      expect(value(metrics, 'switchboard_connections_open', protocol)).toBe(0);
      expect(value(metrics, 'switchboard_bytes_received_total', protocol)).toBe(0);
      expect(value(metrics, 'switchboard_identification_seconds_bucket', protocol, { le: '+Inf' })).toBe(0);
    }
  });

  it('soh: bytes in and out are exactly what the clients wrote and read; a message and its delivery; an unknown receiver', async () => {
    const before = await countersOf('soh');
    const alice = new CountingTcp(gateway.ports.soh!);
    const bob = new CountingTcp(gateway.ports.soh!);
    alice.write('alice\x01');
    bob.write('bob\x01');
    await until(
      'both named',
      () => countersOf('soh'),
      (c) => c.identified - before.identified === 2,
    );
    alice.write('bob\x01hello bob\x01ghost\x01anyone?\x01');
    await bob.see('alice\x01hello bob\x01');
    const mid = await countersOf('soh');
    expect(delta(mid, before)).toMatchObject({
      bytesIn: alice.written + bob.written,
      bytesOut: bob.read,
      received: 2,
      delivered: 1,
      unknown: 1,
      open: 2,
      identified: 2,
      identifications: 2,
    });
    alice.socket.destroy();
    bob.socket.destroy();
    await until(
      'both closed',
      () => countersOf('soh'),
      (c) => c.open === before.open,
    );
  });

  it('tcp-rooms: bytes both ways match a whole dialogue; a failed login; a line too long; /msg to nobody', async () => {
    const before = await countersOf('tcp-rooms');
    const wrong = new CountingTcp(gateway.ports['tcp-rooms']!);
    await wrong.see('Enter your nickname:');
    wrong.write('dave\n');
    await wrong.see('Password:');
    wrong.write('nope\n');
    await wrong.see('Wrong password.');
    await wrong.closed;
    const user = new CountingTcp(gateway.ports['tcp-rooms']!);
    await user.see('Enter your nickname:');
    user.write('erin\r\n');
    await user.see('Password:');
    user.write('right\n');
    await user.see('Welcome back, erin!');
    user.write(`${'x'.repeat(MAX_LINE + 1)}\n`);
    await user.see('Line too long.');
    user.write('/msg ghost hi\n');
    await user.see('No such user: ghost.');
    const after = await countersOf('tcp-rooms');
    expect(delta(after, before)).toMatchObject({
      bytesIn: wrong.written + user.written,
      bytesOut: wrong.read + user.read,
      loginFailures: 1,
      oversized: 1,
      unknown: 1,
      received: 1,
      open: 1,
      identified: 1,
      identifications: 1,
    });
    user.socket.destroy();
    await until(
      'closed',
      () => countersOf('tcp-rooms'),
      (c) => c.open === before.open && c.identified === before.identified,
    );
  });

  it('rs-us: failed logins begin a lock, the next attempt is refused unchecked; an oversized message closes with io_error', async () => {
    const before = await countersOf('rs-us');
    const client = new CountingTcp(gateway.ports['rs-us']!);
    for (let i = 0; i < 3; i++) client.write('login\x1ffrank\x1fwrong\x1e');
    client.write('login\x1ffrank\x1fright\x1e');
    await until(
      'four answers',
      async () => client.text.split('\x1e').length - 1,
      (n) => n === 4,
    );
    expect(client.text).toBe('login_invalid\x1e'.repeat(4));
    const locked = await countersOf('rs-us');
    expect(delta(locked, before)).toMatchObject({ loginFailures: 3, loginLocks: 1, loginThrottled: 1 });
    client.write('login\x1ferin\x1fright\x1e');
    await client.see('login_valid');
    client.write('send\x1fghost\x1fhi\x1e');
    await client.see('unknown_recipient');
    client.write(`broadcast\x1f${'y'.repeat(MAX_RS_US)}\x1e`);
    await client.see('io_error');
    await client.closed;
    const after = await until(
      'closed',
      () => countersOf('rs-us'),
      (c) => c.open === before.open,
    );
    expect(delta(after, before)).toMatchObject({
      bytesIn: client.written,
      bytesOut: client.read,
      unknown: 1,
      oversized: 1,
      received: 1,
      open: 0,
      identified: 0,
      identifications: 1,
    });
  });

  it('json-ws: payload bytes both ways; a text over the limit and a frame over the hard limit; an unknown recipient', async () => {
    const before = await countersOf('json-ws');
    const url = `ws://127.0.0.1:${gateway.ports['json-ws']}/`;
    const client = new CountingWs(url);
    await client.opened;
    client.send({ type: 'hello', data: { user: 'wsuser' } });
    await client.see('chat_status');
    client.send({ type: 'send_message', data: { recievers: ['ghost'], text: 'hi' } });
    await client.see('ghost');
    client.send({ type: 'send_message', data: { text: 'z'.repeat(MAX_TEXT + 1) } });
    await client.see('not sent');
    const mid = await countersOf('json-ws');
    expect(delta(mid, before)).toMatchObject({
      bytesIn: client.written,
      bytesOut: client.read,
      unknown: 1,
      oversized: 1,
      received: 1,
      open: 1,
      identified: 1,
      identifications: 1,
    });
    client.ws.send('q'.repeat(2 * 1024 * 1024));
    expect(await client.closed).toBe(1009);
    const after = await until(
      'the close counted',
      () => countersOf('json-ws'),
      (c) => c.open === before.open,
    );
    expect(after.oversized - before.oversized).toBe(2);
  });

  it('sessions: the session id and chat frames counted as payload bytes; a frame over the hard limit', async () => {
    const before = await countersOf('sessions');
    const client = new CountingWs(`ws://127.0.0.1:${gateway.ports.sessions}/?client_id=sess1`);
    await until(
      'the session id',
      async () => client.frames.length,
      (n) => n === 1,
    );
    client.send({ type: 'send_message', data: { recievers: ['nobody'], text: 'hello' } });
    await client.see('nobody');
    const mid = await countersOf('sessions');
    expect(delta(mid, before)).toMatchObject({
      bytesIn: client.written,
      bytesOut: client.read,
      unknown: 1,
      received: 1,
      open: 1,
      identified: 1,
      identifications: 1,
    });
    client.ws.send('q'.repeat(2 * 1024 * 1024));
    expect(await client.closed).toBe(1009);
    const after = await until(
      'the close counted',
      () => countersOf('sessions'),
      (c) => c.open === before.open,
    );
    expect(after.oversized - before.oversized).toBe(1);
  });

  it('irc: bytes both ways match the registration burst and a line too long (417, counted oversized)', async () => {
    const before = await countersOf('irc');
    const client = new CountingTcp(gateway.ports.irc!);
    client.write('NICK ircy\r\nUSER ircy 0 * :Irc User\r\n');
    await client.see(' 001 ircy ');
    client.write(`PRIVMSG #main :${'i'.repeat(600)}\r\n`);
    await client.see(' 417 ');
    client.write('PING :done\r\n');
    await client.see('PONG');
    await until(
      'the PONG line whole',
      async () => client.text,
      (text) => text.endsWith('\r\n'),
    );
    const after = await countersOf('irc');
    expect(delta(after, before)).toMatchObject({
      bytesIn: client.written,
      bytesOut: client.read,
      oversized: 1,
      received: 0,
      open: 1,
      identified: 1,
      identifications: 1,
    });
    client.socket.destroy();
    await until(
      'closed',
      () => countersOf('irc'),
      (c) => c.open === before.open,
    );
  });

  it('soh: a flood over the message rate pauses reading (counted) and loses nothing; a field over the limit closes', async () => {
    const before = await countersOf('soh');
    const sender = new CountingTcp(gateway.ports.soh!);
    const receiver = new CountingTcp(gateway.ports.soh!);
    sender.write('flooder\x01');
    receiver.write('sink\x01');
    await until(
      'both named',
      () => countersOf('soh'),
      (c) => c.identified - before.identified === 2,
    );
    const count = 120;
    sender.write(Buffer.from('sink\x01m\x01'.repeat(count)));
    await until(
      'every message',
      async () => receiver.text.split('flooder\x01m\x01').length - 1,
      (n) => n === count,
    );
    const flooded = await countersOf('soh');
    expect(flooded.rateLimited - before.rateLimited).toBeGreaterThanOrEqual(1);
    expect(flooded.delivered - before.delivered).toBe(count);
    sender.write(Buffer.alloc(MAX_SOH_FIELD + 1, 0x61));
    await sender.closed;
    const after = await countersOf('soh');
    expect(after.oversized - before.oversized).toBe(1);
    receiver.socket.destroy();
  });

  it('json-ws: frames over the message rate pause reading (counted under json-ws), every one answered', async () => {
    const before = await countersOf('json-ws');
    const client = new CountingWs(`ws://127.0.0.1:${gateway.ports['json-ws']}/`);
    await client.opened;
    client.send({ type: 'hello', data: { user: 'hasty' } });
    await client.see('chat_status');
    const count = 90;
    for (let i = 0; i < count; i++) client.send({ type: 'recieve_status' });
    await until(
      'every answer',
      async () => client.frames.length,
      (n) => n === count + 1,
      15_000,
    );
    const after = await countersOf('json-ws');
    expect(after.rateLimited - before.rateLimited).toBeGreaterThanOrEqual(1);
    expect(after.bytesIn - before.bytesIn).toBe(client.written);
    expect(after.bytesOut - before.bytesOut).toBe(client.read);
    client.ws.close();
    await until(
      'closed',
      () => countersOf('json-ws'),
      (c) => c.open === before.open,
    );
  });

  it('a json-ws recipient that stops reading is a slow-reader drop of json-ws, not of the soh sender', async () => {
    const before = { ws: await countersOf('json-ws'), soh: await countersOf('soh') };
    const stuck = new CountingWs(`ws://127.0.0.1:${gateway.ports['json-ws']}/`);
    await stuck.opened;
    stuck.send({ type: 'hello', data: { user: 'stuckws' } });
    await stuck.see('chat_status');
    (stuck.ws as unknown as { _socket: Socket })._socket.pause();
    const sender = new CountingTcp(gateway.ports.soh!);
    sender.write('pusher2\x01');
    await until(
      'named',
      () => countersOf('soh'),
      (c) => c.identified - before.soh.identified === 1,
    );
    const big = Buffer.from(`stuckws\x01${'w'.repeat(MAX_SOH_FIELD - 10)}\x01`);
    for (let round = 0; round < 400; round++) {
      if ((await countersOf('json-ws')).slowReader > before.ws.slowReader) break;
      sender.write(big);
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    const after = await until(
      'the drop',
      () => countersOf('json-ws'),
      (c) => c.open === before.ws.open,
    );
    expect(after.slowReader - before.ws.slowReader).toBe(1);
    expect((await countersOf('soh')).slowReader).toBe(before.soh.slowReader);
    stuck.ws.terminate();
    sender.socket.destroy();
  });

  it('soh: a recipient that stops reading is dropped and counted as a slow reader; the sender is not', async () => {
    const before = await countersOf('soh');
    const sender = new CountingTcp(gateway.ports.soh!);
    const stuck = new CountingTcp(gateway.ports.soh!);
    sender.write('pusher\x01');
    stuck.write('stuck\x01');
    await until(
      'both named',
      () => countersOf('soh'),
      (c) => c.identified - before.identified === 2,
    );
    stuck.socket.pause();
    const big = Buffer.from(`stuck\x01${'b'.repeat(MAX_SOH_FIELD - 10)}\x01`);
    for (let round = 0; round < 400; round++) {
      const now = await countersOf('soh');
      if (now.slowReader > before.slowReader) break;
      sender.write(big);
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    const after = await until(
      'the drop',
      () => countersOf('soh'),
      (c) => c.open - before.open === 1,
    );
    stuck.socket.destroy();
    expect(after.slowReader - before.slowReader).toBe(1);
    expect(after.open - before.open).toBe(1); // the sender is still there
    sender.socket.destroy();
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { Name } from '../names/name.ts';
import {
  eventually,
  type LineBehaviour,
  type LineServer,
  type LineServerOptions,
  lineServer,
  sleep,
  turn,
} from './connection-test-kit.ts';

// The connection runtime itself, over real TCP sockets, with a line protocol (connection-test-kit)
// and the core's fake clock driving the hub: time moves only when a test says so.

const servers: LineServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function serve(options: LineServerOptions = {}): Promise<LineServer> {
  const server = await lineServer(options);
  servers.push(server);
  return server;
}

/** A promise and its resolvers, for a frame whose answer a test holds back. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
}

describe('admission', () => {
  it('tells a connection over the per-address limit its refusal, then closes it; hooks never run', async () => {
    const line = await serve({ limits: { maxConnectionsPerAddress: 2 }, settings: { refusal: 'busy\n' } });
    const first = await line.client();
    const second = await line.client();
    const third = await line.client();
    third.send('hello?', 'name intruder');
    await third.closed;
    expect(third.text).toBe('busy\n');
    expect(third.ended).toBe(true); // a FIN after the refusal, not a reset
    const refused = await line.connection(2);
    expect(refused.admitted).toBe(false);
    expect(refused.finished).toBe(true);
    expect(refused.lines).toEqual([]);
    expect(line.runtime.stats.refused).toBe(1);
    expect(line.runtime.size).toBe(2);

    first.send('one');
    second.send('two');
    expect(await first.waitForLines(1)).toEqual(['echo one']);
    expect(await second.waitForLines(1)).toEqual(['echo two']);
    // A slot freed is a slot for the next.
    first.socket.destroy();
    await eventually(() => expect(line.hub.connectionCount).toBe(1));
    const fourth = await line.client();
    fourth.send('four');
    expect(await fourth.waitForLines(1)).toEqual(['echo four']);
    expect(line.runtime.stats.refused).toBe(1);
  });

  it('closes a refused connection without a word when the protocol has none', async () => {
    const line = await serve({ limits: { maxConnections: 1 } });
    const first = await line.client();
    const second = await line.client();
    await second.closed;
    expect(second.text).toBe('');
    first.send('still');
    expect(await first.waitForLines(1)).toEqual(['echo still']);
  });
});

describe('ordered input with back-pressure', () => {
  it('holds pipelined frames while one waits, stops reading the socket, then handles all in order', async () => {
    const gate = deferred();
    const behaviour: LineBehaviour = (connection, text) => {
      if (text !== 'wait') return undefined;
      connection.say(`echo ${text}`);
      return gate.promise;
    };
    const line = await serve({ behaviour });
    const client = await line.client();
    const connection = await line.connection(0);
    const count = 200_000;
    const filler = 'f'.repeat(90);
    const payload = ['wait', ...Array.from({ length: count }, (_, i) => `${i} ${filler}`)]
      .map((text) => `${text}\n`)
      .join('');
    const bytes = Buffer.byteLength(payload);
    // ~19 MB, far more than the kernel's buffers hold, in 64 KiB writes (so the client's
    // writableLength shows what is still unsent).
    for (let at = 0; at < bytes; at += 64 * 1024) client.socket.write(payload.slice(at, at + 64 * 1024));
    await eventually(() => expect(connection.lines).toEqual(['wait']));

    // Reading stopped: what the server read stops growing, and the rest stays in the client's
    // buffer because the kernel's buffers filled up behind the paused socket.
    let read = line.runtime.stats.bytesIn;
    for (;;) {
      await sleep(50);
      if (line.runtime.stats.bytesIn === read) break;
      read = line.runtime.stats.bytesIn;
    }
    await sleep(100);
    expect(line.runtime.stats.bytesIn).toBe(read);
    expect(read).toBeLessThan(bytes / 4);
    expect(client.socket.writableLength).toBeGreaterThan(bytes / 4);
    expect(connection.lines).toEqual(['wait']);
    expect(client.lines).toEqual(['echo wait']);

    gate.resolve();
    await eventually(() => expect(connection.lines).toHaveLength(count + 1), 10_000);
    expect(line.runtime.stats.bytesIn).toBe(bytes);
    for (let i = 0; i < count; i++) {
      if (connection.lines[i + 1] !== `${i} ${filler}`) throw new Error(`line ${i} out of order`);
    }
  });

  it('does not decode later frames while a claim is pending, and handles them after it', async () => {
    const line = await serve();
    const client = await line.client();
    client.send('name alice', 'first', 'second');
    expect(await client.waitForLines(3)).toEqual(['welcome', 'echo first', 'echo second']);
  });
});

describe('rate', () => {
  it('lets the burst through, holds the next ~1/rate on the clock, loses nothing', async () => {
    const line = await serve({ limits: { messagesPerSecond: 10, messageBurst: 5 } });
    const client = await line.client();
    const connection = await line.connection(0);
    client.send(...Array.from({ length: 8 }, (_, i) => `m${i}`));
    await client.waitForLines(5);
    await sleep(100); // real time passes, the fake clock does not: nothing more
    expect(connection.lines).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    expect(line.runtime.stats.rateLimited).toBe(1);

    line.clock.advance(99);
    await turn();
    expect(connection.lines).toHaveLength(5);
    line.clock.advance(1); // 1/rate = 100 ms after the burst
    expect(connection.lines).toHaveLength(6);
    line.clock.advance(100);
    expect(connection.lines).toHaveLength(7);
    line.clock.advance(100);
    expect(connection.lines).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']);
    expect(await client.waitForLines(8)).toEqual(connection.lines.map((text) => `echo ${text}`));
    expect(line.runtime.stats.rateLimited).toBe(3);
    expect(client.isClosed).toBe(false);
  });

  it('holds a giant frame that is still arriving to the byte rate', async () => {
    const bytesPerSecond = 10_000;
    const line = await serve({
      limits: { bytesPerSecond, byteBurst: bytesPerSecond },
      maxLineBytes: 1024 * 1024,
    });
    const client = await line.client();
    const connection = await line.connection(0);
    const giant = 'g'.repeat(300_000);
    client.socket.write(giant); // no newline yet: one partial frame
    client.send('', 'after');

    await eventually(() => expect(line.runtime.stats.rateLimited).toBeGreaterThan(0));
    await sleep(100);
    // Paused in debt: far from all of it was read.
    expect(line.runtime.stats.bytesIn).toBeLessThan(giant.length / 2);
    expect(connection.lines).toEqual([]);

    let advanced = 0;
    for (let steps = 0; connection.lines.length < 2 && steps < 1_000; steps++) {
      line.clock.advance(500);
      advanced += 500;
      await sleep(2);
    }
    expect(connection.lines).toEqual([giant, 'after']);
    // 300 KB at 10 KB/s, a 10 KB burst: about 29 s of clock, not less.
    expect(advanced).toBeGreaterThanOrEqual(((giant.length - bytesPerSecond) / bytesPerSecond) * 1000);
    expect(client.isClosed).toBe(false);
  });
});

describe('outbound queue', () => {
  it('drops a client that stops reading once its backlog passes maxQueuedBytes; others are unaffected', async () => {
    const maxQueuedBytes = 256 * 1024;
    const line = await serve({ limits: { maxQueuedBytes } });
    const slow = await line.client();
    const steady = await line.client();
    slow.send('name slow');
    steady.send('name steady');
    await Promise.all([slow.waitForLines(1), steady.waitForLines(1)]);
    const slowConnection = await line.connection(0);
    slow.socket.pause();

    const sender = line.hub.open('test', 'elsewhere', { deliver: () => {}, replaced: () => {} });
    if (!sender) throw new Error('refused');
    expect(await sender.claimGuest(Name.fromText('sender'))).toBe('ok');
    const big = 'x'.repeat(16 * 1024);
    let written = 0;
    let toSteady = 0;
    for (let i = 0; i < 5_000 && line.runtime.stats.slowReaderDrops === 0; i++) {
      await sender.sendDirect([Name.fromText('slow')], big);
      written += big.length;
      if (i % 4 === 0) {
        await sender.sendDirect([Name.fromText('steady')], `s${toSteady++}`);
        await turn(); // let the kernel take what it will
      }
    }
    expect(line.runtime.stats.slowReaderDrops).toBe(1);
    expect(slowConnection.finished).toBe(true);
    // The kernel took some; what stayed queued passed the limit, and no more was queued after.
    expect(written).toBeGreaterThan(maxQueuedBytes);
    slow.socket.resume(); // to read the server's FIN
    await slow.closed;
    await eventually(async () =>
      expect((await line.hub.activeNames()).map((n) => n.text)).not.toContain('slow'),
    );

    await sender.sendDirect([Name.fromText('steady')], 'still here');
    const lines = await steady.waitForLines(toSteady + 2);
    expect(lines).toEqual([
      'welcome',
      ...Array.from({ length: toSteady }, (_, i) => `from sender: s${i}`),
      'from sender: still here',
    ]);
    expect(line.runtime.stats.slowReaderDrops).toBe(1);
    sender.close();
  });
});

describe('inputs waiting', () => {
  it('drops a connection whose waiting inputs pass maxQueuedInputs when the transport cannot pause', async () => {
    const gate = deferred();
    const behaviour: LineBehaviour = (connection, text) => {
      if (text === 'wait') return gate.promise;
      connection.say(`echo ${text}`);
      return undefined;
    };
    const line = await serve({ behaviour, ignorePause: true, settings: { maxQueuedInputs: 3 } });
    const flood = await line.client();
    const calm = await line.client();
    const connection = await line.connection(0);
    flood.send('wait');
    await eventually(() => expect(connection.lines).toEqual(['wait']));
    // One input is being decoded, three more may wait behind it.
    for (let i = 0; i < 4; i++) {
      flood.send(`queued ${i}`);
      await eventually(() => expect(line.runtime.stats.bytesIn).toBe(5 + (i + 1) * 9));
    }
    expect(connection.finished).toBe(false);
    flood.send('one too many');
    await flood.closed;
    expect(connection.finished).toBe(true);
    expect(connection.lines).toEqual(['wait']); // nothing queued was handled after the drop
    gate.resolve();
    calm.send('fine');
    expect(await calm.waitForLines(1)).toEqual(['echo fine']);
  });

  it('handles everything that waited within maxQueuedInputs, in order', async () => {
    const gate = deferred();
    const behaviour: LineBehaviour = (_connection, text) => (text === 'wait' ? gate.promise : undefined);
    const line = await serve({ behaviour, ignorePause: true, settings: { maxQueuedInputs: 3 } });
    const client = await line.client();
    const connection = await line.connection(0);
    client.send('wait');
    await eventually(() => expect(connection.lines).toEqual(['wait']));
    for (let i = 0; i < 4; i++) {
      client.send(`queued ${i}`);
      await eventually(() => expect(line.runtime.stats.bytesIn).toBe(5 + (i + 1) * 9));
    }
    gate.resolve();
    await eventually(() =>
      expect(connection.lines).toEqual(['wait', 'queued 0', 'queued 1', 'queued 2', 'queued 3']),
    );
    expect(connection.finished).toBe(false);
  });
});

describe('failures', () => {
  it('drops a connection whose handler throws or rejects; the others and the process carry on', async () => {
    const behaviour: LineBehaviour = (connection, text) => {
      if (text === 'throw') throw new Error('handler threw');
      if (text === 'reject') return Promise.reject(new Error('handler rejected'));
      connection.say(`echo ${text}`);
      return undefined;
    };
    const line = await serve({ behaviour });
    const thrower = await line.client();
    const rejecter = await line.client();
    const bystander = await line.client();
    const throwing = await line.connection(0);
    const rejecting = await line.connection(1);
    thrower.send('before', 'throw', 'after');
    rejecter.send('before', 'reject', 'after');
    await Promise.all([thrower.closed, rejecter.closed]);
    expect(throwing.lines).toEqual(['before', 'throw']);
    expect(rejecting.lines).toEqual(['before', 'reject']);
    expect(line.logged.filter((entry) => entry.message === 'a connection failed')).toHaveLength(2);
    await eventually(() => expect(line.runtime.size).toBe(1));

    bystander.send('fine');
    expect(await bystander.waitForLines(1)).toEqual(['echo fine']);
    // A new connection is served as usual.
    const next = await line.client();
    next.send('new');
    expect(await next.waitForLines(1)).toEqual(['echo new']);
  });

  it('handles no later input once a frame has failed, whether it threw or rejected later', async () => {
    const behaviour: LineBehaviour = (connection, text) => {
      if (text === 'reject later') return sleep(20).then(() => Promise.reject(new Error('late failure')));
      connection.say(`echo ${text}`);
      return undefined;
    };
    const line = await serve({ behaviour });
    const client = await line.client();
    const connection = await line.connection(0);
    client.send('reject later', 'after', 'and more');
    await client.closed;
    expect(connection.lines).toEqual(['reject later']);
    expect(client.lines).toEqual([]);
    expect(line.logged.filter((entry) => entry.message === 'a connection failed')).toHaveLength(1);
  });

  it('leaves no rejection unhandled when a handler closes its connection and then fails', async () => {
    const behaviour: LineBehaviour = (connection, text) => {
      if (text !== 'close and fail') return undefined;
      connection.close('bye\n');
      return Promise.reject(new Error('failed after closing'));
    };
    const line = await serve({ behaviour });
    const client = await line.client();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      client.send('close and fail');
      await client.closed;
      await sleep(20);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(client.text).toBe('bye\n');
    expect(unhandled).toEqual([]);
  });

  it('drops input that breaks the codec (a frame over the limit), counted as oversized', async () => {
    const line = await serve({ maxLineBytes: 100 });
    const client = await line.client();
    client.send('short', 'x'.repeat(500));
    await client.closed;
    expect(client.lines).toEqual(['echo short']);
    expect(line.runtime.stats.oversized).toBe(1);
  });
});

import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { dial, type EchoServer, readAll, receive, startEchoServer } from './edge-test-kit.ts';
import { encodeProxyV1, encodeProxyV2 } from './proxy-protocol.ts';

const client = { address: '203.0.113.7', port: 40_000 };
const proxy = { address: '127.0.0.1', port: 7070 };

let server: EchoServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

describe('TCP listener without trusted proxies', () => {
  it('hands the connection over at once with the peer address, and passes bytes untouched', async () => {
    server = await startEchoServer();
    const socket = await dial(server.listener.port);
    expect(await receive(socket, 'hello 127.0.0.1\n')).toBe('hello 127.0.0.1\n');
    // Bytes that start like a signature but are not one reach the protocol, split or not.
    socket.write('PRO');
    await sleep(50);
    socket.write('FILE\n');
    await receive(socket, 'PROFILE\n');
    socket.write('PROXIMA\n');
    await receive(socket, 'PROXIMA\n');
    socket.destroy();
  });

  it('refuses a PROXY header from an untrusted address before the protocol sees it', async () => {
    server = await startEchoServer();
    for (const header of [encodeProxyV1(client, proxy), encodeProxyV2(client, proxy)]) {
      const socket = await dial(server.listener.port);
      await receive(socket, 'hello 127.0.0.1\n');
      // Sent in pieces: the signature is recognised across them.
      socket.write(header.subarray(0, 3));
      await sleep(30);
      socket.write(Buffer.concat([header.subarray(3), Buffer.from('alice\n')]));
      expect(await readAll(socket)).toBe('');
    }
    expect(server.logger.lines.some((line) => line.msg?.includes('untrusted address refused'))).toBe(true);
  });

  it('a first chunk cut inside what looks like a signature still arrives when the client ends', async () => {
    server = await startEchoServer();
    const socket = await dial(server.listener.port);
    await receive(socket, 'hello');
    socket.end('PROX');
    expect(await readAll(socket)).toBe('PROX');
  });
});

describe('TCP listener behind a trusted proxy', () => {
  it('takes the client address from a v1 or v2 header; the bytes after it are the protocol’s', async () => {
    server = await startEchoServer({ trustProxy: ['127.0.0.0/8'] });
    for (const [i, encode] of [encodeProxyV1, encodeProxyV2].entries()) {
      const source = { address: `198.51.100.${i + 1}`, port: 1_234 };
      const socket = await dial(server.listener.port);
      socket.write(Buffer.concat([encode(source, proxy), Buffer.from('first\n')]));
      expect(await receive(socket, 'first\n')).toBe(`hello ${source.address}\nfirst\n`);
      socket.destroy();
    }
    expect(server.clients).toEqual(['198.51.100.1', '198.51.100.2']);
  });

  it('reads a header split byte by byte', async () => {
    server = await startEchoServer({ trustProxy: ['127.0.0.1'] });
    const socket = await dial(server.listener.port);
    for (const byte of encodeProxyV1(client, proxy)) {
      socket.write(Buffer.from([byte]));
      await sleep(2);
    }
    expect(await receive(socket, 'hello')).toBe(`hello ${client.address}\n`);
    socket.destroy();
  });

  it('an IPv6 client and a LOCAL header (the proxy itself) get their addresses', async () => {
    server = await startEchoServer({ trustProxy: ['127.0.0.1'] });
    const six = await dial(server.listener.port);
    six.write('PROXY TCP6 2001:db8::9 ::1 5000 7070\r\n');
    await receive(six, 'hello 2001:db8::9\n');
    const local = await dial(server.listener.port);
    local.write('PROXY UNKNOWN\r\n');
    await receive(local, 'hello 127.0.0.1\n');
    six.destroy();
    local.destroy();
  });

  it('closes a connection without a header, with a malformed one, or with one cut by hang-up', async () => {
    server = await startEchoServer({ trustProxy: ['127.0.0.1'] });
    for (const bytes of [
      'alice\n',
      'PROXY TCP4 1.2.3.4 5.6.7.8 99999 1\r\n',
      `PROXY TCP4 ${'9'.repeat(120)}`,
    ]) {
      const socket = await dial(server.listener.port);
      socket.write(bytes);
      expect(await readAll(socket), bytes).toBe('');
    }
    const truncated = await dial(server.listener.port);
    truncated.end('PROXY TCP4 1.2.3.4 5.6');
    expect(await readAll(truncated)).toBe('');
    expect(server.clients).toEqual([]);
  });

  it('closes a proxy connection whose header does not arrive before the deadline', async () => {
    server = await startEchoServer({ trustProxy: ['127.0.0.1'], preambleTimeoutMs: 300 });
    const silent = await dial(server.listener.port);
    const slow = await dial(server.listener.port);
    slow.write('PROXY TCP4 ');
    const started = performance.now();
    expect(await Promise.all([readAll(silent), readAll(slow)])).toEqual(['', '']);
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    expect(performance.now() - started).toBeLessThan(2_500);
    expect(server.clients).toEqual([]);
  });

  it('close() drops connections still waiting for their header and resolves', async () => {
    server = await startEchoServer({ trustProxy: ['127.0.0.1'] });
    const waiting = await dial(server.listener.port);
    const done = readAll(waiting);
    await sleep(50);
    await server.close();
    server = null;
    expect(await done).toBe('');
  });
});

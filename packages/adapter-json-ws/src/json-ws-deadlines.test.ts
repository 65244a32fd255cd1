import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { createTestHub, FakeClock } from '@switchboard/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type JsonWsTestServer, startJsonWsTestServer } from './testing/json-ws-test-server.ts';
import { RawWs } from './testing/raw-ws.ts';

/** Issue 12, deadlines before identification: nothing holds a descriptor by doing nothing. */

let server: JsonWsTestServer;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await server.stop();
});

async function tcp(port: number): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => {});
  sockets.push(socket);
  await once(socket, 'connect');
  return socket;
}

/** Milliseconds until the server ends the connection (the client reads and discards meanwhile). */
async function closedAfter(socket: Socket): Promise<number> {
  const started = Date.now();
  socket.resume();
  await once(socket, 'close');
  return Date.now() - started;
}

describe('json-ws deadlines (issue 12)', () => {
  it('destroys a TCP connection that never sends a request, after httpRequestTimeoutMs', async () => {
    server = await startJsonWsTestServer({ httpRequestTimeoutMs: 500 });
    const silent = await tcp(server.running.port);
    const elapsed = await closedAfter(silent);
    expect(elapsed).toBeGreaterThanOrEqual(400);
    expect(elapsed).toBeLessThan(2_500);
  });

  it('destroys a half-sent HTTP request after httpRequestTimeoutMs, and serves whole ones meanwhile', async () => {
    server = await startJsonWsTestServer({ httpRequestTimeoutMs: 500 });
    const half = await tcp(server.running.port);
    half.write('GET /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    const closed = closedAfter(half);
    const response = await fetch(`http://127.0.0.1:${server.running.port}/chat`);
    expect(response.status).toBe(426);
    expect(await closed).toBeLessThan(2_500);
  });

  it("runs on the hub's clock: a silent connection lives until the clock passes the deadline", async () => {
    const clock = new FakeClock();
    server = await startJsonWsTestServer({ httpRequestTimeoutMs: 60_000 }, {}, createTestHub({ clock }));
    const silent = await tcp(server.running.port);
    let closed = false;
    silent.on('close', () => {
      closed = true;
    });
    clock.advance(59_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(closed).toBe(false);
    clock.advance(2_000);
    await expect.poll(() => closed).toBe(true);
  });

  it('gives a kept-alive connection a fresh deadline after each response', async () => {
    server = await startJsonWsTestServer({ httpRequestTimeoutMs: 1_000 });
    const client = await tcp(server.running.port);
    let received = '';
    client.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
    });
    const ask = 'GET /chat HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
    client.write(ask);
    await new Promise((resolve) => setTimeout(resolve, 700));
    client.write(ask);
    await new Promise((resolve) => setTimeout(resolve, 700));
    // 1.4 s after connecting, past the first deadline, the second request was answered.
    expect(received.match(/HTTP\/1\.1 426/g)).toHaveLength(2);
  });

  it('cuts off an upgraded peer that never says hello and ignores the close frame, closeGraceMs after 4408', async () => {
    server = await startJsonWsTestServer({
      helloTimeoutMs: 300,
      closeGraceMs: 500,
      httpRequestTimeoutMs: 200,
    });
    const raw = await RawWs.open(server.running.port);
    const started = Date.now();
    const close = await raw.nextFrame();
    expect(close.opcode).toBe(8);
    expect(close.payload.readUInt16BE(0)).toBe(4408);
    expect(close.payload.subarray(2).toString()).toBe('hello timeout');
    // The peer never answers the close frame; the server destroys the socket anyway.
    await expect.poll(() => raw.ended, { timeout: 3_000 }).toBe(true);
    expect(Date.now() - started).toBeLessThan(2_500);
    // The upgrade left the HTTP deadline (200 ms) behind: the hello timeout ruled instead.
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    await expect.poll(() => server.hub.connectionCount).toBe(0);
  });
});

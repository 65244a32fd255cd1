import { once } from 'node:events';
import { get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { EdgeRuntime } from './edge.ts';

/** An HTTP server on the edge that answers each request with the client address it sees. */
async function addressServer(trustProxy: string[]) {
  const edge = new EdgeRuntime({ trustProxy }).forAdapter();
  const server = edge.httpServer((request, response) => response.end(edge.clientAddress(request)));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const ask = (headers: Record<string, string>) =>
    new Promise<string>((resolve, reject) => {
      get({ host: '127.0.0.1', port, headers, agent: false }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => {
          body += chunk;
        });
        response.on('end', () => resolve(body));
      }).on('error', reject);
    });
  return { ask, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe('edge HTTP server', () => {
  it('behind a trusted proxy, the client is the rightmost untrusted forwarded hop', async () => {
    const server = await addressServer(['127.0.0.1']);
    expect(await server.ask({ 'x-forwarded-for': '6.6.6.6, 198.51.100.3' })).toBe('198.51.100.3');
    expect(await server.ask({ forwarded: 'for="[2001:db8::3]:80"' })).toBe('2001:db8::3');
    expect(await server.ask({})).toBe('127.0.0.1');
    await server.close();
  });

  it('from an untrusted peer, forwarded headers are ignored', async () => {
    const server = await addressServer([]);
    expect(await server.ask({ 'x-forwarded-for': '198.51.100.3', forwarded: 'for=1.1.1.1' })).toBe(
      '127.0.0.1',
    );
    await server.close();
    const elsewhere = await addressServer(['10.0.0.0/8']);
    expect(await elsewhere.ask({ 'x-forwarded-for': '198.51.100.3' })).toBe('127.0.0.1');
    await elsewhere.close();
  });
});

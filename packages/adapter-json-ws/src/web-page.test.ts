import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { type JsonWsTestServer, startJsonWsTestServer } from './testing/json-ws-test-server.ts';
import { contentSecurityPolicy, WEB_PAGE_FILE } from './web-page.ts';

const PAGE = readFileSync(WEB_PAGE_FILE);
const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
const between = (html: string, tag: string) =>
  html.split(new RegExp(`<${tag}[^>]*>`))[1]!.split(`</${tag}>`)[0]!;

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One plain HTTP/1.1 request over a real socket, the body read to the end. */
function http(port: number, method: string, path: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port, method, path }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }),
      );
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

let server: JsonWsTestServer;
afterEach(async () => {
  await server.stop();
});

describe('json-ws: the browser chat page on plain HTTP', () => {
  it('serves web/index.html on GET / as UTF-8 HTML, nosniff, with its length', async () => {
    server = await startJsonWsTestServer();
    const response = await http(server.running.port, 'GET', '/');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['content-length']).toBe(String(PAGE.byteLength));
    expect(response.body.equals(PAGE)).toBe(true);
  });

  it('sends a strict CSP that allows exactly the page inline script and style, and a socket to itself', async () => {
    server = await startJsonWsTestServer();
    const csp = String((await http(server.running.port, 'GET', '/')).headers['content-security-policy']);
    const html = PAGE.toString('utf8');
    expect(csp.split('; ')).toEqual([
      "default-src 'none'",
      `script-src ${sha256(between(html, 'script'))}`,
      `style-src ${sha256(between(html, 'style'))}`,
      "connect-src 'self'",
      'img-src data:',
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ]);
    expect(csp).not.toContain('unsafe');
  });

  it('hashes every inline block, and allows none when there is none', () => {
    const csp = contentSecurityPolicy(
      '<script>a()</script><script type="module">b()</script><p>no style</p>',
    );
    expect(csp).toContain(`script-src ${sha256('a()')} ${sha256('b()')};`);
    expect(csp).toContain("style-src 'none';");
  });

  it('serves the same page on /index.html and with a query string', async () => {
    server = await startJsonWsTestServer();
    for (const path of ['/index.html', '/?room=1', '/index.html?x']) {
      const response = await http(server.running.port, 'GET', path);
      expect(response.status, path).toBe(200);
      expect(response.body.equals(PAGE), path).toBe(true);
    }
  });

  it('answers HEAD with the GET headers and no body', async () => {
    server = await startJsonWsTestServer();
    const response = await http(server.running.port, 'HEAD', '/');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['content-length']).toBe(String(PAGE.byteLength));
    expect(response.body.byteLength).toBe(0);
  });

  it('answers other methods on the page with 405 and Allow: GET, HEAD', async () => {
    server = await startJsonWsTestServer();
    const response = await http(server.running.port, 'POST', '/');
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('GET, HEAD');
  });

  it('keeps answering 426 Upgrade Required on every other path', async () => {
    server = await startJsonWsTestServer();
    for (const path of ['/favicon.ico', '/index.htm', '/web/index.html', '//', '/chat']) {
      const response = await http(server.running.port, 'GET', path);
      expect(response.status, path).toBe(426);
      expect(response.headers.upgrade, path).toBe('websocket');
      expect(response.body.toString(), path).toBe('this port speaks json-ws over WebSocket\n');
    }
  });

  it('with webChat: false, answers 426 on / too', async () => {
    server = await startJsonWsTestServer({ webChat: false });
    for (const method of ['GET', 'HEAD']) {
      const response = await http(server.running.port, method, '/');
      expect(response.status, method).toBe(426);
      expect(response.headers['content-security-policy'], method).toBeUndefined();
    }
  });

  it('still upgrades WebSockets on the page paths and elsewhere', async () => {
    server = await startJsonWsTestServer();
    const names = ['ann', 'bob', 'cy'];
    const paths = ['/', '/index.html', '/any/where?x=1'];
    for (const [i, path] of paths.entries()) {
      const client = await server.client(undefined, path);
      client.send({ type: 'hello', data: { user: names[i] } });
      expect(await client.next(), path).toEqual({
        type: 'chat_status',
        data: { active_clients: names.slice(0, i + 1) },
      });
    }
  });
});

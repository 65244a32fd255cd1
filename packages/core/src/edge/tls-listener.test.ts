import { execFile, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { type AddressInfo, createServer, connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EdgeRuntime } from './edge.ts';
import { dial, type EchoServer, readAll, receive, startEchoServer } from './edge-test-kit.ts';
import { encodeProxyV1 } from './proxy-protocol.ts';
import { selfSignedCertificate } from './self-signed.ts';

const hasPython = (() => {
  try {
    execFileSync('python3', ['-c', 'import ssl'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
})();

let first: ReturnType<typeof selfSignedCertificate>;
let second: ReturnType<typeof selfSignedCertificate>;
/** The files the server is configured with; a reload copies another certificate over them. */
let served: { cert: string; key: string };

beforeAll(() => {
  first = selfSignedCertificate('first');
  second = selfSignedCertificate('second', first.dir);
  served = { cert: join(first.dir, 'served-cert.pem'), key: join(first.dir, 'served-key.pem') };
});
afterAll(() => rmSync(first.dir, { recursive: true, force: true }));

let server: EchoServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

function serve(which: typeof first) {
  copyFileSync(which.cert, served.cert);
  copyFileSync(which.key, served.key);
}

async function tlsDial(port: number, ca: string, socket?: import('node:net').Socket): Promise<TLSSocket> {
  const secure = tlsConnect({
    host: '127.0.0.1',
    port,
    servername: 'localhost',
    ca: readFileSync(ca),
    ...(socket && { socket }),
  });
  secure.on('error', () => {});
  await once(secure, 'secureConnect');
  return secure;
}

const commonName = (socket: TLSSocket) => String(socket.getPeerCertificate().subject.CN);

describe('TLS listener', () => {
  it('serves TLS to Node’s tls client, the protocol sees plain bytes', async () => {
    serve(first);
    server = await startEchoServer({ tls: served });
    const socket = await tlsDial(server.listener.port, first.cert);
    expect(commonName(socket)).toBe('first');
    await receive(socket, 'hello 127.0.0.1\n');
    socket.write('ping\n');
    await receive(socket, 'ping\n');
    socket.destroy();
  });

  it('serves openssl s_client', async () => {
    serve(first);
    server = await startEchoServer({ tls: served });
    const child = spawn(
      'openssl',
      [
        's_client',
        '-connect',
        `127.0.0.1:${server.listener.port}`,
        '-CAfile',
        first.cert,
        '-verify_return_error',
        '-quiet',
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stdin.write('from openssl\n');
    await expect.poll(() => out, { timeout: 5_000 }).toContain('hello 127.0.0.1\nfrom openssl\n');
    child.kill();
  });

  it.runIf(hasPython)('serves Python’s ssl module, certificate verified', async () => {
    serve(first);
    server = await startEchoServer({ tls: served });
    const script = `
import socket, ssl, sys
context = ssl.create_default_context(cafile=sys.argv[2])
with socket.create_connection(("127.0.0.1", int(sys.argv[1]))) as raw:
    with context.wrap_socket(raw, server_hostname="localhost") as s:
        s.sendall(b"from python\\n")
        data = b""
        while b"from python\\n" not in data:
            data += s.recv(1024)
        print(s.version(), data.decode())
`;
    // Asynchronously: the server under test runs on this process's event loop.
    const { stdout: output } = await promisify(execFile)(
      'python3',
      ['-c', script, String(server.listener.port), first.cert],
      { encoding: 'utf8', timeout: 10_000 },
    );
    expect(output).toMatch(/^TLSv1\.[23] hello 127\.0\.0\.1\nfrom python\n/);
  });

  it('behind a trusted proxy: the PROXY header comes first, TLS after it', async () => {
    serve(first);
    server = await startEchoServer({ tls: served, trustProxy: ['127.0.0.1'] });
    const raw = tcpConnect({ host: '127.0.0.1', port: server.listener.port });
    await once(raw, 'connect');
    raw.write(encodeProxyV1({ address: '192.0.2.44', port: 5 }, { address: '127.0.0.1', port: 1 }));
    const socket = await tlsDial(server.listener.port, first.cert, raw);
    await receive(socket, 'hello 192.0.2.44\n');
    socket.destroy();
  });

  it('a ClientHello in the same packet as the PROXY header is not lost', async () => {
    serve(first);
    server = await startEchoServer({ tls: served, trustProxy: ['127.0.0.1'] });
    // Capture a real ClientHello, then send it glued to the header in one write.
    const capture = createServer();
    capture.listen(0, '127.0.0.1');
    await once(capture, 'listening');
    const hello = new Promise<Buffer>((resolve) =>
      capture.once('connection', (socket) => socket.once('data', (chunk: Buffer) => resolve(chunk))),
    );
    const probe = tlsConnect({
      host: '127.0.0.1',
      port: (capture.address() as AddressInfo).port,
      rejectUnauthorized: false,
    });
    probe.on('error', () => {});
    const clientHello = await hello;
    probe.destroy();
    capture.close();
    const raw = await dial(server.listener.port);
    raw.write(
      Buffer.concat([
        encodeProxyV1({ address: '192.0.2.45', port: 5 }, { address: '127.0.0.1', port: 1 }),
        clientHello,
      ]),
    );
    const [answer] = (await once(raw, 'data')) as [Buffer];
    expect(answer[0]).toBe(0x16); // a TLS handshake record: the ServerHello
    raw.destroy();
  });

  it('a plain-text client on a TLS port is closed; the server goes on', async () => {
    serve(first);
    server = await startEchoServer({ tls: served });
    const plain = await dial(server.listener.port);
    plain.write('alice\n');
    await readAll(plain);
    expect(server.clients).toEqual([]);
    const socket = await tlsDial(server.listener.port, first.cert);
    await receive(socket, 'hello');
    socket.destroy();
  });

  it('a TLS handshake that never finishes is cut at the deadline', async () => {
    serve(first);
    server = await startEchoServer({ tls: served, preambleTimeoutMs: 300 });
    const silent = await dial(server.listener.port);
    const started = performance.now();
    await readAll(silent, 5_000);
    expect(performance.now() - started).toBeLessThan(2_500);
  });

  it('reload: new connections get the new certificate, an open one keeps going', async () => {
    serve(first);
    server = await startEchoServer({ tls: served });
    const old = await tlsDial(server.listener.port, first.cert);
    await receive(old, 'hello');
    serve(second);
    server.runtime.reloadTls();
    const fresh = await tlsDial(server.listener.port, second.cert);
    expect(commonName(fresh)).toBe('second');
    await receive(fresh, 'hello');
    old.write('still here\n');
    expect(await receive(old, 'still here\n')).toBe('still here\n');
    expect(commonName(old)).toBe('first');
    old.destroy();
    fresh.destroy();
  });

  it('a failed reload (key of another certificate) throws and keeps the current one', async () => {
    serve(first);
    server = await startEchoServer({ tls: served });
    copyFileSync(second.cert, served.cert);
    expect(() => server!.runtime.reloadTls()).toThrow();
    const socket = await tlsDial(server.listener.port, first.cert);
    expect(commonName(socket)).toBe('first');
    socket.destroy();
  });

  it('HTTPS servers follow reloads too', async () => {
    serve(first);
    const runtime = new EdgeRuntime({ tls: served });
    const http = runtime.forAdapter().httpServer((_request, response) => response.end('ok'));
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    const port = (http.address() as import('node:net').AddressInfo).port;
    const get = (ca: string) =>
      new Promise<[string, string]>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port, servername: 'localhost', ca: readFileSync(ca), agent: false },
          (response) => {
            const cn = commonName(response.socket as TLSSocket);
            response.setEncoding('utf8');
            let body = '';
            response.on('data', (chunk: string) => {
              body += chunk;
            });
            response.on('end', () => resolve([cn, body]));
          },
        );
        req.on('error', reject);
        req.end();
      });
    expect(await get(first.cert)).toEqual(['first', 'ok']);
    serve(second);
    runtime.reloadTls();
    expect(await get(second.cert)).toEqual(['second', 'ok']);
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  });
});

import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import { type Socket, connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import { encodeProxyV1 } from '@switchboard/core';
import { selfSignedCertificate } from '@switchboard/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  BIN,
  FREE_PORTS,
  type GatewayProcess,
  startGatewayProcess,
  stopGatewayProcess,
  tempDir,
} from './gateway-process.ts';

const running: GatewayProcess[] = [];
const sockets: Array<Socket | WebSocket> = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket instanceof WebSocket ? socket.terminate() : socket.destroy();
  await Promise.all(running.splice(0).map((gateway) => stopGatewayProcess(gateway, 'SIGKILL')));
});

async function start(args: string[], env: NodeJS.ProcessEnv = {}) {
  const gateway = await startGatewayProcess(
    ['serve', ...FREE_PORTS, `--data-dir=${tempDir()}`, '--log-level=debug', ...args],
    { SWITCHBOARD_SCRYPT_COST: '1024', ...env },
  );
  running.push(gateway);
  return gateway;
}

/** Waits for `text` among what `socket` received; resolves with all of it. */
function receive(socket: Socket, text: string, ms = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(
      () => reject(new Error(`no ${JSON.stringify(text)} in ${JSON.stringify(seen)}`)),
      ms,
    );
    const onData = (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      if (!seen.includes(text)) return;
      clearTimeout(timer);
      socket.off('data', onData);
      resolve(seen);
    };
    socket.on('data', onData);
  });
}

function cli(args: string[], input: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, ...args], { timeout: 15_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(input);
  });
}

describe('TLS on the protocol ports', () => {
  let first: ReturnType<typeof selfSignedCertificate>;
  let second: ReturnType<typeof selfSignedCertificate>;
  let served: { cert: string; key: string };
  beforeAll(() => {
    first = selfSignedCertificate('first');
    second = selfSignedCertificate('second', first.dir);
    served = { cert: join(first.dir, 'served-cert.pem'), key: join(first.dir, 'served-key.pem') };
  });
  afterAll(() => rmSync(first.dir, { recursive: true, force: true }));
  const serve = (which: typeof first) => {
    copyFileSync(which.cert, served.cert);
    copyFileSync(which.key, served.key);
  };
  const tls = async (port: number, ca: string): Promise<TLSSocket> => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ca: readFileSync(ca) });
    sockets.push(socket);
    socket.on('error', () => {});
    await once(socket, 'secureConnect');
    return socket;
  };

  it('every adapter serves TLS but the one that opted out; connect --tls works; SIGHUP swaps the certificate, open connections stay', async () => {
    serve(first);
    const gateway = await start([`--tls-cert=${served.cert}`, `--tls-key=${served.key}`], {
      SWITCHBOARD_SOH_TLS: 'false',
    });
    const { ports } = gateway;
    const ready = JSON.parse(gateway.lines.find((line) => line.includes('switchboard ready'))!);
    expect(ready.tls).toBe(true);

    // tcp-rooms and rs-us over TLS, from Node's tls client.
    const old = await tls(ports['tcp-rooms']!, first.cert);
    await receive(old, 'Enter your nickname:');
    const rsUs = await tls(ports['rs-us']!, first.cert);
    rsUs.write('who\x1e');
    await receive(rsUs, 'not_logged_in');

    // soh opted out: plain bytes work.
    const soh = tcpConnect({ host: '127.0.0.1', port: ports.soh! });
    sockets.push(soh);
    soh.write('sohuser\x01');

    // sessions: wss:// with the server verified.
    const session = new WebSocket(`wss://localhost:${ports.sessions}/?client_id=tls-client`, {
      ca: readFileSync(first.cert),
    });
    sockets.push(session);
    const [sessionId] = await once(session, 'message');
    expect(String(sessionId)).toMatch(/^[0-9a-f-]{36}$/);

    // The CLI's clients: json-ws over wss:// (--tls with HOST PORT), tcp-rooms with --tls.
    const jsonWs = await cli(
      ['connect', '--tls', '--ca', first.cert, 'json-ws', '127.0.0.1', String(ports['json-ws']), 'alice'],
      '/who\n',
    );
    expect(jsonWs.stderr).toBe('');
    expect(jsonWs.stdout).toContain('online: alice, sohuser, tls-client');
    const tcpRooms = await cli(
      ['connect', '--tls', '--ca', first.cert, 'tcp-rooms', '127.0.0.1', String(ports['tcp-rooms'])],
      'newbie\n',
    );
    expect(tcpRooms.stdout).toContain('Enter your nickname:\nNew nickname. Choose a password:\n');
    // Without the CA, the self-signed certificate is refused, and --insecure lets it through.
    const refused = await cli(
      ['connect', '--tls', 'tcp-rooms', '127.0.0.1', String(ports['tcp-rooms'])],
      'x\n',
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/self-signed certificate/);
    const insecure = await cli(
      ['connect', '--tls', '--insecure', 'tcp-rooms', '127.0.0.1', String(ports['tcp-rooms'])],
      '',
    );
    expect(insecure.stdout).toContain('Enter your nickname:');

    // SIGHUP with a new certificate on disk.
    serve(second);
    gateway.child.kill('SIGHUP');
    await expect
      .poll(() => gateway.lines.some((line) => line.includes('TLS certificate reloaded')))
      .toBe(true);
    const fresh = await tls(ports['tcp-rooms']!, second.cert);
    expect(fresh.getPeerCertificate().subject.CN).toBe('second');
    await receive(fresh, 'Enter your nickname:');
    // The connection opened before the reload is still served, on its old session.
    expect(old.getPeerCertificate().subject.CN).toBe('first');
    old.write('oldtimer\n');
    await receive(old, 'New nickname. Choose a password:');
    expect(gateway.child.exitCode).toBeNull();

    // A reload that fails (a key that is not the certificate's) keeps serving the current one.
    copyFileSync(first.key, served.key);
    gateway.child.kill('SIGHUP');
    await expect
      .poll(() => gateway.lines.some((line) => line.includes('TLS certificate reload failed')))
      .toBe(true);
    const still = await tls(ports['rs-us']!, second.cert);
    expect(still.getPeerCertificate().subject.CN).toBe('second');
  });

  it('a certificate that cannot be read stops the start', async () => {
    await expect(
      start(['--tls-cert=/nonexistent/cert.pem', '--tls-key=/nonexistent/key.pem']),
    ).rejects.toThrow(/exited with 1.*nonexistent/s);
  });
});

describe('behind a trusted proxy', () => {
  /** A TCP connection as a proxy opens it: the PROXY header naming `client` first. */
  const proxied = async (port: number, client: string): Promise<Socket> => {
    const socket = tcpConnect({ host: '127.0.0.1', port });
    sockets.push(socket);
    socket.on('error', () => {});
    await once(socket, 'connect');
    socket.write(encodeProxyV1({ address: client, port: 40_000 }, { address: '127.0.0.1', port }));
    return socket;
  };

  it('20 failed logins lock the client named by the PROXY header, not another client of the same proxy', async () => {
    const gateway = await start(['--trust-proxy=127.0.0.1/32,::1']);
    const { ports } = gateway;
    // An account, signed up over tcp-rooms from a third client.
    const signUp = await proxied(ports['tcp-rooms']!, '198.51.100.9');
    await receive(signUp, 'Enter your nickname:');
    signUp.write('carol\n');
    await receive(signUp, 'Choose a password:');
    signUp.write('right-pw\n');
    await receive(signUp, 'Repeat the password:');
    signUp.write('right-pw\n');
    await receive(signUp, 'Registered. Welcome, carol!');

    const attacker = await proxied(ports['rs-us']!, '198.51.100.1');
    // Five wrong passwords for each of four names (a name locks after five).
    for (let i = 0; i < 20; i += 1) {
      attacker.write(`login\x1fvictim${i % 4}\x1fwrong\x1e`);
      await receive(attacker, 'login_invalid');
    }
    attacker.write('login\x1fcarol\x1fright-pw\x1e');
    await receive(attacker, 'login_invalid');

    const honest = await proxied(ports['rs-us']!, '198.51.100.2');
    honest.write('login\x1fcarol\x1fright-pw\x1e');
    await receive(honest, 'login_valid');
  });

  it('a trusted peer without a PROXY header is closed; WebSocket clients are told apart by X-Forwarded-For', async () => {
    const gateway = await start(['--trust-proxy=127.0.0.1'], {
      SWITCHBOARD_LIMITS_MAX_CONNECTIONS_PER_ADDRESS: '1',
    });
    const { ports } = gateway;
    const bare = tcpConnect({ host: '127.0.0.1', port: ports.soh! });
    sockets.push(bare);
    bare.on('error', () => {});
    bare.write('mallory\x01');
    await once(bare, 'close');

    // One connection per address: two clients behind the same proxy both get in, a second
    // connection of the same client does not.
    const open = async (forwardedFor: string) => {
      const ws = new WebSocket(`ws://127.0.0.1:${ports['json-ws']}/`, {
        headers: { 'x-forwarded-for': forwardedFor },
      });
      sockets.push(ws);
      const frames: string[] = [];
      ws.on('message', (data) => frames.push(String(data)));
      await once(ws, 'open');
      return { ws, frames };
    };
    const one = await open('203.0.113.1');
    const two = await open('203.0.113.2');
    one.ws.send(JSON.stringify({ type: 'hello', data: { user: 'one' } }));
    two.ws.send(JSON.stringify({ type: 'hello', data: { user: 'two' } }));
    await expect.poll(() => two.frames.join()).toContain('chat_status');
    await expect.poll(() => one.frames.join()).toContain('chat_status');
    const again = new WebSocket(`ws://127.0.0.1:${ports['json-ws']}/`, {
      headers: { 'x-forwarded-for': '203.0.113.1' },
    });
    sockets.push(again);
    const [code, reason] = (await once(again, 'close')) as [number, Buffer];
    expect([code, String(reason)]).toEqual([1013, 'too many connections']);

    // sessions likewise: the forwarded client, not the proxy, holds the address's one connection.
    const session = (id: string, forwardedFor: string) => {
      const ws = new WebSocket(`ws://127.0.0.1:${ports.sessions}/?client_id=${id}`, {
        headers: { 'x-forwarded-for': forwardedFor },
      });
      sockets.push(ws);
      return ws;
    };
    const [firstId] = await once(session('s1', '203.0.113.5'), 'message');
    const [secondId] = await once(session('s2', '203.0.113.6'), 'message');
    expect(String(firstId)).not.toBe(String(secondId));
    const refused = session('s3', '203.0.113.5');
    const outcome = await Promise.race([
      once(refused, 'unexpected-response').then(
        ([, response]) => `HTTP ${(response as { statusCode: number }).statusCode}`,
      ),
      once(refused, 'close').then(([code]) => `close ${code}`),
      once(refused, 'message').then(() => 'admitted'),
    ]);
    expect(outcome).toBe('close 1013');
  });
});

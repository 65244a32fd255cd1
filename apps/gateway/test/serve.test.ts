import { spawnSync } from 'node:child_process';
import { createConnection } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { adapterNames } from '../src/adapters.ts';
import {
  BIN,
  FREE_PORTS,
  type GatewayProcess,
  startGatewayProcess,
  stopGatewayProcess,
  tempDir,
} from './gateway-process.ts';

const running: GatewayProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((gateway) => stopGatewayProcess(gateway, 'SIGKILL')));
});

async function start(args: string[], env: NodeJS.ProcessEnv = {}) {
  const gateway = await startGatewayProcess(args, env);
  running.push(gateway);
  return gateway;
}

function sohExchange(port: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const alice = createConnection({ host: '127.0.0.1', port });
    const bob = createConnection({ host: '127.0.0.1', port });
    bob.on('error', reject);
    alice.on('error', reject);
    bob.write('bob\x01', () => {
      setTimeout(() => alice.write('alice\x01bob\x01hi there\x01'), 100);
    });
    bob.once('data', (data) => {
      resolve(data);
      alice.destroy();
      bob.destroy();
    });
  });
}

describe('switchboard serve', () => {
  // How fast it starts is measured by scripts/measure-startup.mjs, not asserted under test load.
  it('starts one adapter with --only and accepts connections', async () => {
    const gateway = await start([
      'serve',
      '--only',
      'soh',
      '--soh-port',
      '0',
      '--admin-port',
      '0',
      '--data-dir',
      tempDir(),
    ]);
    expect(Object.keys(gateway.ports).sort()).toEqual(['admin', 'soh']);
    expect(await sohExchange(gateway.ports.soh!)).toEqual(Buffer.from('alice\x01hi there\x01'));
  });

  it('starts every registered adapter and logs one ready line naming each with its port', async () => {
    const gateway = await start(['serve', ...FREE_PORTS, '--data-dir', tempDir()]);
    expect(Object.keys(gateway.ports).sort()).toEqual([...adapterNames, 'admin'].sort());
    expect(adapterNames).toEqual(
      expect.arrayContaining(['json-ws', 'tcp-rooms', 'sessions', 'rs-us', 'soh', 'irc']),
    );
    const ready = gateway.lines.filter((line) => line.includes('switchboard ready'));
    expect(ready).toHaveLength(1);
    for (const [name, port] of Object.entries(gateway.ports)) expect(ready[0]).toContain(`${name}=${port}`);
    for (const line of gateway.lines) expect(() => JSON.parse(line)).not.toThrow();
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('shuts down on %s and exits 0 within 5 s', async (signal) => {
    const gateway = await start(['serve', ...FREE_PORTS, '--data-dir', tempDir()]);
    const client = createConnection({ host: '127.0.0.1', port: gateway.ports['tcp-rooms']! });
    let received = '';
    client.on('data', (data) => {
      received += data.toString();
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const before = performance.now();
    const { code } = await stopGatewayProcess(gateway, signal);
    expect(code).toBe(0);
    expect(performance.now() - before).toBeLessThan(5_000);
    expect(received).toContain('Server is shutting down.\n');
  });

  it('serves /healthz, /readyz and Prometheus /metrics on the admin port', async () => {
    const gateway = await start(['serve', ...FREE_PORTS, '--data-dir', tempDir()]);
    const base = `http://127.0.0.1:${gateway.ports.admin}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    for (const name of adapterNames) {
      expect(metrics).toContain(`switchboard_connections_open{protocol="${name}"} 0`);
      expect(metrics).toMatch(new RegExp(`switchboard_messages_received_total\\{protocol="${name}"\\} \\d+`));
    }
    expect(metrics).toContain('switchboard_delivery_latency_seconds_bucket');
    expect(metrics).toContain('switchboard_process_resident_memory_bytes');
  });

  it('stops with exit 2 and names a bad setting', () => {
    const flag = spawnSync(process.execPath, [BIN, 'serve', '--soh-port', '99999'], { encoding: 'utf8' });
    expect(flag.status).toBe(2);
    expect(flag.stderr).toContain('adapters.soh.port');
    const env = spawnSync(process.execPath, [BIN, 'serve'], {
      encoding: 'utf8',
      env: { ...process.env, SWITCHBOARD_LIMITS_MAX_CONNECTIONS: 'many' },
    });
    expect(env.status).toBe(2);
    expect(env.stderr).toContain('limits.maxConnections');
    const only = spawnSync(process.execPath, [BIN, 'serve', '--only', 'soh,gopher'], { encoding: 'utf8' });
    expect(only.status).toBe(2);
    expect(only.stderr).toContain('only');
  });

  it('exits 1 with a clear log line when a port is taken', async () => {
    const first = await start([
      'serve',
      '--only',
      'soh',
      '--soh-port',
      '0',
      '--admin-port',
      '0',
      '--data-dir',
      tempDir(),
    ]);
    const second = spawnSync(
      process.execPath,
      [
        BIN,
        'serve',
        '--only',
        'soh',
        '--soh-port',
        String(first.ports.soh),
        '--admin-port',
        '0',
        '--data-dir',
        tempDir(),
      ],
      { encoding: 'utf8', timeout: 10_000 },
    );
    expect(second.status).toBe(1);
    expect(second.stdout).toContain('EADDRINUSE');
  });
});

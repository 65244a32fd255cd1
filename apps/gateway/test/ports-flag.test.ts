import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { adapterNames } from '../src/adapters.ts';
import {
  BIN,
  type GatewayProcess,
  startGatewayProcess,
  stopGatewayProcess,
  tempDir,
} from './gateway-process.ts';

/** `serve --ports 0`: every registered adapter on a free port, a --<name>-port still its own. */
describe('serve --ports 0', () => {
  let gateway: GatewayProcess | undefined;
  afterEach(async () => {
    if (gateway) await stopGatewayProcess(gateway);
    gateway = undefined;
  });

  it('puts every registered adapter on a free port; an explicit --<name>-port wins', async () => {
    const probe = await startGatewayProcess([
      'serve',
      '--host=127.0.0.1',
      '--ports',
      '0',
      '--admin-port=0',
      `--data-dir=${tempDir()}`,
    ]);
    const sohPort = probe.ports.soh!;
    await stopGatewayProcess(probe);
    gateway = await startGatewayProcess([
      'serve',
      '--host=127.0.0.1',
      '--ports=0',
      `--soh-port=${sohPort}`,
      '--admin-port=0',
      `--data-dir=${tempDir()}`,
    ]);
    expect(Object.keys(gateway.ports).sort()).toEqual([...adapterNames, 'admin'].sort());
    expect(gateway.ports.soh).toBe(sohPort);
    for (const name of adapterNames) expect(gateway.ports[name]).toBeGreaterThan(0);
  });

  it('takes only 0: any other value stops the start with exit 2', () => {
    const run = spawnSync(process.execPath, [BIN, 'serve', '--ports', '8000'], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--ports takes only 0 (every adapter on a free port), not 8000');
  });
});

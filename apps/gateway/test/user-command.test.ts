import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Name } from '@switchboard/core';
import { SqliteStore } from '@switchboard/core/sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { DATABASE_FILE } from '../src/stores.ts';
import {
  BIN,
  type GatewayProcess,
  startGatewayProcess,
  stopGatewayProcess,
  tempDir,
} from './gateway-process.ts';

const running: GatewayProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((gateway) => stopGatewayProcess(gateway, 'SIGKILL')));
});

/** Runs `switchboard user ...` with `stdin` piped in (not a terminal: one line is the password). */
function user(args: string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'user', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.stdin.end(stdin);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('switchboard user', () => {
  it('manages accounts on the store of --data-dir when no gateway answers', async () => {
    const dir = tempDir();
    const offline = ['--data-dir', dir, '--admin-url', 'http://127.0.0.1:9'];
    expect(await user(['add', 'alice', ...offline], 'secret-1\n')).toMatchObject({ code: 0 });
    expect(await user(['add', 'alice', ...offline], 'other\n')).toMatchObject({ code: 1 });
    expect((await user(['list', ...offline])).stdout).toBe('alice\n');
    expect(await user(['passwd', 'alice', ...offline], 'secret-2\n')).toMatchObject({ code: 0 });

    const store = new SqliteStore(join(dir, DATABASE_FILE));
    const hash = await store.accounts.getPasswordHash(Name.fromText('alice').key);
    await store.close();
    expect(hash).toMatch(/^scrypt\$/);
    expect(hash).not.toContain('secret');

    expect(await user(['delete', 'alice', ...offline])).toMatchObject({ code: 0 });
    expect(await user(['delete', 'alice', ...offline])).toMatchObject({ code: 1 });
    expect((await user(['list', ...offline])).stdout).toBe('\n');
  });

  it('goes through the admin API of a running gateway', async () => {
    const dir = tempDir();
    const gateway = await startGatewayProcess([
      'serve',
      '--only',
      'soh',
      '--soh-port',
      '0',
      '--admin-port',
      '0',
      '--data-dir',
      dir,
    ]);
    running.push(gateway);
    const online = [
      '--admin-url',
      `http://127.0.0.1:${gateway.ports.admin}`,
      '--data-dir',
      '/nonexistent/never-opened',
    ];
    expect(await user(['add', 'bob', ...online], 'pw-1\n')).toMatchObject({
      code: 0,
      stdout: 'user bob added\n',
    });
    expect((await user(['list', ...online])).stdout).toBe('bob\n');
    expect(await user(['passwd', 'nobody', ...online], 'pw\n')).toMatchObject({ code: 1 });
    // The account is in the gateway's own store.
    await stopGatewayProcess(gateway);
    const store = new SqliteStore(join(dir, DATABASE_FILE));
    expect(await store.accounts.list()).toEqual([Name.fromText('bob').key]);
    await store.close();
  });

  it('refuses an empty password and an invalid name, and never takes the password from argv', async () => {
    const offline = ['--data-dir', tempDir(), '--admin-url', 'http://127.0.0.1:9'];
    expect(await user(['add', 'dave', ...offline], '\n')).toMatchObject({ code: 2 });
    expect(await user(['add', 'x'.repeat(300), ...offline], 'pw\n')).toMatchObject({ code: 2 });
    expect((await user(['add', 'dave', 'pw', ...offline], 'pw\n')).code).toBe(2);
  });
});

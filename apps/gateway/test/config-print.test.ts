import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from '../src/config-schema.ts';
import { BIN, tempDir } from './gateway-process.ts';

const run = promisify(execFile);
const TOKEN = 'file-token-0123456789abcdef';
const REDIS_PASSWORD = 'redis-secret-pw';

/** The real CLI, as a child process, with only the environment given (no SWITCHBOARD_* leaks in). */
async function cli(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('SWITCHBOARD_')),
  );
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: { ...clean, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

function configFile(settings: Record<string, unknown>): string {
  const file = join(tempDir(), 'switchboard.json');
  writeFileSync(file, JSON.stringify({ $schema: './switchboard.schema.json', ...settings }));
  return file;
}

interface Row {
  setting: string;
  value: unknown;
  source: string;
  variable: string;
}

describe('switchboard config print', () => {
  it('names where each setting came from: flag over environment over file over default', async () => {
    const file = configFile({
      host: '10.0.0.1',
      dataDir: '/srv/file',
      logLevel: 'warn',
      admin: { port: 9001 },
    });
    const { code, stdout } = await cli(
      ['config', 'print', '--json', '--config', file, '--host', '127.0.0.1'],
      {
        SWITCHBOARD_DATA_DIR: '/srv/env',
        SWITCHBOARD_HOST: '10.9.9.9',
      },
    );
    expect(code).toBe(0);
    const printed = JSON.parse(stdout) as { file: string; settings: Row[] };
    expect(printed.file).toBe(file);
    const row = (setting: string) => printed.settings.find((entry) => entry.setting === setting);
    expect(row('host')).toMatchObject({ value: '127.0.0.1', source: 'flag' });
    expect(row('dataDir')).toMatchObject({
      value: '/srv/env',
      source: 'environment',
      variable: 'SWITCHBOARD_DATA_DIR',
    });
    expect(row('logLevel')).toMatchObject({ value: 'warn', source: 'file' });
    expect(row('admin.port')).toMatchObject({ value: 9001, source: 'file' });
    expect(row('adapters.soh.port')).toMatchObject({
      value: 7878,
      source: 'default',
      variable: 'SWITCHBOARD_SOH_PORT',
    });
    expect(row('redis')).toEqual({ setting: 'redis', source: 'default', variable: 'SWITCHBOARD_REDIS' });
    // Every setting is listed, the adapters' own options included.
    expect(row('adapters.json-ws.helloTimeoutMs')).toMatchObject({ value: 10_000, source: 'default' });
    expect(printed.settings.length).toBeGreaterThan(50);
  });

  it('masks the admin token and the password of a Redis URL, and shows the TLS key path', async () => {
    const dir = tempDir();
    const file = configFile({ admin: { token: TOKEN } });
    const { code, stdout } = await cli(
      [
        'config',
        'print',
        '--config',
        file,
        '--tls-cert',
        join(dir, 'cert.pem'),
        '--tls-key',
        join(dir, 'key.pem'),
      ],
      { SWITCHBOARD_REDIS: `redis://chat:${REDIS_PASSWORD}@redis.internal:6379/0` },
    );
    expect(code).toBe(0);
    expect(stdout).not.toContain(TOKEN);
    expect(stdout).not.toContain(REDIS_PASSWORD);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe(`config file: ${file}`);
    expect(lines[1]).toMatch(/^SETTING\s+VALUE\s+FROM$/);
    const line = (setting: string) => lines.find((text) => text.startsWith(`${setting} `))?.split(/\s{2,}/);
    expect(line('admin.token')).toEqual(['admin.token', '********', 'file']);
    expect(line('redis')).toEqual([
      'redis',
      'redis://chat:********@redis.internal:6379/0',
      'environment SWITCHBOARD_REDIS',
    ]);
    expect(line('tls.key')).toEqual(['tls.key', join(dir, 'key.pem'), 'flag']);
    expect(line('tls.cert')).toEqual(['tls.cert', join(dir, 'cert.pem'), 'flag']);
    expect(line('admin.host')).toEqual(['admin.host', '127.0.0.1', 'default']);
  });

  it('takes the file from SWITCHBOARD_CONFIG as serve does', async () => {
    const file = configFile({ dataDir: '/srv/from-env-file' });
    const { code, stdout } = await cli(['config', 'print', '--json'], { SWITCHBOARD_CONFIG: file });
    expect(code).toBe(0);
    const printed = JSON.parse(stdout) as { file: string; settings: Row[] };
    expect(printed.file).toBe(file);
    expect(printed.settings.find((entry) => entry.setting === 'dataDir')).toMatchObject({
      value: '/srv/from-env-file',
      source: 'file',
    });
  });

  it('refuses a bad setting as serve would: exit 2 and a message naming it', async () => {
    const { code, stdout, stderr } = await cli(['config', 'print'], { SWITCHBOARD_ADMIN_PORT: '70000' });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^switchboard: invalid setting admin\.port/);
  });

  it('lists the settings of the plug-ins serve would load, from the same sources', async () => {
    const plugin = fileURLToPath(
      new URL('../../../examples/line-chat-adapter/src/index.ts', import.meta.url),
    );
    const { code, stdout, stderr } = await cli(
      ['config', 'print', '--json', '--plugin', plugin, '--line-chat-port', '7575'],
      { SWITCHBOARD_LINE_CHAT_MAX_LINE_BYTES: '2048' },
    );
    expect([code, stderr]).toEqual([0, '']);
    const { settings } = JSON.parse(stdout) as { settings: Row[] };
    const row = (setting: string) => settings.find((entry) => entry.setting === setting);
    expect(row('plugins')).toMatchObject({ value: [plugin], source: 'flag' });
    expect(row('adapters.line-chat.port')).toMatchObject({ value: 7575, source: 'flag' });
    expect(row('adapters.line-chat.maxLineBytes')).toMatchObject({
      value: 2048,
      source: 'environment',
      variable: 'SWITCHBOARD_LINE_CHAT_MAX_LINE_BYTES',
    });
    expect(row('adapters.line-chat.nameTimeoutMs')).toMatchObject({ source: 'default' });
  });

  it('config schema prints the JSON Schema the repository commits', async () => {
    const { code, stdout } = await cli(['config', 'schema']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual(configJsonSchema());
  });
});

describe('switchboard --version', () => {
  it('prints the version of the gateway package', async () => {
    const { version } = (await import('../package.json', { with: { type: 'json' } })).default;
    for (const flag of ['--version', '-V']) {
      const { code, stdout } = await cli([flag]);
      expect(code).toBe(0);
      expect(stdout).toBe(`${version}\n`);
    }
  });
});

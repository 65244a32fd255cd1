import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { descriptorSoftLimit, maxConnectionsForDescriptors } from '@switchboard/core';
import { describe, expect, it } from 'vitest';
import { adapters } from '../src/adapters.ts';
import {
  adapterSettings,
  ConfigError,
  enabledAdapters,
  environmentVariables,
  loadConfig,
} from '../src/config.ts';
import { tempDir } from './gateway-process.ts';

describe('configuration', () => {
  it('has the spec defaults: every adapter on its port, admin on loopback 8081, ./data', () => {
    const config = loadConfig({ env: {} });
    expect(config.dataDir).toBe('./data');
    expect(config.admin).toMatchObject({ host: '127.0.0.1', port: 8081 });
    const ports = Object.fromEntries(
      enabledAdapters(config).map((a) => [a.name, adapterSettings(config, a.name).port]),
    );
    // Every registered adapter on its default port; SPEC's own protocols on SPEC's ports.
    expect(ports).toEqual(Object.fromEntries(adapters.map((a) => [a.name, a.defaultPort])));
    expect(ports).toMatchObject({
      'json-ws': 8080,
      'tcp-rooms': 7070,
      sessions: 8880,
      'rs-us': 7171,
      soh: 7878,
    });
    expect(config.limits).toEqual({
      // SPEC's 200 000, unless the descriptor limit leaves room for fewer (issue 12).
      maxConnections: maxConnectionsForDescriptors(descriptorSoftLimit(), 200_000),
      maxConnectionsPerAddress: 1_000,
      messagesPerSecond: 1_000,
      messageBurst: 2_000,
      bytesPerSecond: 1024 * 1024,
      byteBurst: 4 * 1024 * 1024,
      maxQueuedBytes: 4 * 1024 * 1024,
    });
    expect(Object.isFrozen(config) && Object.isFrozen(config.adapters)).toBe(true);
  });

  it('flags beat the environment, which beats the file', () => {
    const file = join(tempDir(), 'config.json');
    writeFileSync(
      file,
      JSON.stringify({
        host: 'file-host',
        dataDir: '/from/file',
        adapters: { 'json-ws': { port: 1, helloTimeoutMs: 111 } },
      }),
    );
    const config = loadConfig({
      file,
      env: { SWITCHBOARD_JSON_WS_PORT: '2', SWITCHBOARD_DATA_DIR: '/from/env' },
      flags: { adapters: { 'json-ws': { port: 3 } } },
    });
    expect(adapterSettings(config, 'json-ws')).toMatchObject({ port: 3, options: { helloTimeoutMs: 111 } });
    expect(config.dataDir).toBe('/from/env');
    expect(config.host).toBe('file-host');
  });

  it('reads every setting, timeouts and limits included, from SWITCHBOARD_* variables', () => {
    const variables = environmentVariables();
    for (const name of [
      'SWITCHBOARD_JSON_WS_PORT',
      'SWITCHBOARD_JSON_WS_HELLO_TIMEOUT_MS',
      'SWITCHBOARD_RS_US_INACTIVITY_TIMEOUT_MS',
      'SWITCHBOARD_SESSIONS_PING_INTERVAL_MS',
      'SWITCHBOARD_SESSIONS_PONG_TIMEOUT_MS',
      'SWITCHBOARD_LIMITS_MAX_CONNECTIONS',
      'SWITCHBOARD_ADMIN_TOKEN',
      'SWITCHBOARD_REDIS',
    ]) {
      expect(variables.has(name), name).toBe(true);
    }
    const config = loadConfig({
      env: {
        SWITCHBOARD_RS_US_INACTIVITY_TIMEOUT_MS: '5000',
        SWITCHBOARD_LIMITS_MAX_CONNECTIONS: '10',
        SWITCHBOARD_ONLY: 'soh,json-ws',
      },
    });
    expect(adapterSettings(config, 'rs-us').options.inactivityTimeoutMs).toBe(5000);
    expect(config.limits.maxConnections).toBe(10);
    expect(enabledAdapters(config).map((a) => a.name)).toEqual(['json-ws', 'soh']);
  });

  it.each([
    [{ flags: { adapters: { soh: { port: 70_000 } } } }, 'adapters.soh.port'],
    [{ env: { SWITCHBOARD_JSON_WS_HELLO_TIMEOUT_MS: 'soon' } }, 'adapters.json-ws.helloTimeoutMs'],
    [{ flags: { only: ['soh', 'telnet'] } }, 'only.1'],
    [{ flags: { redis: 'http://localhost' } }, 'redis'],
    [{ flags: { limits: { maxConnections: -1 } } }, 'limits.maxConnections'],
    [{ flags: { adapters: { 'json-ws': { helloTimeoutMS: 5 } } } }, 'adapters.json-ws'],
  ])('refuses a bad value and names it (%#)', (input, path) => {
    expect(() => loadConfig({ env: {}, ...input })).toThrow(ConfigError);
    expect(() => loadConfig({ env: {}, ...input })).toThrow(path);
  });

  it('names an unreadable or malformed config file', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'bad.json'), '{ not json');
    expect(() => loadConfig({ env: {}, file: join(dir, 'bad.json') })).toThrow(/bad\.json is not valid JSON/);
    expect(() => loadConfig({ env: {}, file: join(dir, 'missing.json') })).toThrow(/cannot read config file/);
  });
});

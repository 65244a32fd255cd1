import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { adapterNames } from '../src/adapters.ts';
import { loadConfig } from '../src/config.ts';
import { CONFIG_SCHEMA_FILE, configJsonSchema } from '../src/config-schema.ts';
import { tempDir } from './gateway-process.ts';

const committed = JSON.parse(readFileSync(CONFIG_SCHEMA_FILE, 'utf8')) as Record<string, unknown>;
/** The committed JSON Schema, read back into a validator: what an editor checks a file against. */
const editorCheck = z.fromJSONSchema(committed as Parameters<typeof z.fromJSONSchema>[0]);

/** The config file of the README, as a user would copy it. */
const readmeExample = {
  host: '0.0.0.0',
  dataDir: './data',
  adapters: {
    'json-ws': { port: 8080, helloTimeoutMs: 10000, idleTimeoutMs: 180000 },
    'rs-us': { inactivityTimeoutMs: 1800000 },
    sessions: { pingIntervalMs: 5000, pongTimeoutMs: 5000 },
    'tcp-rooms': { timeZone: 'Europe/Moscow' },
  },
  admin: { port: 8081, host: '127.0.0.1' },
  limits: {
    maxConnections: 200000,
    maxConnectionsPerAddress: 1000,
    messagesPerSecond: 1000,
    messageBurst: 2000,
    maxQueuedBytes: 4194304,
  },
};

describe('switchboard.schema.json', () => {
  it('is what the config schema generates (regenerate: node scripts/write-config-schema.ts)', () => {
    expect(committed).toEqual(configJsonSchema());
  });

  it('describes every registered adapter and every top-level setting', () => {
    const properties = committed.properties as Record<string, { properties?: Record<string, unknown> }>;
    expect(Object.keys(properties.adapters?.properties ?? {})).toEqual([...adapterNames]);
    for (const setting of ['host', 'dataDir', 'redis', 'admin', 'limits', 'tls', 'trustProxy'])
      expect(properties).toHaveProperty(setting);
  });

  it('accepts the README example and a file that names its $schema', () => {
    expect(editorCheck.safeParse(readmeExample).success).toBe(true);
    expect(editorCheck.safeParse({ $schema: './switchboard.schema.json', ...readmeExample }).success).toBe(
      true,
    );
  });

  it('flags what the gateway would refuse: unknown keys, a port out of range, a wrong type', () => {
    expect(editorCheck.safeParse({ adapters: { 'json-ws': { prot: 8080 } } }).success).toBe(false);
    expect(editorCheck.safeParse({ adpaters: {} }).success).toBe(false);
    expect(editorCheck.safeParse({ admin: { port: 70000 } }).success).toBe(false);
    expect(editorCheck.safeParse({ logLevel: 'loud' }).success).toBe(false);
    expect(editorCheck.safeParse({ limits: { messagesPerSecond: '1000' } }).success).toBe(false);
    for (const refused of [{ adpaters: {} }, { admin: { port: 70000 } }, { logLevel: 'loud' }])
      expect(() => loadConfig({ env: {}, flags: refused })).toThrow(/invalid setting/);
  });

  it('lets a config file carry "$schema" for editors: the gateway ignores it', () => {
    const file = join(tempDir(), 'switchboard.json');
    writeFileSync(file, JSON.stringify({ $schema: './switchboard.schema.json', dataDir: '/srv/chat' }));
    expect(loadConfig({ file, env: {} }).dataDir).toBe('/srv/chat');
  });
});

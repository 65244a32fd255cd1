import { describe, expect, it } from 'vitest';
import { adapterSettings, ConfigError, defaultMaxConnections, loadConfig, tlsFiles } from '../src/config.ts';

describe('edge settings', () => {
  it('trustProxy comes from a list, a comma-separated environment variable or a flag', () => {
    expect(loadConfig({ env: {} }).trustProxy).toEqual([]);
    expect(loadConfig({ env: { SWITCHBOARD_TRUST_PROXY: '10.0.0.0/8, ::1' } }).trustProxy).toEqual([
      '10.0.0.0/8',
      '::1',
    ]);
    expect(loadConfig({ env: {}, flags: { trustProxy: '127.0.0.1,192.168.0.0/16' } }).trustProxy).toEqual([
      '127.0.0.1',
      '192.168.0.0/16',
    ]);
    expect(() => loadConfig({ env: { SWITCHBOARD_TRUST_PROXY: '10.0.0.0/40' } })).toThrow(
      new ConfigError('invalid setting trustProxy.0: not an IP address or CIDR range'),
    );
  });

  it('tls needs both files; each adapter may opt out', () => {
    expect(tlsFiles(loadConfig({ env: {} }))).toBeNull();
    const config = loadConfig({
      env: { SWITCHBOARD_TLS_CERT: '/c.pem', SWITCHBOARD_TLS_KEY: '/k.pem', SWITCHBOARD_SOH_TLS: 'false' },
    });
    expect(tlsFiles(config)).toEqual({ cert: '/c.pem', key: '/k.pem' });
    expect(adapterSettings(config, 'soh').tls).toBe(false);
    expect(adapterSettings(config, 'json-ws').tls).toBe(true);
    expect(adapterSettings(config, 'soh').options).not.toHaveProperty('tls');
    expect(() => loadConfig({ env: { SWITCHBOARD_TLS_CERT: '/c.pem' } })).toThrow(
      new ConfigError('invalid setting tls: needs both cert and key'),
    );
  });

  it('maxConnections defaults below the descriptor limit; an explicit value wins', () => {
    expect(defaultMaxConnections(1_024)).toBe(896);
    expect(defaultMaxConnections(null)).toBe(200_000);
    expect(loadConfig({ env: { SWITCHBOARD_LIMITS_MAX_CONNECTIONS: '300000' } }).limits.maxConnections).toBe(
      300_000,
    );
  });
});

import { describe, expect, it } from 'vitest';
import { clusterSeeds, redactUrl } from './connect-redis.ts';

describe('Redis URLs', () => {
  it('reads a Redis Cluster URL as its seeds, credentials and TLS', () => {
    expect(clusterSeeds('redis+cluster://10.0.0.1:7000,10.0.0.2:7001,redis-c/')).toEqual({
      seeds: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
        { host: 'redis-c', port: 6379 },
      ],
      tls: false,
    });
    expect(clusterSeeds('rediss+cluster://app:s%40cret@[::1]:7000')).toEqual({
      seeds: [{ host: '::1', port: 7000 }],
      username: 'app',
      password: 's@cret',
      tls: true,
    });
    expect(clusterSeeds('redis://127.0.0.1:6379')).toBeNull();
    expect(() => clusterSeeds('redis+cluster://a:99999')).toThrow('bad Redis Cluster seed');
  });

  it('never shows a password in logs', () => {
    expect(redactUrl('redis+cluster://app:secret@a:1,b:2')).toBe('redis+cluster://app:***@a:1,b:2');
    expect(redactUrl('redis://:secret@a:1')).toBe('redis://:***@a:1');
  });
});

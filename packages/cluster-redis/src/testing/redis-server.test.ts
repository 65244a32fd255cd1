import { expect, it } from 'vitest';
import { RedisServer } from './redis-server.ts';

it('fails with a clear message when redis-server is not on the PATH', async () => {
  await expect(RedisServer.start('redis-server-that-is-not-installed')).rejects.toThrow(
    'redis-server is not on the PATH: the cluster-redis tests need a real Redis',
  );
});

it('starts on a free port, answers, and can be killed and restarted on the same port', async () => {
  const server = await RedisServer.start();
  try {
    expect(server.port).not.toBe(6379);
    await server.kill();
    await server.restart();
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
  } finally {
    await server.kill();
  }
});

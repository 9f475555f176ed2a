/** The suite's Redis (redis-global-setup.ts): the configured one, the local one, a throw-away one, or one clear line. */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import {
  INSTALL_HINT,
  freePort,
  provideRedis,
  redisAvailable,
  redisServerInstalled,
  type SuiteRedis,
} from './redis-global-setup.js';

const installed = await redisServerInstalled();
const started: SuiteRedis[] = [];
afterEach(async () => {
  for (const redis of started.splice(0)) await redis.stop();
});

async function ping(url: string): Promise<string> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {}); // a refused connection is the answer here, not an unhandled event
  try {
    await client.connect();
    return await client.ping();
  } finally {
    client.disconnect();
  }
}

describe('the suite Redis', () => {
  it('is the configured URL when CONFPUSH_TEST_REDIS_URL is set', async () => {
    const redis = await provideRedis({
      configuredUrl: 'redis://redis.invalid:6380',
      defaultPort: await freePort(),
    });
    expect(redis.url).toBe('redis://redis.invalid:6380');
  });

  it.skipIf(!installed)(
    'is a throw-away redis-server on a free port when none answers, gone after stop',
    async () => {
      const deadPort = await freePort();
      const redis = await provideRedis({ defaultPort: deadPort });
      started.push(redis);
      expect(redis.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
      expect(redis.url).not.toBe(`redis://127.0.0.1:${deadPort}`);
      expect(await ping(redis.url)).toBe('PONG');
      await redis.stop();
      await expect(ping(redis.url)).rejects.toThrow();
    },
  );

  it.skipIf(!installed)('is the Redis answering on the default port, without starting another', async () => {
    const running = await provideRedis({ defaultPort: await freePort() });
    started.push(running);
    const port = Number(new URL(running.url).port);
    const reused = await provideRedis({ defaultPort: port, binary: 'confpush-no-such-redis-server' });
    expect(reused.url).toBe(running.url);
  });

  it('fails with one line saying how to install it when redis-server is missing', async () => {
    const options = { defaultPort: await freePort(), binary: 'confpush-no-such-redis-server' };
    expect(await redisAvailable(options)).toBe(false);
    const failure = await provideRedis(options).then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(failure?.message).toBe(INSTALL_HINT);
    expect(INSTALL_HINT).not.toContain('\n');
    expect(INSTALL_HINT).toMatch(/install redis-server/);
  });
});

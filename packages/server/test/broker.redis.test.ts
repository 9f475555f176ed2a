/**
 * The broker conformance suite against the Redis broker (`CONFPUSH_TEST_REDIS_URL`, default the local Redis): two
 * brokers on one key prefix, as two nodes have; entries published on the meeting's channel, as the commit script
 * publishes them.
 */
import { Redis } from 'ioredis';
import { RedisBroker } from '../src/broker/redis.js';
import { RedisKeys } from '../src/store/redis-keys.js';
import { describeBroker } from './broker-conformance.js';
import { TEST_REDIS_URL, tempDir, testRedisPrefix } from './helpers.js';

describeBroker('RedisBroker', {
  async open() {
    const prefix = testRedisPrefix(tempDir());
    const keys = new RedisKeys(prefix);
    const brokers: [RedisBroker, RedisBroker] = [
      new RedisBroker({ url: TEST_REDIS_URL, prefix }),
      new RedisBroker({ url: TEST_REDIS_URL, prefix }),
    ];
    for (const b of brokers) await b.open();
    const publisher = new Redis(TEST_REDIS_URL);
    return {
      brokers,
      publish: async (entry) => {
        await publisher.publish(keys.channel(entry.confId), JSON.stringify(entry));
      },
      close: async () => {
        for (const b of brokers) await b.close();
        publisher.disconnect();
      },
    };
  },
});

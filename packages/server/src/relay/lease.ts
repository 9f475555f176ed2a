/**
 * Which node of a relay cluster follows a meeting: a lease per meeting in Redis, taken or renewed at every
 * discovery pass and released when the node stops, so one upstream connection serves the whole cluster and another
 * node takes over within a lease's life when the holder dies. A node without Redis holds every lease.
 */
import { Redis } from 'ioredis';

export interface FollowLease {
  /** Takes or renews the lease of a meeting; false when another node holds it. */
  hold(conferenceID: string): Promise<boolean>;
  release(conferenceID: string): Promise<void>;
  close(): Promise<void>;
}

const HOLD = `
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if not holder then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export function openLease(options: {
  redisUrl: string;
  prefix: string;
  nodeId: string;
  ttlMs: number;
}): FollowLease {
  if (options.redisUrl === '')
    return { hold: async () => true, release: async () => undefined, close: async () => undefined };
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 1 });
  const key = (id: string) => `${options.prefix}relay:lease:${id}`;
  return {
    async hold(id) {
      return (await redis.eval(HOLD, 1, key(id), options.nodeId, String(options.ttlMs))) === 1;
    },
    async release(id) {
      await redis.eval(RELEASE, 1, key(id), options.nodeId);
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

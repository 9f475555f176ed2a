/**
 * The sink part of the Redis store (`outbox.ts`). Keys: `<p>outbox:<topic>` (stream, written by the commit script),
 * `<p>sink:<ns>` (hash id → value), `<p>sinklog:<list>` (list, newest first), `<p>lease:<name>` (string: holder,
 * with its expiry).
 */
import type { Redis } from 'ioredis';
import type { SinkOp, SinkStore, StoredOutboxMessage } from './outbox.js';

/** Renews the lease only for its holder (or takes it when free). */
const LEASE = `
local held = redis.call('GET', KEYS[1])
if held == false or held == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end return 0`;

export class RedisSinkStore implements SinkStore {
  readonly shared = true;
  readonly #redis: Redis;
  readonly #prefix: string;
  /** For XREAD BLOCK, which holds its connection: made on first use. */
  #blocking: Redis | undefined;

  /** The client was opened for this sink store alone (another thread's): `close()` closes it. */
  readonly #owned: boolean;

  constructor(redis: Redis, prefix: string, options: { owned?: boolean } = {}) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#owned = options.owned ?? false;
  }

  async readOutbox(topic: string, after: string, limit: number): Promise<StoredOutboxMessage[]> {
    const start = after === '' ? '-' : `(${after}`;
    const rows = await this.#redis.xrange(`${this.#prefix}outbox:${topic}`, start, '+', 'COUNT', limit);
    return rows.map(([id, fields]) => {
      const field = (name: string) => fields[fields.indexOf(name) + 1] ?? '';
      return { id, body: field('b'), at: Number(field('c')) };
    });
  }

  async get(ns: string, id: string): Promise<string | undefined> {
    return (await this.#redis.hget(`${this.#prefix}sink:${ns}`, id)) ?? undefined;
  }

  async list(ns: string): Promise<{ id: string; value: string }[]> {
    const all = await this.#redis.hgetall(`${this.#prefix}sink:${ns}`);
    return Object.entries(all).map(([id, value]) => ({ id, value }));
  }

  async apply(ops: readonly SinkOp[]): Promise<void> {
    const tx = this.#redis.multi();
    const caps = new Map<string, number>();
    for (const o of ops) {
      if (o.op === 'put') tx.hset(`${this.#prefix}sink:${o.ns}`, o.id, o.value);
      else if (o.op === 'del') tx.hdel(`${this.#prefix}sink:${o.ns}`, o.id);
      else if (o.op === 'trim') {
        // MINID keeps ids >= the argument: the next possible id after upTo.
        const [ms, seq] = o.upTo.split('-');
        tx.xtrim(`${this.#prefix}outbox:${o.topic}`, 'MINID', `${ms}-${Number(seq) + 1}`);
      } else {
        tx.lpush(`${this.#prefix}sinklog:${o.list}`, o.value);
        caps.set(o.list, o.cap);
      }
    }
    for (const [list, cap] of caps) tx.ltrim(`${this.#prefix}sinklog:${list}`, 0, cap - 1);
    const replies = await tx.exec();
    for (const [error] of replies ?? []) if (error) throw error;
  }

  async recent(list: string, limit: number): Promise<string[]> {
    return this.#redis.lrange(`${this.#prefix}sinklog:${list}`, 0, limit - 1);
  }

  async waitOutbox(topic: string, after: string, timeoutMs: number): Promise<boolean> {
    this.#blocking ??= this.#redis.duplicate();
    const key = `${this.#prefix}outbox:${topic}`;
    const rows = await this.#blocking.xread(
      'COUNT',
      1,
      'BLOCK',
      timeoutMs,
      'STREAMS',
      key,
      after === '' ? '0-0' : after,
    );
    return (rows?.length ?? 0) > 0;
  }

  async close(): Promise<void> {
    this.#blocking?.disconnect();
    this.#blocking = undefined;
    if (this.#owned) this.#redis.disconnect();
  }

  async lease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    return (await this.#redis.eval(LEASE, 1, `${this.#prefix}lease:${name}`, holder, ttlMs)) === 1;
  }

  async release(name: string, holder: string): Promise<void> {
    await this.#redis.eval(RELEASE, 1, `${this.#prefix}lease:${name}`, holder);
  }
}

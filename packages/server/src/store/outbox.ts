/**
 * What a sink keeps in the node's store: its outbox (messages the commit wrote with their entries, read in commit
 * order and trimmed once taken over), a small keyed state whose changes apply atomically together, capped lists
 * (e.g. a delivery log), and a lease so that one node of a cluster does the sink's work. The embedded SQLite store
 * and Redis each implement it (`sqlite-outbox.ts`, `redis-outbox.ts`).
 */
import { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Store } from './types.js';
import { RedisStore } from './redis.js';
import { RedisSinkStore } from './redis-outbox.js';
import { SqliteStore } from './sqlite.js';
import { openDbFile } from './sqlite-db.js';
import { openSinkDb } from './sqlite-sink-db.js';
import { SqliteSinkStore } from './sqlite-outbox.js';

export interface StoredOutboxMessage {
  /** Increasing in commit order (an opaque cursor). */
  id: string;
  body: string;
  at: number;
}

export type SinkOp =
  | { op: 'put'; ns: string; id: string; value: string }
  | { op: 'del'; ns: string; id: string }
  /** Appends to a capped list (the oldest values beyond `cap` are dropped). */
  | { op: 'push'; list: string; value: string; cap: number }
  /** Drops the topic's outbox messages up to and including `upTo` (taken over). */
  | { op: 'trim'; topic: string; upTo: string };

export interface SinkStore {
  /** Whether other nodes share this state (Redis) or this process alone has it (SQLite). */
  readonly shared: boolean;
  /** Outbox messages after the cursor ('' = from the start), in commit order. */
  readOutbox(topic: string, after: string, limit: number): Promise<StoredOutboxMessage[]>;
  get(ns: string, id: string): Promise<string | undefined>;
  list(ns: string): Promise<{ id: string; value: string }[]>;
  /**
   * Applies every operation, or none. `replayable`: the step may be lost in a power failure (not in a process
   * crash) as long as it is all lost — because losing it only makes its work be done again (taking outbox messages
   * over again, repeating an attempt). On SQLite such a step skips its fsync (synchronous=NORMAL for it); the next
   * durable commit makes it durable too (the WAL is written in order).
   */
  apply(ops: readonly SinkOp[], options?: { replayable?: boolean }): Promise<void>;
  /** The newest `limit` values of a capped list, newest first. */
  recent(list: string, limit: number): Promise<string[]>;
  /** Takes or renews the lease `name` for `holder`; false while another holder has it. */
  lease(name: string, holder: string, ttlMs: number): Promise<boolean>;
  release(name: string, holder: string): Promise<void>;
  /**
   * Shared stores: waits until the topic has a message after `after` ('' = any), at most `timeoutMs`; true when it
   * has. Lets the one node that works through the outbox learn of other nodes' commits at once.
   */
  waitOutbox?(topic: string, after: string, timeoutMs: number): Promise<boolean>;
  /**
   * Housekeeping that writes to disk in bulk (on SQLite: deleting taken-over outbox rows, checkpointing the sinks'
   * file), for its user to run when it is idle — bulk writes slow the node's own fsyncs down — and at least every so
   * often. Stores without such work leave it out.
   */
  maintain?(): Promise<void>;
  /** Releases what the sink store holds beyond the node's store (a blocking connection). */
  close?(): Promise<void>;
}

/** The sink part of the node's store (its SQLite connection, or Redis client, and the sinks' file). */
export function sinkStoreOf(store: Store): SinkStore {
  if (store instanceof SqliteStore)
    return new SqliteSinkStore({
      node: store.db,
      sinks: openSinkDb({ ...store.settings, node: store.db }),
      owns: { node: false, sinks: true },
    });
  if (store instanceof RedisStore) return new RedisSinkStore(store.db.redis, store.db.keys.prefix);
  throw new Error('this store keeps no sink state');
}

export type SinkStoreSettings = Pick<Config, 'dataDir' | 'syncMode' | 'redisUrl' | 'redisPrefix'>;

/**
 * The sink part of the store the settings name, on a connection of its own (for a thread other than the node's:
 * the webhook delivery thread). `close()` closes that connection. A Redis client that cannot connect keeps trying in
 * the background; meanwhile its calls fail, and the caller retries them.
 */
export function openSinkStore(settings: SinkStoreSettings): SinkStore {
  if (settings.redisUrl === '')
    return new SqliteSinkStore({
      node: openDbFile(settings.dataDir),
      sinks: openSinkDb(settings),
      owns: { node: true, sinks: true },
    });
  const redis = new Redis(settings.redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectionName: 'confpush-webhooks',
    retryStrategy: (times) => Math.min(50 * times, 1000),
  });
  redis.on('error', () => undefined); // a failed call reports it; the client keeps reconnecting
  return new RedisSinkStore(redis, settings.redisPrefix, { owned: true });
}

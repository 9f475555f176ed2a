/**
 * The one store factory: the node and the CLI open the store the configuration names, with its broker. The embedded
 * SQLite file is the shared store of a one-node cluster (its broker is in memory); with `redisUrl`, Redis holds the
 * data and carries the fan-out between any number of nodes (docs/cluster.md).
 */
import type { Logger } from 'pino';
import type { Broker } from '../broker/broker.js';
import { MemoryBroker } from '../broker/memory.js';
import { RedisBroker } from '../broker/redis.js';
import { systemClock, type Clock } from '../clock.js';
import type { Config } from '../config.js';
import { newEpoch } from '../ids.js';
import { RedisStore } from './redis.js';
import { SqliteStore } from './sqlite.js';
import type { Store } from './types.js';

export type StoreSettings = Pick<
  Config,
  'dataDir' | 'syncMode' | 'logRetention' | 'redisUrl' | 'redisPrefix'
>;

export interface OpenedStore {
  store: Store;
  broker: Broker;
}

export interface OpenStoreOptions {
  clock?: Clock | undefined;
  logger?: Logger | undefined;
  /** SQLite: checkpoint the file on a thread of its own (a node's store; store/sqlite-checkpointer.ts). */
  backgroundCheckpoint?: boolean;
}

/** How often the background checkpoint of a node's SQLite file runs. */
export const CHECKPOINT_INTERVAL_MS = 100;

/** Opens (connects) the store and its broker; on failure nothing stays open. */
export async function openStore(
  settings: StoreSettings,
  options: OpenStoreOptions = {},
): Promise<OpenedStore> {
  if (settings.redisUrl === '') {
    const broker = new MemoryBroker();
    const store = new SqliteStore({
      dataDir: settings.dataDir,
      syncMode: settings.syncMode,
      logRetention: settings.logRetention,
      newEpoch,
      publish: (entry) => broker.publish(entry),
      checkpointer: options.backgroundCheckpoint
        ? { intervalMs: CHECKPOINT_INTERVAL_MS, logger: options.logger }
        : undefined,
    });
    return { store, broker };
  }
  const store = new RedisStore({
    url: settings.redisUrl,
    prefix: settings.redisPrefix,
    logRetention: settings.logRetention,
    newEpoch,
    clock: options.clock ?? systemClock,
    logger: options.logger,
  });
  const broker = new RedisBroker({
    url: settings.redisUrl,
    prefix: settings.redisPrefix,
    logger: options.logger,
  });
  try {
    await store.open();
    await broker.open();
  } catch (error) {
    await broker.close();
    await store.close();
    throw error;
  }
  return { store, broker };
}

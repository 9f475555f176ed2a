/**
 * The cluster store: every node of a cluster keeps its meetings, tokens and identities in one Redis (see
 * `redis-keys.ts` for the key layout and `redis/*.lua` for the scripts). Made of three parts sharing one
 * connection, as `SqliteStore` is.
 */
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../clock.js';
import { RedisDb } from './redis-db.js';
import { RedisIdentityStore } from './redis-identity.js';
import { RedisMeetingStore } from './redis-meetings.js';
import { RedisTokenStore } from './redis-tokens.js';
import type { Store } from './types.js';

export interface RedisStoreOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS). */
  url: string;
  /** Prefix of every key (setting `redisPrefix`). */
  prefix: string;
  /** Incrementals kept per stream for resume. */
  logRetention: number;
  /** New stream epochs (when a meeting's epochs are renewed). */
  newEpoch: () => string;
  /** The clock that token expiry times come from (key lifetimes are computed with it). */
  clock?: Clock;
  logger?: Logger | undefined;
}

export class RedisStore implements Store {
  readonly db: RedisDb;
  readonly identity: RedisIdentityStore;
  readonly tokens: RedisTokenStore;
  readonly meetings: RedisMeetingStore;

  constructor({ url, prefix, logger, clock = systemClock, ...meetings }: RedisStoreOptions) {
    this.db = new RedisDb({ url, prefix, logger });
    this.identity = new RedisIdentityStore(this.db, clock);
    this.tokens = new RedisTokenStore(this.db, clock);
    this.meetings = new RedisMeetingStore(this.db, meetings);
  }

  /** Connects, loads the scripts, reads the incarnation and logs what Redis does about durability. */
  async open(): Promise<void> {
    await this.db.open();
    await this.db.checkDurability();
  }

  onIncarnationChange(handler: () => void): void {
    this.db.onIncarnationChange(() => handler());
  }

  /** Nothing to do: every token key expires by itself. */
  purgeExpired(): void {}

  async close(): Promise<void> {
    await this.db.close();
  }
}

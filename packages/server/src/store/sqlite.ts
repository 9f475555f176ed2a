/**
 * The embedded store: one SQLite file under the data directory, made of three parts sharing one connection (the
 * sinks keep their state in a second file beside it: store/sqlite-sink-db.ts).
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { BrokerEntry } from '../broker/broker.js';
import { WalCheckpointer } from './sqlite-checkpointer.js';
import { DB_FILE, openDb, type Db } from './sqlite-db.js';
import { SqliteIdentityStore } from './sqlite-identity.js';
import { SqliteMeetingStore } from './sqlite-meetings.js';
import { SqliteTokenStore } from './sqlite-tokens.js';
import type { Store } from './types.js';

export interface SqliteStoreOptions {
  dataDir: string;
  syncMode: 'full' | 'normal';
  logRetention: number;
  /** A new stream epoch (when a meeting's streams are restarted). */
  newEpoch: () => string;
  /** Receives every committed entry once durable (the in-memory broker of a one-node cluster). */
  publish?: ((entry: BrokerEntry) => void) | undefined;
  memory?: boolean;
  /**
   * Checkpoint the file on a thread of its own every `intervalMs` (store/sqlite-checkpointer.ts), instead of in
   * the commit that fills the WAL; a node does, a command of the CLI does not need to.
   */
  checkpointer?: { intervalMs: number; logger?: Logger | undefined } | undefined;
}

export class SqliteStore implements Store {
  readonly db: Db;
  readonly identity: SqliteIdentityStore;
  readonly tokens: SqliteTokenStore;
  readonly meetings: SqliteMeetingStore;
  /** Where the file is and how it syncs (the sinks' file beside it follows them: store/sqlite-sink-db.ts). */
  readonly settings: Pick<SqliteStoreOptions, 'dataDir' | 'syncMode'>;
  /** The background checkpoint of the file, when the store was opened with one. */
  readonly checkpointer: WalCheckpointer | undefined;

  constructor(options: SqliteStoreOptions) {
    this.db = openDb(options);
    this.settings = { dataDir: options.dataDir, syncMode: options.syncMode };
    this.identity = new SqliteIdentityStore(this.db);
    this.tokens = new SqliteTokenStore(this.db);
    this.meetings = new SqliteMeetingStore(this.db, options);
    this.checkpointer =
      options.checkpointer && !options.memory
        ? new WalCheckpointer({
            db: this.db,
            file: join(options.dataDir, DB_FILE),
            syncMode: options.syncMode,
            ...options.checkpointer,
          })
        : undefined;
  }

  /** Housekeeping: drops expired WebSocket, control and access tokens. */
  purgeExpired(now: number): void {
    this.tokens.purgeExpired(now);
    this.identity.purgeExpired(now);
  }

  async close(): Promise<void> {
    // The thread's connection closes first: the last one to close checkpoints the whole WAL and removes it.
    await this.checkpointer?.stop();
    if (this.db.open) this.db.close();
  }
}

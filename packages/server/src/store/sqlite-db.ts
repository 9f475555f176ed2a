/**
 * Opens the SQLite database under the data directory and brings its schema up to date.
 * One file, WAL journal; `synchronous` follows the `syncMode` setting (FULL by default: a commit is on disk
 * before it is acknowledged or pushed).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export type Db = Database.Database;

export const DB_FILE = 'confpush.sqlite';

/**
 * The sinks' state and capped logs. Created in the node's file by an early migration (kept there, empty: their rows
 * moved to the sinks' own file, sqlite-sink-db.ts, which has the same tables).
 */
export const SINK_TABLES = `
  CREATE TABLE sink_state (
    ns          TEXT NOT NULL,
    id          TEXT NOT NULL,
    value       TEXT NOT NULL,
    PRIMARY KEY (ns, id)
  ) WITHOUT ROWID;
  CREATE TABLE sink_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    list        TEXT NOT NULL,
    value       TEXT NOT NULL
  );
  CREATE INDEX sink_log_list ON sink_log (list, id);`;

const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE corps (
    corp_id     TEXT PRIMARY KEY,
    sp_id       TEXT,
    name        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
  );
  CREATE TABLE apps (
    app_id      TEXT PRIMARY KEY,
    app_key     TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('enterprise', 'sp')),
    corp_id     TEXT,
    sp_id       TEXT,
    created_at  INTEGER NOT NULL
  );
  CREATE TABLE users (
    user_id        TEXT PRIMARY KEY,
    corp_id        TEXT NOT NULL,
    account        TEXT UNIQUE,
    third_account  TEXT,
    app_id         TEXT,
    password_hash  TEXT,
    name           TEXT NOT NULL,
    email          TEXT,
    phone          TEXT,
    sip_number     TEXT NOT NULL,
    user_type      INTEGER NOT NULL,
    admin_type     INTEGER NOT NULL,
    created_at     INTEGER NOT NULL
  );
  CREATE UNIQUE INDEX users_third ON users (corp_id, app_id, third_account) WHERE third_account IS NOT NULL;
  CREATE TABLE access_tokens (
    token             TEXT PRIMARY KEY,
    user_id           TEXT NOT NULL,
    client_type       INTEGER NOT NULL,
    token_ip          TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    expires_at        INTEGER NOT NULL,
    refresh_token     TEXT NOT NULL UNIQUE,
    refresh_expires_at INTEGER NOT NULL
  );
  CREATE INDEX access_tokens_user ON access_tokens (user_id, created_at);
  CREATE TABLE nonces (
    app_id      TEXT NOT NULL,
    nonce       TEXT NOT NULL,
    expires_at  INTEGER NOT NULL,
    PRIMARY KEY (app_id, nonce)
  );
  CREATE TABLE conf_tokens (
    token       TEXT PRIMARY KEY,
    conf_id     TEXT NOT NULL,
    role        INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
  );
  CREATE INDEX conf_tokens_conf ON conf_tokens (conf_id);
  CREATE TABLE ws_tokens (
    token       TEXT PRIMARY KEY,
    conf_id     TEXT NOT NULL,
    conf_token  TEXT NOT NULL,
    expires_at  INTEGER NOT NULL
  );
  CREATE TABLE meetings (
    conf_id     TEXT PRIMARY KEY,
    corp_id     TEXT NOT NULL,
    owner_id    TEXT NOT NULL,
    state       TEXT NOT NULL,
    start_at    INTEGER NOT NULL,
    record      TEXT NOT NULL
  );
  CREATE INDEX meetings_owner ON meetings (corp_id, owner_id, state);
  CREATE TABLE streams (
    conf_id     TEXT NOT NULL,
    category    TEXT NOT NULL,
    epoch       TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    PRIMARY KEY (conf_id, category)
  ) WITHOUT ROWID;
  CREATE TABLE stream_items (
    conf_id     TEXT NOT NULL,
    category    TEXT NOT NULL,
    item_key    TEXT NOT NULL,
    ord         INTEGER NOT NULL,
    value       TEXT NOT NULL,
    PRIMARY KEY (conf_id, category, item_key)
  ) WITHOUT ROWID;
  CREATE TABLE stream_log (
    conf_id     TEXT NOT NULL,
    category    TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    payload     TEXT NOT NULL,
    PRIMARY KEY (conf_id, category, seq)
  ) WITHOUT ROWID;
  `,
  // The meeting's revision and head entry (the embedded store is a one-node cluster's shared store).
  `
  ALTER TABLE meetings ADD COLUMN rev INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE meetings ADD COLUMN head TEXT NOT NULL DEFAULT '';
  `,
  // Sinks: messages committed with their entries, and the sinks' own state (store/outbox.ts).
  `
  CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    topic       TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
  );
  CREATE INDEX outbox_topic ON outbox (topic, id);
  ${SINK_TABLES}
  `,
];

export interface OpenDbOptions {
  dataDir: string;
  syncMode: 'full' | 'normal';
  /** Use an in-memory database (tests of pure store logic only). */
  memory?: boolean;
}

export function openDb(options: OpenDbOptions): Db {
  let file = ':memory:';
  if (!options.memory) {
    mkdirSync(options.dataDir, { recursive: true });
    file = join(options.dataDir, DB_FILE);
  }
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.syncMode === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

/**
 * A further connection to the node's file, which a node has opened (and migrated): for a thread other than the
 * node's. Its own writes are replayable steps only, so it does not fsync (synchronous=NORMAL).
 */
export function openDbFile(dataDir: string): Db {
  const db = new Database(join(dataDir, DB_FILE), { fileMustExist: true });
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  return db;
}

function migrate(db: Db): void {
  runMigrations(
    db,
    MIGRATIONS.map((sql) => () => db.exec(sql)),
  );
}

/** Runs the steps after the file's `user_version`, each in a transaction of its own that advances it. */
export function runMigrations(db: Db, steps: readonly (() => void)[]): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let v = current; v < steps.length; v++) {
    db.transaction(() => {
      steps[v]?.();
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}

/**
 * The sinks' own SQLite file, `sinks.sqlite` beside the node's `confpush.sqlite`: their state and capped logs
 * (store/outbox.ts; the webhook configurations, pending and dead deliveries, the delivery log). It is a file apart so
 * that the webhook delivery thread, which writes it all the time, neither holds the write lock the node's commits
 * wait for nor adds its pages to their fsync. The outbox stays in the node's file: a commit writes it in its own
 * transaction.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runMigrations, SINK_TABLES, type Db } from './sqlite-db.js';

export const SINKS_FILE = 'sinks.sqlite';

type Migration = (sinks: Db, node: Db | undefined) => void;

const MIGRATIONS: readonly Migration[] = [
  (sinks) => sinks.exec(SINK_TABLES),
  // Versions before this file kept the sinks' state in the node's file: it is taken over, in order.
  (sinks, node) => {
    if (!node) throw new Error(`${SINKS_FILE} must first be opened by the node`);
    const put = sinks.prepare('INSERT INTO sink_state (ns, id, value) VALUES (?, ?, ?)');
    for (const row of node.prepare('SELECT ns, id, value FROM sink_state').iterate())
      put.run(...Object.values(row as object));
    const push = sinks.prepare('INSERT INTO sink_log (list, value) VALUES (?, ?)');
    for (const row of node.prepare('SELECT list, value FROM sink_log ORDER BY id').iterate())
      push.run(...Object.values(row as object));
  },
];

export interface OpenSinkDbOptions {
  dataDir: string;
  syncMode: 'full' | 'normal';
  /** The node's own connection to its file: the first open takes over what earlier versions kept there. */
  node?: Db;
}

export function openSinkDb(options: OpenSinkDbOptions): Db {
  const db = new Database(join(options.dataDir, SINKS_FILE));
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.syncMode === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma('busy_timeout = 5000');
  // Checkpoints are the sink store's `maintain()` (run by the deliverer when idle): an automatic one would write the
  // whole WAL back and fsync in the middle of a burst of deliveries, or on the node's thread.
  db.pragma('wal_autocheckpoint = 0');
  runMigrations(
    db,
    MIGRATIONS.map((step) => () => step(db, options.node)),
  );
  // What was taken over leaves the node's file (a crash before this only repeats it at the next start).
  if (options.node) {
    const node = options.node;
    node
      .transaction(() => {
        node.exec('DELETE FROM sink_state; DELETE FROM sink_log;');
      })
      .immediate();
  }
  return db;
}

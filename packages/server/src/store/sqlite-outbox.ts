/**
 * The sink part of the embedded store (`outbox.ts`): the outbox is in the node's file (`confpush.sqlite`, written by
 * the commit in its own transaction), the state and capped logs in the sinks' file (`sqlite-sink-db.ts`).
 *
 * Since the two files do not commit together, taking messages over (`trim`) is done in two steps: the step that
 * takes them records the topic's mark in the sinks' file; the outbox rows up to a mark are deleted by `maintain()`,
 * only once that mark is on disk (an fsync'd copy of it), in small steps that hold the node's write lock briefly.
 * Until then the rows stay, and readers skip them by their cursor. `maintain()` also checkpoints the sinks' file,
 * which its connections never do on their own (`sqlite-sink-db.ts`).
 */
import type { Transaction } from 'better-sqlite3';
import type { Db } from './sqlite-db.js';
import type { SinkOp, SinkStore, StoredOutboxMessage } from './outbox.js';

export interface SqliteSinkFiles {
  /** A connection to the node's file (its outbox). */
  node: Db;
  /** A connection to the sinks' file. */
  sinks: Db;
  /** The connections this store opened, and so closes. */
  owns: { node: boolean; sinks: boolean };
}

const TRIM_STEP = 500;
/** Per topic, the last message taken over (written with the step that took it) and its copy known to be on disk. */
const TAKEN = 'sink-store:taken';
const TRIMMABLE = 'sink-store:trimmable';

export class SqliteSinkStore implements SinkStore {
  readonly shared = false;
  readonly #files: SqliteSinkFiles;
  readonly #stmts;
  /** Run `.immediate`: two connections (the node's and the delivery thread's) write the sinks' file. */
  readonly #apply: Transaction<(ops: readonly SinkOp[]) => void>;
  #maintaining: Promise<void> | undefined;

  constructor(files: SqliteSinkFiles) {
    this.#files = files;
    const { node, sinks } = files;
    this.#stmts = {
      read: node.prepare(
        'SELECT id, body, created_at FROM outbox WHERE topic = ? AND id > ? ORDER BY id LIMIT ?',
      ),
      trimStep: node.prepare(
        'DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE topic = ? AND id <= ? ORDER BY id LIMIT ?)',
      ),
      get: sinks.prepare('SELECT value FROM sink_state WHERE ns = ? AND id = ?'),
      list: sinks.prepare('SELECT id, value FROM sink_state WHERE ns = ?'),
      put: sinks.prepare(
        'INSERT INTO sink_state (ns, id, value) VALUES (?, ?, ?) ON CONFLICT (ns, id) DO UPDATE SET value = excluded.value',
      ),
      del: sinks.prepare('DELETE FROM sink_state WHERE ns = ? AND id = ?'),
      push: sinks.prepare('INSERT INTO sink_log (list, value) VALUES (?, ?)'),
      cap: sinks.prepare(
        'DELETE FROM sink_log WHERE list = ? AND id <= (SELECT id FROM sink_log WHERE list = ? ORDER BY id DESC LIMIT 1 OFFSET ?)',
      ),
      recent: sinks.prepare('SELECT value FROM sink_log WHERE list = ? ORDER BY id DESC LIMIT ?'),
    };
    this.#apply = sinks.transaction((ops: readonly SinkOp[]) => {
      // A list is capped once per step, not per value: the cap is a scan of `cap` rows.
      const caps = new Map<string, number>();
      for (const o of ops) {
        if (o.op === 'put') this.#stmts.put.run(o.ns, o.id, o.value);
        else if (o.op === 'del') this.#stmts.del.run(o.ns, o.id);
        else if (o.op === 'trim') this.#stmts.put.run(TAKEN, o.topic, o.upTo);
        else {
          this.#stmts.push.run(o.list, o.value);
          caps.set(o.list, o.cap);
        }
      }
      for (const [list, cap] of caps) this.#stmts.cap.run(list, list, cap);
    });
  }

  async readOutbox(topic: string, after: string, limit: number): Promise<StoredOutboxMessage[]> {
    const rows = this.#stmts.read.all(topic, after === '' ? 0 : Number(after), limit) as {
      id: number;
      body: string;
      created_at: number;
    }[];
    return rows.map((r) => ({ id: String(r.id), body: r.body, at: r.created_at }));
  }

  async get(ns: string, id: string): Promise<string | undefined> {
    return (this.#stmts.get.get(ns, id) as { value: string } | undefined)?.value;
  }

  async list(ns: string): Promise<{ id: string; value: string }[]> {
    return this.#stmts.list.all(ns) as { id: string; value: string }[];
  }

  async apply(ops: readonly SinkOp[], options: { replayable?: boolean } = {}): Promise<void> {
    if (options.replayable) replayably(this.#files.sinks, () => this.#apply.immediate(ops));
    else this.#apply.immediate(ops);
  }

  async recent(list: string, limit: number): Promise<string[]> {
    return (this.#stmts.recent.all(list, limit) as { value: string }[]).map((r) => r.value);
  }

  /** One process owns the SQLite files: it always holds every lease. */
  async lease(): Promise<boolean> {
    return true;
  }

  async release(): Promise<void> {}

  async close(): Promise<void> {
    await this.#maintaining;
    const { node, sinks, owns } = this.#files;
    if (owns.sinks && sinks.open) sinks.close();
    if (owns.node && node.open) node.close();
  }

  /** Stores the marks durably, checkpoints the sinks' file, then deletes the outbox rows up to the marks. */
  maintain(): Promise<void> {
    this.#maintaining ??= (async () => {
      const { node, sinks } = this.#files;
      const taken = this.#stmts.list.all(TAKEN) as { id: string; value: string }[];
      // A durable step: the marks, and every replayable step before them, are on disk after it (one WAL, in order).
      sinks
        .transaction(() => {
          for (const mark of taken) this.#stmts.put.run(TRIMMABLE, mark.id, mark.value);
        })
        .immediate();
      sinks.pragma('wal_checkpoint(PASSIVE)');
      for (const mark of taken) {
        // Losing a trim step only leaves rows to be trimmed again: no fsync of its own.
        while (
          replayably(node, () => this.#stmts.trimStep.run(mark.id, Number(mark.value), TRIM_STEP)).changes ===
          TRIM_STEP
        )
          await new Promise<void>((resolve) => setImmediate(resolve));
      }
    })().finally(() => (this.#maintaining = undefined));
    return this.#maintaining;
  }
}

/**
 * Runs a step with synchronous=NORMAL on `db` (no fsync of its own) when it would otherwise fsync: FULL (2) or
 * EXTRA (3).
 */
function replayably<T>(db: Db, step: () => T): T {
  const level = db.pragma('synchronous', { simple: true }) as number;
  if (level < 2) return step();
  db.pragma('synchronous = NORMAL');
  try {
    return step();
  } finally {
    db.pragma(`synchronous = ${level}`);
  }
}

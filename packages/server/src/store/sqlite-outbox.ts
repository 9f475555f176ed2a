/** The sink part of the embedded store (`outbox.ts`): tables `outbox`, `sink_state`, `sink_log`. */
import type { Transaction } from 'better-sqlite3';
import type { Db } from './sqlite-db.js';
import type { SinkOp, SinkStore, StoredOutboxMessage } from './outbox.js';

export class SqliteSinkStore implements SinkStore {
  readonly shared = false;
  readonly #stmts;
  /** Run `.immediate`: two connections (the node's and the delivery thread's) write these tables. */
  readonly #apply: Transaction<(ops: readonly SinkOp[]) => void>;
  readonly #db: Db;
  /** synchronous=FULL (2) or EXTRA (3): a replayable step lowers it to NORMAL for its own commit. */
  readonly #fsyncs: boolean;
  /** The connection was opened for this sink store alone (another thread's): `close()` closes it. */
  readonly #owned: boolean;

  constructor(db: Db, options: { owned?: boolean } = {}) {
    this.#db = db;
    this.#owned = options.owned ?? false;
    this.#fsyncs = Number(db.pragma('synchronous', { simple: true })) >= 2;
    this.#stmts = {
      read: db.prepare(
        'SELECT id, body, created_at FROM outbox WHERE topic = ? AND id > ? ORDER BY id LIMIT ?',
      ),
      trim: db.prepare('DELETE FROM outbox WHERE topic = ? AND id <= ?'),
      get: db.prepare('SELECT value FROM sink_state WHERE ns = ? AND id = ?'),
      list: db.prepare('SELECT id, value FROM sink_state WHERE ns = ?'),
      put: db.prepare(
        'INSERT INTO sink_state (ns, id, value) VALUES (?, ?, ?) ON CONFLICT (ns, id) DO UPDATE SET value = excluded.value',
      ),
      del: db.prepare('DELETE FROM sink_state WHERE ns = ? AND id = ?'),
      push: db.prepare('INSERT INTO sink_log (list, value) VALUES (?, ?)'),
      cap: db.prepare(
        'DELETE FROM sink_log WHERE list = ? AND id <= (SELECT id FROM sink_log WHERE list = ? ORDER BY id DESC LIMIT 1 OFFSET ?)',
      ),
      recent: db.prepare('SELECT value FROM sink_log WHERE list = ? ORDER BY id DESC LIMIT ?'),
    };
    this.#apply = db.transaction((ops: readonly SinkOp[]) => {
      // A list is capped once per step, not per value: the cap is a scan of `cap` rows.
      const caps = new Map<string, number>();
      for (const o of ops) {
        if (o.op === 'put') this.#stmts.put.run(o.ns, o.id, o.value);
        else if (o.op === 'del') this.#stmts.del.run(o.ns, o.id);
        else if (o.op === 'trim') this.#stmts.trim.run(o.topic, Number(o.upTo));
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
    if (!options.replayable || !this.#fsyncs) {
      this.#apply.immediate(ops);
      return;
    }
    const level = this.#db.pragma('synchronous', { simple: true }) as number;
    this.#db.pragma('synchronous = NORMAL');
    try {
      this.#apply.immediate(ops);
    } finally {
      this.#db.pragma(`synchronous = ${level}`);
    }
  }

  async recent(list: string, limit: number): Promise<string[]> {
    return (this.#stmts.recent.all(list, limit) as { value: string }[]).map((r) => r.value);
  }

  /** One process owns the SQLite file: it always holds every lease. */
  async lease(): Promise<boolean> {
    return true;
  }

  async release(): Promise<void> {}

  async close(): Promise<void> {
    if (this.#owned && this.#db.open) this.#db.close();
  }
}

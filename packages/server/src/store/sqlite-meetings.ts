/**
 * Meetings and their streams in SQLite: the record, each stream's position and current items, and a bounded log
 * of incrementals for resume. `commit` writes a whole batch in one transaction (group commit).
 */
import { PUSH_CATEGORIES, type PushCategory } from '@confpush/protocol';
import type { MeetingRecord } from '../domain/meeting.js';
import type { Db } from './sqlite-db.js';
import type {
  CommitEntry,
  CommitResult,
  LogEntry,
  MeetingFilter,
  MeetingStore,
  StoredStream,
} from './types.js';

/** Items are ordered by first insertion: ord = seq * ORD_STRIDE + position in the change. */
const ORD_STRIDE = 1 << 20;

export class StreamContinuityError extends Error {
  constructor(confId: string, category: string, seq: number) {
    super(`stream ${confId}/${category} is not at ${seq - 1}; refusing to write ${seq}`);
    this.name = 'StreamContinuityError';
  }
}

export class SqliteMeetingStore implements MeetingStore {
  readonly #db: Db;
  readonly #retention: number;
  readonly #stmts;
  readonly #commitTx: (entries: readonly CommitEntry[]) => void;

  constructor(db: Db, options: { logRetention: number }) {
    this.#db = db;
    this.#retention = options.logRetention;
    this.#stmts = {
      getMeeting: db.prepare('SELECT record FROM meetings WHERE conf_id = ?'),
      putMeeting: db.prepare(
        `INSERT INTO meetings (conf_id, corp_id, owner_id, state, start_at, record) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (conf_id) DO UPDATE SET state = excluded.state, start_at = excluded.start_at, record = excluded.record`,
      ),
      streams: db.prepare('SELECT category, epoch, seq FROM streams WHERE conf_id = ?'),
      items: db.prepare(
        'SELECT category, item_key, value FROM stream_items WHERE conf_id = ? ORDER BY category, ord',
      ),
      insertStream: db.prepare('INSERT INTO streams (conf_id, category, epoch, seq) VALUES (?, ?, ?, ?)'),
      advanceStream: db.prepare(
        'UPDATE streams SET seq = ? WHERE conf_id = ? AND category = ? AND seq = ? AND epoch = ?',
      ),
      upsertItem: db.prepare(
        `INSERT INTO stream_items (conf_id, category, item_key, ord, value) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (conf_id, category, item_key) DO UPDATE SET value = excluded.value`,
      ),
      deleteItem: db.prepare('DELETE FROM stream_items WHERE conf_id = ? AND category = ? AND item_key = ?'),
      appendLog: db.prepare(
        'INSERT INTO stream_log (conf_id, category, seq, created_at, payload) VALUES (?, ?, ?, ?, ?)',
      ),
      trimLog: db.prepare('DELETE FROM stream_log WHERE conf_id = ? AND category = ? AND seq <= ?'),
      readLog: db.prepare(
        'SELECT seq, created_at, payload FROM stream_log WHERE conf_id = ? AND category = ? AND seq >= ? AND seq <= ? ORDER BY seq',
      ),
    };
    this.#commitTx = db.transaction((entries: readonly CommitEntry[]) => {
      for (const entry of entries) this.#writeEntry(entry);
    });
  }

  async getMeeting(confId: string): Promise<MeetingRecord | undefined> {
    const row = this.#stmts.getMeeting.get(confId) as { record: string } | undefined;
    return row && (JSON.parse(row.record) as MeetingRecord);
  }

  async listMeetings(filter: MeetingFilter): Promise<MeetingRecord[]> {
    const states = filter.states.map(() => '?').join(', ');
    const params: unknown[] = [filter.corpId, ...filter.states];
    let sql = `SELECT record FROM meetings WHERE corp_id = ? AND state IN (${states})`;
    if (filter.ownerId !== undefined) {
      sql += ' AND owner_id = ?';
      params.push(filter.ownerId);
    }
    sql += ' ORDER BY start_at, conf_id';
    const rows = this.#db.prepare(sql).all(...params) as { record: string }[];
    return rows.map((r) => JSON.parse(r.record) as MeetingRecord);
  }

  async loadStreams(confId: string): Promise<StoredStream[]> {
    const heads = this.#stmts.streams.all(confId) as { category: PushCategory; epoch: string; seq: number }[];
    const byCategory = new Map<string, StoredStream>();
    for (const h of heads)
      byCategory.set(h.category, { category: h.category, epoch: h.epoch, seq: h.seq, items: [] });
    for (const row of this.#stmts.items.all(confId) as {
      category: string;
      item_key: string;
      value: string;
    }[]) {
      byCategory
        .get(row.category)
        ?.items.push({ key: row.item_key, value: JSON.parse(row.value) as unknown });
    }
    return [...byCategory.values()];
  }

  async readLog(confId: string, category: PushCategory, fromSeq: number, toSeq: number): Promise<LogEntry[]> {
    const rows = this.#stmts.readLog.all(confId, category, fromSeq, toSeq) as {
      seq: number;
      created_at: number;
      payload: string;
    }[];
    return rows.map((r) => ({
      seq: r.seq,
      createdAt: r.created_at,
      payload: JSON.parse(r.payload) as unknown,
    }));
  }

  /** One transaction for the whole batch; a single node is the only writer, so every entry is `ok`. */
  async commit(entries: readonly CommitEntry[]): Promise<CommitResult[]> {
    this.#commitTx(entries);
    return entries.map(() => ({ ok: true }));
  }

  #writeEntry(entry: CommitEntry): void {
    const s = this.#stmts;
    const record = entry.record ?? entry.created?.record;
    if (record) {
      s.putMeeting.run(
        record.conferenceID,
        record.corpId,
        record.ownerId,
        record.state,
        record.scheduledStartAt,
        JSON.stringify(record),
      );
    }
    if (entry.created) {
      for (const category of PUSH_CATEGORIES) {
        const replica = entry.created.streams[category];
        s.insertStream.run(entry.confId, category, replica.epoch ?? '', replica.seq ?? 0);
        const snapshot = replica.snapshot();
        if (replica.spec.shape.kind === 'list') {
          (snapshot as Record<string, unknown>[]).forEach((item, i) => {
            s.upsertItem.run(entry.confId, category, replica.keyOf(item) ?? '', i, JSON.stringify(item));
          });
        } else if (snapshot !== undefined) {
          s.upsertItem.run(entry.confId, category, '', 0, JSON.stringify(snapshot));
        }
      }
    }
    for (const w of entry.writes) {
      const advanced = s.advanceStream.run(w.seq, entry.confId, w.category, w.seq - 1, w.epoch);
      if (advanced.changes !== 1) throw new StreamContinuityError(entry.confId, w.category, w.seq);
      // A value category's "nothing" (e.g. nobody speaking) is logged as null.
      s.appendLog.run(entry.confId, w.category, w.seq, w.createdAt, JSON.stringify(w.payload ?? null));
      if (w.seq > this.#retention) s.trimLog.run(entry.confId, w.category, w.seq - this.#retention);
      w.items.forEach((item, i) => {
        if (item.value === null || item.value === undefined)
          s.deleteItem.run(entry.confId, w.category, item.key);
        else
          s.upsertItem.run(
            entry.confId,
            w.category,
            item.key,
            w.seq * ORD_STRIDE + i,
            JSON.stringify(item.value),
          );
      });
    }
  }
}

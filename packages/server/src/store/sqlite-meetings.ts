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
    this.#commitTx = db.transaction((entries: readonly CommitEntry[]) => this.#writeBatch(entries));
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

  /**
   * Writes a batch. Every change is logged, but what later changes of the same batch overwrite is written once: a
   * meeting's record, a stream's head (one compare-and-set from the batch's first to its last seq) and an item's
   * row (the last value; its order stays that of the row's first insertion). Under load a group commit holds many
   * changes to the same streams, so this keeps the statements per change near one.
   */
  #writeBatch(entries: readonly CommitEntry[]): void {
    const s = this.#stmts;
    const records = new Map<string, MeetingRecord>();
    const heads = new Map<string, StreamHead>();
    for (const entry of entries) {
      const record = entry.record ?? entry.created?.record;
      if (record) records.set(record.conferenceID, record);
      if (entry.created) this.#insertStreams(entry.confId, entry.created);
      for (const w of entry.writes) {
        const key = `${entry.confId}\u0000${w.category}`;
        let head = heads.get(key);
        if (!head) {
          const from = w.seq - 1;
          head = {
            confId: entry.confId,
            category: w.category,
            epoch: w.epoch,
            from,
            to: from,
            items: new Map(),
          };
          heads.set(key, head);
        }
        if (w.epoch !== head.epoch || w.seq !== head.to + 1)
          throw new StreamContinuityError(entry.confId, w.category, w.seq);
        head.to = w.seq;
        // A value category's "nothing" (e.g. nobody speaking) is logged as null.
        s.appendLog.run(entry.confId, w.category, w.seq, w.createdAt, JSON.stringify(w.payload ?? null));
        w.items.forEach((item, i) => {
          const deleted = item.value === null || item.value === undefined;
          const pending = head.items.get(item.key);
          if (deleted) head.items.set(item.key, { value: null, ord: 0, reinsert: false });
          else if (pending && pending.value !== null) pending.value = item.value;
          else
            head.items.set(item.key, {
              value: item.value,
              ord: w.seq * ORD_STRIDE + i,
              // Deleted earlier in this batch: the row is inserted anew, with its new order.
              reinsert: pending !== undefined,
            });
        });
      }
    }
    for (const record of records.values()) {
      s.putMeeting.run(
        record.conferenceID,
        record.corpId,
        record.ownerId,
        record.state,
        record.scheduledStartAt,
        JSON.stringify(record),
      );
    }
    for (const head of heads.values()) {
      const advanced = s.advanceStream.run(head.to, head.confId, head.category, head.from, head.epoch);
      if (advanced.changes !== 1) throw new StreamContinuityError(head.confId, head.category, head.from + 1);
      if (head.to > this.#retention) s.trimLog.run(head.confId, head.category, head.to - this.#retention);
      for (const [itemKey, item] of head.items) {
        if (item.value === null || item.reinsert) s.deleteItem.run(head.confId, head.category, itemKey);
        if (item.value !== null)
          s.upsertItem.run(head.confId, head.category, itemKey, item.ord, JSON.stringify(item.value));
      }
    }
  }

  #insertStreams(confId: string, created: NonNullable<CommitEntry['created']>): void {
    const s = this.#stmts;
    for (const category of PUSH_CATEGORIES) {
      const replica = created.streams[category];
      s.insertStream.run(confId, category, replica.epoch ?? '', replica.seq ?? 0);
      const snapshot = replica.snapshot();
      if (replica.spec.shape.kind === 'list') {
        (snapshot as Record<string, unknown>[]).forEach((item, i) => {
          s.upsertItem.run(confId, category, replica.keyOf(item) ?? '', i, JSON.stringify(item));
        });
      } else if (snapshot !== undefined) {
        s.upsertItem.run(confId, category, '', 0, JSON.stringify(snapshot));
      }
    }
  }
}

/** One stream's changes in a batch: its head moves from `from` to `to`; `items` are the rows to write at the end. */
interface StreamHead {
  confId: string;
  category: PushCategory;
  epoch: string;
  from: number;
  to: number;
  items: Map<string, { value: unknown; ord: number; reinsert: boolean }>;
}

/**
 * The commit of the SQLite store: a whole batch in one transaction (group commit). It refuses, as the Redis commit
 * script does, an entry whose meeting is no longer where the entry says it was decided, and publishes every written
 * entry (`publish`, the in-memory broker) once the transaction is durable.
 */
import { PUSH_CATEGORIES, type PushCategory } from '@confpush/protocol';
import type { BrokerEntry } from '../broker/broker.js';
import type { MeetingRecord } from '../domain/meeting.js';
import type { Transaction } from 'better-sqlite3';
import type { Db } from './sqlite-db.js';
import type { CommitEntry, CommitResult } from './types.js';

/** Items are ordered by first insertion: ord = seq * ORD_STRIDE + position in the change. */
const ORD_STRIDE = 1 << 20;

export class StreamContinuityError extends Error {
  constructor(confId: string, category: string, seq: number) {
    super(`stream ${confId}/${category} is not at ${seq - 1}; refusing to write ${seq}`);
    this.name = 'StreamContinuityError';
  }
}

export interface SqliteCommitOptions {
  logRetention: number;
  /** Called with every committed entry, in commit order, once it is durable (the in-memory broker). */
  publish?: ((entry: BrokerEntry) => void) | undefined;
}

export class SqliteCommit {
  readonly #retention: number;
  readonly #publish: ((entry: BrokerEntry) => void) | undefined;
  readonly #stmts;
  readonly #transaction: Transaction<(entries: readonly CommitEntry[]) => CommitResult[]>;

  constructor(db: Db, options: SqliteCommitOptions) {
    this.#retention = options.logRetention;
    this.#publish = options.publish;
    this.#stmts = {
      revision: db.prepare('SELECT rev, head FROM meetings WHERE conf_id = ?'),
      stream: db.prepare('SELECT category, epoch, seq FROM streams WHERE conf_id = ? AND category = ?'),
      putMeeting: db.prepare(
        `INSERT INTO meetings (conf_id, corp_id, owner_id, state, start_at, record) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (conf_id) DO UPDATE SET state = excluded.state, start_at = excluded.start_at, record = excluded.record`,
      ),
      setHead: db.prepare('UPDATE meetings SET rev = ?, head = ? WHERE conf_id = ?'),
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
      appendOutbox: db.prepare('INSERT INTO outbox (topic, body, created_at) VALUES (?, ?, ?)'),
    };
    this.#transaction = db.transaction((entries: readonly CommitEntry[]) => {
      const results = this.#admit(entries);
      const written = entries.filter((_, i) => results[i]?.ok);
      this.#writeBatch(written);
      for (const m of written.flatMap((entry) => entry.outbox ?? []))
        this.#stmts.appendOutbox.run(m.topic, m.body, m.at);
      return results;
    });
  }

  /**
   * One transaction for the whole batch. Each entry is refused (writing nothing) unless its meeting is where the
   * entry's position says (the previous head and revision; absent for a creation) and each write continues its
   * stream; a later entry of the batch built on a refused one is refused in turn. Written entries are published.
   */
  run(entries: readonly CommitEntry[]): CommitResult[] {
    if (entries.length === 0) return [];
    // IMMEDIATE: the transaction reads before it writes, and another connection (the webhook delivery thread's)
    // may write in between; a deferred one would then fail with SQLITE_BUSY_SNAPSHOT instead of waiting its turn.
    const results = this.#transaction.immediate(entries);
    if (this.#publish) {
      entries.forEach((entry, i) => {
        if (results[i]?.ok) this.#publish?.(published(entry));
      });
    }
    return results;
  }

  /** Decides which entries of a batch are written, as the meetings and streams stand before and within the batch. */
  #admit(entries: readonly CommitEntry[]): CommitResult[] {
    /** As each meeting stands: its head, and the positions of the streams read so far (null: no such stream). */
    const meetings = new Map<
      string,
      { rev: number; head: string; streams: Map<string, StreamPosition | null> } | null
    >();
    const meetingOf = (confId: string) => {
      if (!meetings.has(confId)) {
        const row = this.#stmts.revision.get(confId) as { rev: number; head: string } | undefined;
        meetings.set(confId, row ? { ...row, streams: new Map() } : null);
      }
      return meetings.get(confId)!;
    };
    // Only the streams an entry writes are read: a change touches one or two of a meeting's ten.
    const streamOf = (confId: string, streams: Map<string, StreamPosition | null>, category: string) => {
      let stream = streams.get(category);
      if (stream === undefined) {
        stream = (this.#stmts.stream.get(confId, category) as StreamPosition | undefined) ?? null;
        streams.set(category, stream);
      }
      return stream;
    };
    return entries.map((entry): CommitResult => {
      const position = entry.position;
      if (!position) throw new Error('every committed entry needs its position');
      const meeting = meetingOf(entry.confId);
      if (entry.created) {
        if (meeting) return { ok: false, conflict: true, reason: 'exists', rev: meeting.rev };
        const streams = new Map<string, StreamPosition | null>();
        for (const category of PUSH_CATEGORIES) {
          const replica = entry.created.streams[category];
          streams.set(category, { category, epoch: replica.epoch ?? '', seq: replica.seq ?? 0 });
        }
        meetings.set(entry.confId, { rev: position.rev, head: position.id, streams });
        return { ok: true };
      }
      if (!meeting) return { ok: false, conflict: true, reason: 'absent', rev: 0 };
      const stale = { ok: false, conflict: true, reason: 'stale', rev: meeting.rev } as const;
      if (meeting.head !== position.base || meeting.rev !== position.rev - 1) return stale;
      for (const w of entry.writes) {
        const stream = streamOf(entry.confId, meeting.streams, w.category);
        if (!stream || stream.epoch !== w.epoch || stream.seq !== w.seq - 1) return stale;
      }
      for (const w of entry.writes)
        meeting.streams.set(w.category, { category: w.category, epoch: w.epoch, seq: w.seq });
      meeting.rev = position.rev;
      meeting.head = position.id;
      return { ok: true };
    });
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
    const positions = new Map<string, { rev: number; id: string }>();
    for (const entry of entries) {
      const record = entry.record ?? entry.created?.record;
      if (record) records.set(record.conferenceID, record);
      if (entry.position) positions.set(entry.confId, entry.position);
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
    for (const [confId, position] of positions) s.setHead.run(position.rev, position.id, confId);
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

interface StreamPosition {
  category: string;
  epoch: string;
  seq: number;
}

/** A committed entry as the broker carries it (what the Redis commit script publishes). */
function published(entry: CommitEntry): BrokerEntry {
  const position = entry.position!;
  return {
    kind: entry.created ? 'created' : 'entry',
    nodeId: position.nodeId,
    confId: entry.confId,
    rev: position.rev,
    id: position.id,
    base: position.base,
    record: entry.record ?? entry.created?.record ?? null,
    writes: entry.created
      ? []
      : entry.writes.map((w) => ({
          category: w.category,
          epoch: w.epoch,
          seq: w.seq,
          createdAt: w.createdAt,
          payload: w.payload ?? null,
        })),
  };
}

/**
 * Meetings and their streams in SQLite: the record, each stream's position and current items, and a bounded log
 * of incrementals for resume, read here; `commit` is `sqlite-commit.ts`.
 */
import { PUSH_CATEGORIES, type PushCategory } from '@confpush/protocol';
import type { BrokerEntry } from '../broker/broker.js';
import type { MeetingRecord } from '../domain/meeting.js';
import { SqliteCommit } from './sqlite-commit.js';
import type { Db } from './sqlite-db.js';
import type {
  CommitEntry,
  CommitResult,
  LogEntry,
  MeetingFilter,
  MeetingRevision,
  MeetingSnapshot,
  SharedMeetingStore,
  StoredStream,
} from './types.js';

/** One file is one continuous history: the store has a single incarnation. */
const INCARNATION = 'sqlite';

export interface SqliteMeetingStoreOptions {
  logRetention: number;
  newEpoch: () => string;
  /** Called with every committed entry, in commit order, once it is durable (the in-memory broker). */
  publish?: ((entry: BrokerEntry) => void) | undefined;
}

export class SqliteMeetingStore implements SharedMeetingStore {
  readonly #db: Db;
  readonly #commit: SqliteCommit;
  readonly #newEpoch: () => string;
  readonly #publish: ((entry: BrokerEntry) => void) | undefined;
  readonly #stmts;
  readonly #snapshotTx: (confId: string, logDepth: number) => MeetingSnapshot | undefined;

  constructor(db: Db, options: SqliteMeetingStoreOptions) {
    this.#db = db;
    this.#commit = new SqliteCommit(db, options);
    this.#newEpoch = options.newEpoch;
    this.#publish = options.publish;
    this.#stmts = {
      getMeeting: db.prepare('SELECT record FROM meetings WHERE conf_id = ?'),
      revision: db.prepare('SELECT rev, head FROM meetings WHERE conf_id = ?'),
      setHead: db.prepare('UPDATE meetings SET rev = ?, head = ? WHERE conf_id = ?'),
      setEpoch: db.prepare('UPDATE streams SET epoch = ? WHERE conf_id = ? AND category = ?'),
      dropLog: db.prepare('DELETE FROM stream_log WHERE conf_id = ?'),
      newestLog: db.prepare(
        'SELECT seq, created_at, payload FROM stream_log WHERE conf_id = ? AND category = ? AND seq > ? ORDER BY seq',
      ),
      streams: db.prepare('SELECT category, epoch, seq FROM streams WHERE conf_id = ?'),
      items: db.prepare(
        'SELECT category, item_key, value FROM stream_items WHERE conf_id = ? ORDER BY category, ord',
      ),
      readLog: db.prepare(
        'SELECT seq, created_at, payload FROM stream_log WHERE conf_id = ? AND category = ? AND seq >= ? AND seq <= ? ORDER BY seq',
      ),
    };
    this.#snapshotTx = db.transaction((confId: string, logDepth: number) =>
      this.#readSnapshot(confId, logDepth),
    );
  }

  async incarnation(): Promise<string> {
    return INCARNATION;
  }

  async revision(confId: string): Promise<MeetingRevision | undefined> {
    const row = this.#stmts.revision.get(confId) as { rev: number; head: string } | undefined;
    return row && { rev: row.rev, head: row.head, incarnation: INCARNATION };
  }

  async snapshot(confId: string, logDepth: number): Promise<MeetingSnapshot | undefined> {
    return this.#snapshotTx(confId, logDepth);
  }

  #readSnapshot(confId: string, logDepth: number): MeetingSnapshot | undefined {
    const row = this.#stmts.revision.get(confId) as { rev: number; head: string } | undefined;
    const record = this.#readMeeting(confId);
    if (!row || !record) return undefined;
    const streams = this.#readStreams(confId);
    const logs = new Map<PushCategory, LogEntry[]>();
    for (const stream of streams) {
      const entries =
        logDepth === 0 ? [] : this.#readNewestLog(confId, stream.category, stream.seq - logDepth);
      logs.set(stream.category, entries);
    }
    return { rev: row.rev, head: row.head, incarnation: INCARNATION, record, streams, logs };
  }

  /**
   * One file has one incarnation: without `force` there is nothing to renew. With it, every stream gets a new epoch
   * (items and sequence numbers kept, the log dropped), the revision advances and a reset is published.
   */
  async renewEpochs(
    confId: string,
    options: { nodeId: string; id: string; force: boolean },
  ): Promise<boolean> {
    const row = this.#stmts.revision.get(confId) as { rev: number; head: string } | undefined;
    if (!row) return false;
    if (!options.force) return true;
    const rev = row.rev + 1;
    this.#db.transaction(() => {
      for (const category of PUSH_CATEGORIES) this.#stmts.setEpoch.run(this.#newEpoch(), confId, category);
      this.#stmts.dropLog.run(confId);
      this.#stmts.setHead.run(rev, options.id, confId);
    })();
    this.#publish?.({
      kind: 'reset',
      nodeId: options.nodeId,
      confId,
      rev,
      id: options.id,
      base: '',
      record: null,
      writes: [],
    });
    return true;
  }

  async getMeeting(confId: string): Promise<MeetingRecord | undefined> {
    return this.#readMeeting(confId);
  }

  #readMeeting(confId: string): MeetingRecord | undefined {
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
    return this.#readStreams(confId);
  }

  #readStreams(confId: string): StoredStream[] {
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
    return logEntries(this.#stmts.readLog.all(confId, category, fromSeq, toSeq));
  }

  #readNewestLog(confId: string, category: PushCategory, afterSeq: number): LogEntry[] {
    return logEntries(this.#stmts.newestLog.all(confId, category, afterSeq));
  }

  /** One transaction for the whole batch (`sqlite-commit.ts`). */
  async commit(entries: readonly CommitEntry[]): Promise<CommitResult[]> {
    return this.#commit.run(entries);
  }
}

function logEntries(rows: unknown[]): LogEntry[] {
  return (rows as { seq: number; created_at: number; payload: string }[]).map((r) => ({
    seq: r.seq,
    createdAt: r.created_at,
    payload: JSON.parse(r.payload) as unknown,
  }));
}

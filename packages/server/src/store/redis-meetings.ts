/**
 * Meetings and their streams in Redis (key layout: `redis-keys.ts`). Each commit entry is one run of
 * `redis/commit.lua`: it checks that the meeting is where the entry says it builds on, writes the record, items,
 * stream heads and log, and publishes the entry on the meeting's channel, all in one atomic step. A batch is one
 * pipeline (one round trip); its entries are atomic one by one, not together.
 */
import { PUSH_CATEGORIES, type PushCategory } from '@confpush/protocol';
import type { MeetingRecord, MeetingState } from '../domain/meeting.js';
import { scriptsOf, type RedisDb } from './redis-db.js';
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

/** Items are ordered by first insertion: ord = seq * ORD_STRIDE + position in the change (as in SQLite). */
const ORD_STRIDE = 2 ** 20;

export interface RedisMeetingStoreOptions {
  logRetention: number;
  newEpoch: () => string;
}

type Arg = string | number;
type Reply = [string, number];

/** A flat `HGETALL`-style list as an object. */
function pairs(list: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < list.length; i += 2) out[list[i]!] = list[i + 1]!;
  return out;
}

/** `XRANGE`/`XREVRANGE` entries (id `<seq>-0`, fields c, p) as log entries. */
function logEntries(raw: readonly [string, string[]][]): LogEntry[] {
  return raw.map(([id, fields]) => {
    const f = pairs(fields);
    return {
      seq: Number(id.slice(0, id.indexOf('-'))),
      createdAt: Number(f['c'] ?? 0),
      payload: JSON.parse(f['p'] ?? 'null') as unknown,
    };
  });
}

function itemArgs(state: MeetingState, category: PushCategory): Arg[] {
  const replica = state.streams[category];
  const snapshot = replica.snapshot();
  const out: Arg[] = [];
  if (replica.spec.shape.kind === 'list') {
    (snapshot as Record<string, unknown>[]).forEach((item, i) => {
      out.push(replica.keyOf(item) ?? '', JSON.stringify(item), i);
    });
  } else if (snapshot !== undefined) {
    out.push('', JSON.stringify(snapshot), 0);
  }
  return out;
}

export class RedisMeetingStore implements SharedMeetingStore {
  readonly #db: RedisDb;
  readonly #retention: number;
  readonly #newEpoch: () => string;

  constructor(db: RedisDb, options: RedisMeetingStoreOptions) {
    this.#db = db;
    this.#retention = options.logRetention;
    this.#newEpoch = options.newEpoch;
  }

  incarnation(): Promise<string> {
    return this.#db.incarnation();
  }

  async getMeeting(confId: string): Promise<MeetingRecord | undefined> {
    const json = await this.#db.redis.hget(this.#db.keys.meeting(confId), 'record');
    return json === null ? undefined : (JSON.parse(json) as MeetingRecord);
  }

  async listMeetings(filter: MeetingFilter): Promise<MeetingRecord[]> {
    const ids = await this.#db.redis.smembers(this.#db.keys.corpMeetings(filter.corpId));
    if (ids.length === 0) return [];
    const pipeline = this.#db.redis.pipeline();
    for (const id of ids) pipeline.hget(this.#db.keys.meeting(id), 'record');
    const replies = (await pipeline.exec()) ?? [];
    const records: MeetingRecord[] = [];
    for (const [err, json] of replies) {
      if (err) throw err;
      if (typeof json !== 'string') continue;
      const record = JSON.parse(json) as MeetingRecord;
      if (record.corpId !== filter.corpId || !filter.states.includes(record.state)) continue;
      if (filter.ownerId !== undefined && record.ownerId !== filter.ownerId) continue;
      records.push(record);
    }
    return records.sort(
      (a, b) =>
        a.scheduledStartAt - b.scheduledStartAt ||
        (a.conferenceID < b.conferenceID ? -1 : a.conferenceID > b.conferenceID ? 1 : 0),
    );
  }

  async loadStreams(confId: string): Promise<StoredStream[]> {
    return (await this.snapshot(confId, 0))?.streams ?? [];
  }

  async readLog(confId: string, category: PushCategory, fromSeq: number, toSeq: number): Promise<LogEntry[]> {
    if (fromSeq > toSeq) return [];
    const raw = (await this.#db.redis.xrange(
      this.#db.keys.log(confId, category),
      `${Math.max(0, fromSeq)}-0`,
      `${toSeq}-0`,
    )) as [string, string[]][];
    return logEntries(raw);
  }

  async revision(confId: string): Promise<MeetingRevision | undefined> {
    const [rev, head, inc] = await this.#db.redis.hmget(this.#db.keys.meeting(confId), 'rev', 'head', 'inc');
    if (rev === null || rev === undefined) return undefined;
    return { rev: Number(rev), head: head ?? '', incarnation: inc ?? '' };
  }

  async snapshot(confId: string, logDepth: number): Promise<MeetingSnapshot | undefined> {
    const keys = [this.#db.keys.meeting(confId)];
    for (const category of PUSH_CATEGORIES) {
      keys.push(
        this.#db.keys.items(confId, category),
        this.#db.keys.order(confId, category),
        this.#db.keys.log(confId, category),
      );
    }
    const reply = (await this.#db.scripts.snapshot(keys.length, ...keys, logDepth)) as unknown[] | null;
    if (!reply) return undefined;
    const meta = pairs(reply[0] as string[]);
    const streams: StoredStream[] = [];
    const logs = new Map<PushCategory, LogEntry[]>();
    PUSH_CATEGORIES.forEach((category, i) => {
      const order = reply[1 + 3 * i] as string[];
      const values = pairs(reply[2 + 3 * i] as string[]);
      const log = logEntries(reply[3 + 3 * i] as [string, string[]][]).reverse();
      const epoch = meta[`e:${category}`];
      if (epoch === undefined) return;
      streams.push({
        category,
        epoch,
        seq: Number(meta[`s:${category}`] ?? 0),
        items: order
          .filter((key) => values[key] !== undefined)
          .map((key) => ({ key, value: JSON.parse(values[key]!) as unknown })),
      });
      logs.set(category, log);
    });
    return {
      rev: Number(meta['rev'] ?? 0),
      head: meta['head'] ?? '',
      incarnation: meta['inc'] ?? '',
      record: JSON.parse(meta['record'] ?? 'null') as MeetingRecord,
      streams,
      logs,
    };
  }

  async renewEpochs(
    confId: string,
    options: { nodeId: string; id: string; force: boolean },
  ): Promise<boolean> {
    const incarnation = await this.#db.incarnation();
    const keys = [this.#db.keys.meeting(confId), ...PUSH_CATEGORIES.map((c) => this.#db.keys.log(confId, c))];
    const args: Arg[] = [
      incarnation,
      options.force ? '1' : '0',
      options.nodeId,
      options.id,
      confId,
      this.#db.keys.channel(confId),
    ];
    for (const category of PUSH_CATEGORIES) args.push(category, this.#newEpoch());
    const [status] = (await this.#db.scripts.renew(keys.length, ...keys, ...args)) as Reply;
    return status !== 'absent';
  }

  async commit(entries: readonly CommitEntry[]): Promise<CommitResult[]> {
    if (entries.length === 0) return [];
    const incarnation = await this.#db.incarnation();
    const pipeline = this.#db.redis.pipeline();
    const scripts = scriptsOf(pipeline);
    for (const entry of entries) {
      const { keys, args } = this.#commitCall(entry, incarnation);
      void scripts.commit(keys.length, ...keys, ...args);
    }
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([err, reply]): CommitResult => {
      if (err) throw err;
      const [status, rev] = reply as Reply;
      if (status === 'ok') return { ok: true };
      const reason =
        status === 'exists' || status === 'absent' || status === 'incarnation' ? status : 'stale';
      return { ok: false, conflict: true, reason, rev };
    });
  }

  #commitCall(entry: CommitEntry, incarnation: string): { keys: string[]; args: Arg[] } {
    const position = entry.position;
    if (!position) throw new Error('a shared store needs the position of every entry (cluster mode)');
    const k = this.#db.keys;
    const { confId } = entry;
    const record = entry.record ?? entry.created?.record;
    // The enterprise's index is written on creation only (an update passes the meeting hash in its place).
    const index = entry.created ? k.corpMeetings(entry.created.record.corpId) : k.meeting(confId);
    const keys = [k.meeting(confId), index];
    const writes: Arg[] = [];
    let count = 0;
    if (entry.created) {
      for (const category of PUSH_CATEGORIES) {
        const replica = entry.created.streams[category];
        const items = itemArgs(entry.created, category);
        keys.push(k.items(confId, category), k.order(confId, category), k.log(confId, category));
        writes.push(category, replica.epoch ?? '', replica.seq ?? 0, 0, '', items.length / 3, ...items);
        count++;
      }
    } else {
      for (const w of entry.writes) {
        keys.push(k.items(confId, w.category), k.order(confId, w.category), k.log(confId, w.category));
        const items: Arg[] = [];
        w.items.forEach((item, i) => {
          const value = item.value === null || item.value === undefined ? '' : JSON.stringify(item.value);
          items.push(item.key, value, w.seq * ORD_STRIDE + i);
        });
        writes.push(
          w.category,
          w.epoch,
          w.seq,
          w.createdAt,
          JSON.stringify(w.payload ?? null),
          w.items.length,
          ...items,
        );
        count++;
      }
    }
    const args: Arg[] = [
      entry.created ? 'create' : 'update',
      position.rev,
      position.base,
      position.id,
      incarnation,
      position.nodeId,
      confId,
      k.channel(confId),
      this.#retention,
      record ? JSON.stringify(record) : '',
      count,
      ...writes,
    ];
    const outbox = entry.outbox ?? [];
    args.push(outbox.length);
    for (const message of outbox) {
      keys.push(k.outbox(message.topic));
      args.push(message.body, message.at);
    }
    return { keys, args };
  }
}

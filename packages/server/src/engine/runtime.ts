/**
 * A loaded meeting: the committed state (what subscribers have been or may be shown) and the working state
 * (committed plus changes decided but not yet durable), with where it stands in the store's history. Only the
 * engine writes either.
 */
import { CATEGORY_SPECS, type PushCategory } from '@confpush/protocol';
import type { MeetingRecord, MeetingState } from '../domain/meeting.js';
import type { WireFrame } from '../hub/wire.js';
import type { LogEntry, StoredStream } from '../store/types.js';
import type { ClusterPosition } from './position.js';
import { RecentLog, type RecentChange } from './recent.js';

/** One committed stream change, as the store wrote it or the broker carried it. */
export interface CommittedWrite {
  category: PushCategory;
  epoch: string;
  seq: number;
  createdAt: number;
  payload: unknown;
}

export class MeetingRuntime {
  /** Encoded full message per category, valid while the stream stays at `seq`. */
  readonly fullFrames = new Map<PushCategory, { seq: number; bytes: WireFrame }>();

  /** Recent committed changes per category, for resume. */
  readonly recent = new Map<PushCategory, RecentLog>();

  constructor(
    readonly confId: string,
    public committed: MeetingState,
    public working: MeetingState,
    readonly recentCapacity: number,
    /** Where the meeting stands in the store's history on this node. */
    readonly position: ClusterPosition,
  ) {}

  recentLog(category: PushCategory): RecentLog {
    let log = this.recent.get(category);
    if (!log) this.recent.set(category, (log = new RecentLog(this.recentCapacity)));
    return log;
  }

  /**
   * Applies a committed entry to the committed state (and to the working state too, with `alsoWorking`: a remote
   * entry while nothing local is in flight) and appends its changes to the recent log. Returns the changes, for the
   * listeners.
   */
  applyCommitted(
    record: MeetingRecord | null | undefined,
    writes: readonly CommittedWrite[],
    alsoWorking = false,
  ): RecentChange[] {
    if (record) {
      this.committed.record = record;
      if (alsoWorking) this.working.record = record;
    }
    const changes: RecentChange[] = [];
    for (const w of writes) {
      // A value category's "nothing" is logged and published as null; the engine holds it as undefined.
      const payload =
        w.payload === null && CATEGORY_SPECS[w.category].shape.kind === 'value' ? undefined : w.payload;
      this.committed.streams[w.category].applyIncremental(payload, w.seq);
      if (alsoWorking) this.working.streams[w.category].applyIncremental(payload, w.seq);
      const change: RecentChange = {
        category: w.category,
        seq: w.seq,
        epoch: w.epoch,
        payload,
        createdAt: w.createdAt,
      };
      this.recentLog(w.category).append(change);
      changes.push(change);
    }
    return changes;
  }

  /** Replaces the recent log with the stored log entries of each stream (its newest ones, ascending). */
  fillRecent(streams: readonly StoredStream[], logs: ReadonlyMap<PushCategory, readonly LogEntry[]>): void {
    this.recent.clear();
    for (const stream of streams) {
      const log = this.recentLog(stream.category);
      for (const e of logs.get(stream.category) ?? []) {
        log.append({
          category: stream.category,
          seq: e.seq,
          epoch: stream.epoch,
          payload: e.payload,
          createdAt: e.createdAt,
        });
      }
    }
  }
}

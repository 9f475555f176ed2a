/** What a resync sends subscribers: per stream, the missed incrementals when the log holds them all, else a full message. */
import { CATEGORY_SPECS, PUSH_CATEGORIES, type PushCategory } from '@confpush/protocol';
import type { MeetingState } from '../domain/meeting.js';
import type { LogEntry } from '../store/types.js';
import type { RecentChange } from './recent.js';

/**
 * From the state subscribers were shown (`old`) to the state read from the store (`next`): the incrementals of each
 * stream that kept its epoch and whose missed changes the log still holds, contiguous; the other changed streams
 * (new epoch, trimmed log, full-only category) are `resets` and get a full message.
 */
export function catchUpPlan(
  old: MeetingState,
  next: MeetingState,
  logs: ReadonlyMap<PushCategory, readonly LogEntry[]>,
): { changes: RecentChange[]; resets: PushCategory[] } {
  const changes: RecentChange[] = [];
  const resets: PushCategory[] = [];
  for (const category of PUSH_CATEGORIES) {
    const before = old.streams[category];
    const after = next.streams[category];
    const from = before.seq ?? 0;
    const to = after.seq ?? 0;
    if (before.epoch === after.epoch && from === to) continue;
    const log = (logs.get(category) ?? []).filter((e) => e.seq > from && e.seq <= to);
    // A full-only category is brought up to date with one full message of its newest state.
    const complete =
      !CATEGORY_SPECS[category].fullOnly &&
      before.epoch === after.epoch &&
      to > from &&
      log.length === to - from &&
      log[0]?.seq === from + 1;
    if (!complete) {
      resets.push(category);
      continue;
    }
    for (const e of log) {
      changes.push({
        category,
        seq: e.seq,
        epoch: after.epoch ?? '',
        payload: e.payload,
        createdAt: e.createdAt,
      });
    }
  }
  return { changes, resets };
}

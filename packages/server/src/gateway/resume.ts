/** What a subscriber's resume position allows: the incrementals to replay, or a full message. */
import { CATEGORY_SPECS, PUSH_CATEGORIES, type PushCategory } from '@confpush/protocol';
import type { RecentChange } from '../engine/recent.js';
import type { MeetingRuntime } from '../engine/runtime.js';
import { CATEGORY_BIT } from '../hub/hub.js';

export function categoriesIn(bits: number): PushCategory[] {
  return PUSH_CATEGORIES.filter((c) => (bits & CATEGORY_BIT[c]) !== 0);
}

/**
 * The incrementals that bring a client from `position` to the stream's newest change, when the server still holds
 * every one of them under the same epoch (all or nothing); undefined means a full message is needed.
 */
export function resumable(
  runtime: MeetingRuntime,
  category: PushCategory,
  position: { epoch: string; seq: number } | undefined,
  epoch: string,
  seq: number,
): RecentChange[] | undefined {
  if (!position || position.epoch !== epoch || position.seq > seq) return undefined;
  if (CATEGORY_SPECS[category].fullOnly) return position.seq === seq ? [] : undefined;
  return runtime.recentLog(category).after(position.seq, seq);
}

/**
 * The relay's copy of one upstream meeting: the SDK's replica (Huawei-tolerant parsing of every frame), which also
 * says what each applied frame touched, and refuses a frame it cannot trust.
 *
 * An incremental that changes a participant the replica does not know (a partial `pinfoMap` without `NAME`) means
 * a change was missed upstream: the frame is answered as a sequence gap, so the connection drops and subscribes
 * again, and the full messages that follow are reconciled by diff. A version that skips is a gap already.
 */
import { MeetingReplica, type ApplyOptions, type ApplyResult } from '@confpush/client';
import {
  CATEGORY_SPECS,
  isPlainObject,
  isPushCategory,
  toNumber,
  trimKeys,
  type Item,
  type PushCategory,
} from '@confpush/protocol';

/** What an applied frame touched: some items of a list, or the whole category. */
export type Touched = { category: PushCategory; keys: string[] | 'all'; createTime: number | undefined };

export class UpstreamReplica extends MeetingReplica {
  /** Frames refused as anomalies (each led to a new subscription). */
  anomalies = 0;

  constructor(private readonly onTouched: (touched: Touched) => void) {
    super();
  }

  override applyFrame(rawFrame: unknown, options: ApplyOptions = {}): ApplyResult {
    // Trimmed once here: what the SDK's replica trims again is then walked, not copied.
    const frame = isPlainObject(rawFrame) ? (trimKeys(rawFrame) as Item) : {};
    const category = isPushCategory(frame['action']) ? frame['action'] : undefined;
    if (category && this.#unknownParticipant(category, frame)) {
      this.anomalies++;
      const stream = this.stream(category);
      return {
        category,
        outcome: 'gap',
        msgMode: 1,
        changes: [],
        before: { synced: stream.synced, epoch: stream.epoch, seq: stream.seq },
        frameSeq: undefined,
        frameEpoch: undefined,
      };
    }
    const result = super.applyFrame(frame, options);
    if (result.outcome === 'applied' && category) {
      const createTime = toNumber(frame['createTime']);
      this.onTouched({ category, keys: this.#touchedKeys(category, frame, result.msgMode), createTime });
    }
    return result;
  }

  #touchedKeys(category: PushCategory, frame: Item, msgMode: 0 | 1 | undefined): string[] | 'all' {
    if (msgMode !== 1 || CATEGORY_SPECS[category].shape.kind !== 'list') return 'all';
    const stream = this.stream(category);
    const keys: string[] = [];
    for (const raw of Array.isArray(frame['data']) ? frame['data'] : []) {
      const key = isPlainObject(raw) ? stream.keyOf(raw) : undefined;
      if (key !== undefined) keys.push(key);
    }
    return keys;
  }

  #unknownParticipant(category: PushCategory, frame: Item): boolean {
    const shape = CATEGORY_SPECS[category].shape;
    if (shape.kind !== 'list' || shape.merge !== 'pinfoMap' || toNumber(frame['msgMode']) !== 1) return false;
    const stream = this.stream(category);
    if (!stream.synced) return false;
    for (const item of Array.isArray(frame['data']) ? frame['data'] : []) {
      if (!isPlainObject(item)) continue;
      if (toNumber(item['mode']) === 1) continue;
      const key = stream.keyOf(item);
      if (key === undefined || stream.items.has(key)) continue;
      const info = item['pinfoMap'];
      if (!isPlainObject(info) || !('NAME' in info)) return true;
    }
    return false;
  }
}

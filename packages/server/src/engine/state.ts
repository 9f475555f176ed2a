/** Building, copying and restoring meeting states. */
import { CategoryReplica, PUSH_CATEGORIES, type PushCategory } from '@confpush/protocol';
import type { MeetingRecord, MeetingState } from '../domain/meeting.js';
import { completeDynamicInfo } from '../domain/views.js';
import type { StoredStream } from '../store/types.js';

/** An independent copy (items are immutable and shared; containers are new). */
export function cloneState(state: MeetingState): MeetingState {
  const streams = {} as Record<PushCategory, CategoryReplica>;
  for (const category of PUSH_CATEGORIES) streams[category] = cloneReplica(state.streams[category]);
  return { record: state.record, streams };
}

function cloneReplica(source: CategoryReplica): CategoryReplica {
  const copy = new CategoryReplica(source.category);
  copy.applyFull(source.snapshot(), source.seq, source.epoch);
  return copy;
}

export function stateFromStore(record: MeetingRecord, stored: readonly StoredStream[]): MeetingState {
  const streams = {} as Record<PushCategory, CategoryReplica>;
  const byCategory = new Map(stored.map((s) => [s.category, s]));
  for (const category of PUSH_CATEGORIES) {
    const replica = new CategoryReplica(category);
    const s = byCategory.get(category);
    if (!s) throw new Error(`meeting ${record.conferenceID} has no stream ${category} in the store`);
    const kind = replica.spec.shape.kind;
    const payload = kind === 'list' ? s.items.map((i) => i.value) : s.items[0]?.value;
    replica.applyFull(kind === 'object' ? (payload ?? {}) : payload, s.seq, s.epoch);
    streams[category] = replica;
  }
  streams.ConfDynamicInfoNotify.fields = completeDynamicInfo(record, streams.ConfDynamicInfoNotify.fields);
  return { record, streams };
}

/**
 * The push categories ("notify types") of Huawei's meeting-level event push, and how each one's state is shaped.
 *
 * Every category is one ordered stream per meeting. Its state is one of three shapes:
 * - `list`:   `data` is an array of items, each identified by `key`; incrementals carry per-item `mode`
 *             (0 upsert, 1 delete). `merge: 'pinfoMap'` items carry only the changed `pinfoMap` keys.
 * - `object`: the payload fields sit at the top level of the frame; incrementals carry the changed fields.
 * - `value`:  the payload is replaced wholesale by every message (speakers, captions, interpreter groups).
 */
export const PUSH_CATEGORIES = [
  'ConfBasicInfoNotify',
  'ConfDynamicInfoNotify',
  'AttendeesNotify',
  'ParticipantsNotify',
  'SpeakerChangeNotify',
  'NetConditionNotify',
  'InviteResultNotify',
  'RealTimeSubtitleNotify',
  'WaitingListNotify',
  'InterpreterGroupNotify',
] as const;

export type PushCategory = (typeof PUSH_CATEGORIES)[number];

/** Names Huawei's own Subscribe examples send although no page documents them. Accepted, never an error. */
export const UNDOCUMENTED_SUBSCRIBE_TYPES = ['CustomMultiPicNotify', 'NetworkQualityNotify'] as const;

export type CategoryShape =
  | { kind: 'list'; key: string; merge: 'replace' | 'pinfoMap'; hasMode: boolean }
  | { kind: 'object' }
  | { kind: 'value'; field: 'data' };

export interface CategorySpec {
  readonly name: PushCategory;
  readonly shape: CategoryShape;
  /** Every change is pushed as a full message (msgMode 0); no incrementals exist for this category. */
  readonly fullOnly: boolean;
  /** `version` and `createTime` are JSON strings on this category's frames (as Huawei documents them). */
  readonly stringVersion: boolean;
}

const list = (key: string, merge: 'replace' | 'pinfoMap', hasMode = true): CategoryShape => ({
  kind: 'list',
  key,
  merge,
  hasMode,
});

export const CATEGORY_SPECS: Readonly<Record<PushCategory, CategorySpec>> = {
  ConfBasicInfoNotify: spec('ConfBasicInfoNotify', { kind: 'object' }, true),
  ConfDynamicInfoNotify: spec('ConfDynamicInfoNotify', { kind: 'object' }),
  AttendeesNotify: spec('AttendeesNotify', list('participantID', 'replace')),
  ParticipantsNotify: spec('ParticipantsNotify', list('pid', 'pinfoMap')),
  SpeakerChangeNotify: spec('SpeakerChangeNotify', { kind: 'value', field: 'data' }, true),
  NetConditionNotify: spec('NetConditionNotify', list('participantID', 'replace')),
  InviteResultNotify: spec('InviteResultNotify', list('callNumber', 'replace', false)),
  RealTimeSubtitleNotify: spec('RealTimeSubtitleNotify', { kind: 'value', field: 'data' }, false, true),
  WaitingListNotify: spec('WaitingListNotify', list('pid', 'pinfoMap')),
  InterpreterGroupNotify: spec('InterpreterGroupNotify', { kind: 'value', field: 'data' }, true),
};

function spec(
  name: PushCategory,
  shape: CategoryShape,
  fullOnly = false,
  stringVersion = false,
): CategorySpec {
  return { name, shape, fullOnly, stringVersion };
}

const CATEGORY_SET: ReadonlySet<string> = new Set(PUSH_CATEGORIES);

export function isPushCategory(name: unknown): name is PushCategory {
  return typeof name === 'string' && CATEGORY_SET.has(name);
}

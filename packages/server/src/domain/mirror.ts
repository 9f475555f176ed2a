/**
 * Mirroring a meeting followed elsewhere: the decision is the difference between the state the relay saw upstream
 * and the committed state, so subscribers see ordinary incremental changes (and nothing at all when the two already
 * agree, e.g. after an upstream reconnect that changed nothing).
 *
 * Per-item `seq` and `mode` are bookkeeping of a stream, not state: they are left out of every comparison. Lists
 * whose items merge `pinfoMap` get only the keys whose value differs.
 */
import {
  CATEGORY_SPECS,
  isPlainObject,
  jsonEqual,
  type CategoryReplica,
  type Item,
} from '@confpush/protocol';
import type { ChangeBuilder } from './changes.js';
import type { MirroredRecordPatch, MirrorTarget } from './commands.js';
import type { Handler } from './decide.js';
import { DomainError } from './errors.js';
import type { LiveHandler } from './live-meeting.js';
import type { MeetingRecord } from './meeting.js';

/** The owner of every meeting a relay mirrors (docs/relay.md): such a meeting changes only as its upstream does. */
export const MIRRORED_OWNER_ID = 'confpush-relay';

/** Is the meeting mirrored from elsewhere? */
export function isMirrored(record: MeetingRecord): boolean {
  return record.ownerId === MIRRORED_OWNER_ID;
}

export const mirror: LiveHandler<'mirror'> = (m, command) => {
  const targets = typeof command.targets === 'function' ? command.targets() : command.targets;
  for (const target of targets) mirrorStream(m.b, m.state.streams[target.category], target);
};

/**
 * The upstream's details: the record takes only the fields that differ (nothing is committed when none does). The
 * streams are left alone: `ConfBasicInfoNotify` is the upstream's own, mirrored by `mirror`, and a view of the local
 * record (the relay's enterprise as owner) would overwrite it.
 */
export const mirrorRecord: Handler<'mirrorRecord'> = (state, command, ctx) => {
  if (state.record.state !== 'Created') throw new DomainError('CONF_NOT_STARTED');
  const changed: MirroredRecordPatch = {};
  for (const [field, value] of Object.entries(command.patch) as [keyof MirroredRecordPatch, unknown][]) {
    if (value !== undefined && !jsonEqual(state.record[field], value))
      Object.assign(changed, { [field]: value });
  }
  if (Object.keys(changed).length === 0) return { changes: [] };
  return { record: { ...state.record, ...changed, updatedAt: ctx.now }, changes: [] };
};

function mirrorStream(b: ChangeBuilder, held: CategoryReplica, target: MirrorTarget): void {
  const { category, payload } = target;
  const shape = CATEGORY_SPECS[category].shape;
  switch (shape.kind) {
    case 'object':
      if (isPlainObject(payload)) b.fields(category, payload);
      return;
    case 'value':
      b.value(category, payload ?? undefined);
      return;
    case 'list':
      mirrorList(b, held, target, shape.merge === 'pinfoMap');
  }
}

function mirrorList(
  b: ChangeBuilder,
  replica: CategoryReplica,
  target: MirrorTarget,
  mergesInfo: boolean,
): void {
  const { category } = target;
  const held = replica.items;
  const wanted = new Map<string, Item>();
  for (const raw of Array.isArray(target.payload) ? target.payload : []) {
    if (!isPlainObject(raw)) continue;
    const key = replica.keyOf(raw);
    if (key !== undefined) wanted.set(key, raw);
  }
  const compared = target.keys ?? new Set([...held.keys(), ...wanted.keys()]);
  for (const key of compared) {
    const next = wanted.get(key);
    const current = held.get(key);
    if (!next) {
      if (current) b.remove(category, key);
      continue;
    }
    if (!current) {
      b.put(category, key, stateOf(next));
      continue;
    }
    if (jsonEqual(current, next, BOOKKEEPING)) continue;
    if (mergesInfo && sameBesideInfo(current, next)) {
      b.patchInfo(category, key, infoOf(next));
    } else {
      b.put(category, key, stateOf(next));
    }
  }
}

/** Per-item bookkeeping of a stream, not state. */
const BOOKKEEPING: ReadonlySet<string> = new Set(['seq', 'mode']);
const BOOKKEEPING_AND_INFO: ReadonlySet<string> = new Set([...BOOKKEEPING, 'pinfoMap']);

/** The item without the stream's bookkeeping. */
function stateOf(item: Item): Item {
  const { seq: _seq, mode: _mode, ...rest } = item;
  return rest;
}

function infoOf(item: Item): Record<string, string> {
  const info = item['pinfoMap'];
  return isPlainObject(info) ? (info as Record<string, string>) : {};
}

/** Equal apart from `pinfoMap` (and the bookkeeping), and no `pinfoMap` key dropped (a merge cannot drop one). */
function sameBesideInfo(before: Item, next: Item): boolean {
  if (!jsonEqual(before, next, BOOKKEEPING_AND_INFO)) return false;
  const beforeInfo = before['pinfoMap'];
  const nextInfo = next['pinfoMap'];
  if (!isPlainObject(beforeInfo)) return true;
  const kept = isPlainObject(nextInfo) ? nextInfo : {};
  for (const key in beforeInfo) if (Object.hasOwn(beforeInfo, key) && !Object.hasOwn(kept, key)) return false;
  return true;
}

/**
 * The meeting's lifecycle, as the scheduler drives it: editing a scheduled meeting, starting, stopping and
 * cancelling. These change the record; the categories derived from it change with it.
 */
import type { Item } from '@confpush/protocol';
import { attendeeIdentity, attendeeItem, type AttendeeInput } from './attendees.js';
import { ChangeBuilder } from './changes.js';
import type { Change, DecideContext, Handler } from './decide.js';
import { DomainError } from './errors.js';
import type { MeetingRecord, MeetingState } from './meeting.js';
import { basicInfoFields, dynamicInfoFromRecord } from './views.js';

export const edit: Handler<'edit'> = (state, command, ctx) => {
  if (state.record.state !== 'Schedule')
    throw new DomainError('CONF_ALREADY_STARTED', 'only a scheduled meeting can be edited');
  const record: MeetingRecord = { ...state.record, ...command.patch, updatedAt: ctx.now };
  const changes = recordChanges(state.record, record);
  if (command.attendees) changes.push(...attendeeListChange(state, command.attendees, ctx));
  return { record, changes };
};

export const start: Handler<'start'> = (state, _command, ctx) => {
  if (state.record.cancelled) throw new DomainError('CONF_NOT_EXIST', 'the meeting was cancelled');
  if (state.record.state === 'Destroyed') throw new DomainError('CONF_ENDED');
  if (state.record.state === 'Created') return { changes: [] };
  const record: MeetingRecord = {
    ...state.record,
    state: 'Created',
    startedAt: ctx.now,
    updatedAt: ctx.now,
  };
  return { record, changes: recordChanges(state.record, record) };
};

export const stop: Handler<'stop'> = (state, _command, ctx) => {
  if (state.record.state !== 'Created') throw new DomainError('CONF_NOT_STARTED');
  const record: MeetingRecord = {
    ...state.record,
    state: 'Destroyed',
    endedAt: ctx.now,
    updatedAt: ctx.now,
  };
  return {
    record,
    changes: [...endOfMeetingChanges(state).build(), ...recordChanges(state.record, record)],
  };
};

export const cancel: Handler<'cancel'> = (state, command, ctx) => {
  if (state.record.cancelled) throw new DomainError('CONF_NOT_EXIST', 'the meeting was cancelled');
  if (state.record.state === 'Destroyed') throw new DomainError('CONF_ENDED');
  if (state.record.state === 'Created' && !command.endIfRunning) {
    throw new DomainError('CONF_ALREADY_STARTED', 'the meeting is in progress; use type=1 to end it');
  }
  const record: MeetingRecord = {
    ...state.record,
    state: 'Destroyed',
    cancelled: true,
    endedAt: ctx.now,
    updatedAt: ctx.now,
  };
  const ending = state.record.state === 'Created' ? endOfMeetingChanges(state).build() : [];
  return { record, changes: [...ending, ...recordChanges(state.record, record)] };
};

/** End of the meeting: everyone leaves (no leave reason: nobody hung up), the room empties, nobody speaks. */
function endOfMeetingChanges(state: MeetingState): ChangeBuilder {
  const b = new ChangeBuilder(state);
  for (const pid of state.streams.ParticipantsNotify.items.keys()) b.remove('ParticipantsNotify', pid);
  for (const pid of state.streams.WaitingListNotify.items.keys()) b.remove('WaitingListNotify', pid);
  for (const pid of state.streams.NetConditionNotify.items.keys()) b.remove('NetConditionNotify', pid);
  b.value('SpeakerChangeNotify', undefined);
  return b;
}

/** Changes to the categories derived from the record. */
function recordChanges(before: MeetingRecord, after: MeetingRecord): Change[] {
  const changes: Change[] = [];
  const basic = changedFields(basicInfoFields(before), basicInfoFields(after));
  if (basic) changes.push({ category: 'ConfBasicInfoNotify', payload: basic });
  const dynamic = changedFields(dynamicInfoFromRecord(before), dynamicInfoFromRecord(after));
  if (dynamic) changes.push({ category: 'ConfDynamicInfoNotify', payload: dynamic });
  return changes;
}

function changedFields(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): Record<string, unknown> | undefined {
  let changed: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(after)) {
    if (JSON.stringify(before[key]) !== JSON.stringify(value)) (changed ??= {})[key] = value;
  }
  return changed;
}

/**
 * Replaces the attendee list: attendees matched to existing ones by number/account/user/e-mail keep their
 * `participantID`; existing attendees not in the list are deleted.
 */
function attendeeListChange(
  state: MeetingState,
  inputs: readonly AttendeeInput[],
  ctx: DecideContext,
): Change[] {
  const current = state.streams.AttendeesNotify.items;
  const byIdentity = new Map<string, Item>();
  for (const item of current.values()) {
    const id = attendeeIdentity(item);
    if (id !== '') byIdentity.set(id, item);
  }
  const payload: Item[] = [];
  const kept = new Set<string>();
  for (const input of inputs) {
    const identity = attendeeIdentity(input);
    const existing = identity === '' ? undefined : byIdentity.get(identity);
    const participantID =
      typeof existing?.['participantID'] === 'string' ? existing['participantID'] : ctx.newParticipantId();
    if (kept.has(participantID)) continue;
    kept.add(participantID);
    const item = attendeeItem(input, participantID, state.record.corpId);
    if (!existing || !sameItem(existing, item)) payload.push(item);
  }
  for (const key of current.keys()) if (!kept.has(key)) payload.push({ participantID: key, mode: 1 });
  return payload.length > 0 ? [{ category: 'AttendeesNotify', payload }] : [];
}

function sameItem(held: Item, next: Item): boolean {
  const { seq: _seq, ...rest } = held;
  return JSON.stringify(rest) === JSON.stringify(next);
}

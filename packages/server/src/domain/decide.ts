/**
 * Where a command changes a meeting. `decide` is pure: from the current state, a command and the context (time,
 * ID source) it computes the new record and the per-category changes, without touching the state. The engine
 * assigns sequence numbers, commits, and then applies the changes with the protocol's replica.
 */
import type { Item, PushCategory } from '@confpush/protocol';
import { DomainError } from './errors.js';
import { attendeeIdentity, attendeeItem, type AttendeeInput } from './attendees.js';
import type { Command } from './commands.js';
import { decideLive, endOfMeetingChanges } from './live.js';
import type { MeetingRecord, MeetingState } from './meeting.js';
import { basicInfoFields, dynamicInfoFromRecord } from './views.js';

/** A change to one stream: exactly what its incremental message carries (list items, changed fields, or value). */
export interface Change {
  category: PushCategory;
  payload: unknown;
}

export interface Decision {
  /** The new record, when the command changed it. */
  record?: MeetingRecord;
  changes: Change[];
}

export interface DecideContext {
  now: number;
  newParticipantId(): string;
}

export function decide(state: MeetingState, command: Command, ctx: DecideContext): Decision {
  switch (command.type) {
    case 'edit': {
      if (state.record.state !== 'Schedule')
        throw new DomainError('CONF_ALREADY_STARTED', 'only a scheduled meeting can be edited');
      const record: MeetingRecord = { ...state.record, ...command.patch, updatedAt: ctx.now };
      const changes = recordChanges(state.record, record);
      if (command.attendees) changes.push(...attendeeListChange(state, command.attendees, ctx));
      return { record, changes };
    }
    case 'start': {
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
    }
    case 'stop': {
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
    }
    case 'cancel': {
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
    }
    default:
      return decideLive(state, command, ctx);
  }
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

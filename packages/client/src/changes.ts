/**
 * Typed change events, derived by comparing a category's typed view before and after one frame. A full message
 * yields the same events as the incrementals it replaces would have (as far as its end state tells), so a
 * listener that keeps its own model up to date from events stays correct across rebuilds.
 */
import { jsonEqual } from '@confpush/protocol';
import type { Attendee, AttendeeField } from './views/attendees.js';
import { changedKeys } from './views/coerce.js';
import type { BasicInfo, ConfStatus } from './views/conference.js';
import type { InterpreterGroup, InviteResult, NetCondition, Speaker, Subtitle } from './views/media.js';
import type { Participant, ParticipantField, ParticipantRole, WaitingMember } from './views/participants.js';

interface Change<T extends string> {
  readonly type: T;
  /** Whether the frame behind the change was an incremental or a full message (state diffed). */
  readonly via: 'incremental' | 'full';
}

export interface AttendeeAdded extends Change<'attendeeAdded'> {
  readonly attendee: Attendee;
}
export interface AttendeeUpdated extends Change<'attendeeUpdated'> {
  readonly attendee: Attendee;
  readonly previous: Attendee;
  /** Typed fields that changed. */
  readonly changed: readonly AttendeeField[];
  /** Fields of the item as received that changed (Huawei names). */
  readonly changedKeys: readonly string[];
}
export interface AttendeeRemoved extends Change<'attendeeRemoved'> {
  readonly attendee: Attendee;
}
export interface ParticipantJoined extends Change<'participantJoined'> {
  readonly participant: Participant;
}
export interface ParticipantLeft extends Change<'participantLeft'> {
  /** The participant as last known. */
  readonly participant: Participant;
}
export interface ParticipantUpdated extends Change<'participantUpdated'> {
  readonly participant: Participant;
  readonly previous: Participant;
  readonly changed: readonly ParticipantField[];
  /** `pinfoMap` keys whose values changed. */
  readonly changedKeys: readonly string[];
}
export interface ParticipantFlagChange<T extends string> extends Change<T> {
  readonly participant: Participant;
}
export interface RoleChanged extends Change<'roleChanged'> {
  readonly participant: Participant;
  readonly from: ParticipantRole;
  readonly to: ParticipantRole;
}
export interface SpeakersChanged extends Change<'speakersChanged'> {
  readonly speakers: readonly Speaker[];
  readonly previous: readonly Speaker[];
}
export interface StatusChanged extends Change<'statusChanged'> {
  readonly status: ConfStatus;
  /** Undefined for the first status received. */
  readonly previous: ConfStatus | undefined;
  readonly changed: readonly (keyof ConfStatus)[];
  readonly changedKeys: readonly string[];
}
export interface BasicInfoChanged extends Change<'basicInfoChanged'> {
  readonly basicInfo: BasicInfo;
  readonly previous: BasicInfo | undefined;
  readonly changed: readonly (keyof BasicInfo)[];
  readonly changedKeys: readonly string[];
}
export interface MeetingEnded extends Change<'meetingEnded'> {
  readonly status: ConfStatus;
}
export interface InviteResultChange extends Change<'inviteResult'> {
  readonly result: InviteResult;
}
export interface SubtitleChange extends Change<'subtitle'> {
  readonly subtitle: Subtitle;
}
export interface WaitingListChanged extends Change<'waitingListChanged'> {
  readonly added: readonly WaitingMember[];
  readonly updated: readonly WaitingMember[];
  readonly removed: readonly WaitingMember[];
  /** The whole waiting room after the change. */
  readonly waitingList: readonly WaitingMember[];
}
export interface InterpreterGroupsChanged extends Change<'interpreterGroupsChanged'> {
  readonly groups: readonly InterpreterGroup[];
  readonly previous: readonly InterpreterGroup[];
}
export interface NetConditionChanged extends Change<'netConditionChanged'> {
  readonly participantID: string;
  /** Undefined when the entry was removed. */
  readonly condition: NetCondition | undefined;
  readonly previous: NetCondition | undefined;
}

export type MeetingChange =
  | AttendeeAdded
  | AttendeeUpdated
  | AttendeeRemoved
  | ParticipantJoined
  | ParticipantLeft
  | ParticipantUpdated
  | ParticipantFlagChange<'muted'>
  | ParticipantFlagChange<'unmuted'>
  | ParticipantFlagChange<'handRaised'>
  | ParticipantFlagChange<'handLowered'>
  | RoleChanged
  | SpeakersChanged
  | StatusChanged
  | BasicInfoChanged
  | MeetingEnded
  | InviteResultChange
  | SubtitleChange
  | WaitingListChanged
  | InterpreterGroupsChanged
  | NetConditionChanged;

export type MeetingChangeType = MeetingChange['type'];

/** Each change type with its event, for typed per-type listeners. */
export type MeetingChangeEvents = { [T in MeetingChangeType]: [change: Extract<MeetingChange, { type: T }>] };

export type Via = Change<string>['via'];

/** One list entry before and after a frame (undefined: absent). */
export type EntryPair<T> = readonly [key: string, before: T | undefined, after: T | undefined];

export function diffParticipants(pairs: readonly EntryPair<Participant>[], via: Via): MeetingChange[] {
  const out: MeetingChange[] = [];
  for (const [, before, after] of pairs) {
    if (!before && after) out.push({ type: 'participantJoined', via, participant: after });
    else if (before && !after) out.push({ type: 'participantLeft', via, participant: before });
    else if (before && after) {
      const changedPinfo = changedKeys(before.pinfo, after.pinfo);
      const changed = changedKeys(before, after, ['pid', 'pinfo']) as ParticipantField[];
      if (changed.length === 0 && changedPinfo.length === 0) continue;
      out.push({
        type: 'participantUpdated',
        via,
        participant: after,
        previous: before,
        changed,
        changedKeys: changedPinfo,
      });
      if ((before.muted ?? false) !== (after.muted ?? false)) {
        out.push({ type: after.muted ? 'muted' : 'unmuted', via, participant: after });
      }
      if ((before.handUp ?? false) !== (after.handUp ?? false)) {
        out.push({ type: after.handUp ? 'handRaised' : 'handLowered', via, participant: after });
      }
      if (before.role !== undefined && after.role !== undefined && before.role !== after.role) {
        out.push({ type: 'roleChanged', via, participant: after, from: before.role, to: after.role });
      }
    }
  }
  return out;
}

export function diffAttendees(pairs: readonly EntryPair<Attendee>[], via: Via): MeetingChange[] {
  const out: MeetingChange[] = [];
  for (const [, before, after] of pairs) {
    if (!before && after) out.push({ type: 'attendeeAdded', via, attendee: after });
    else if (before && !after) out.push({ type: 'attendeeRemoved', via, attendee: before });
    else if (before && after) {
      const raw = changedKeys(before.raw, after.raw);
      if (raw.length === 0) continue;
      const changed = changedKeys(before, after, ['key', 'raw']) as AttendeeField[];
      out.push({
        type: 'attendeeUpdated',
        via,
        attendee: after,
        previous: before,
        changed,
        changedKeys: raw,
      });
    }
  }
  return out;
}

export function diffWaitingList(
  pairs: readonly EntryPair<WaitingMember>[],
  waitingList: readonly WaitingMember[],
  via: Via,
): MeetingChange[] {
  const added: WaitingMember[] = [];
  const updated: WaitingMember[] = [];
  const removed: WaitingMember[] = [];
  for (const [, before, after] of pairs) {
    if (!before && after) added.push(after);
    else if (before && !after) removed.push(before);
    else if (before && after && !jsonEqual(before, after)) updated.push(after);
  }
  if (added.length + updated.length + removed.length === 0) return [];
  return [{ type: 'waitingListChanged', via, added, updated, removed, waitingList }];
}

export function diffNetConditions(pairs: readonly EntryPair<NetCondition>[], via: Via): MeetingChange[] {
  const out: MeetingChange[] = [];
  for (const [participantID, before, after] of pairs) {
    if (before === undefined && after === undefined) continue;
    if (before && after && jsonEqual(before.raw, after.raw)) continue;
    out.push({ type: 'netConditionChanged', via, participantID, condition: after, previous: before });
  }
  return out;
}

export function diffInviteResults(pairs: readonly EntryPair<InviteResult>[], via: Via): MeetingChange[] {
  const out: MeetingChange[] = [];
  for (const [, before, after] of pairs) {
    if (after && !(before && jsonEqual(before.raw, after.raw)))
      out.push({ type: 'inviteResult', via, result: after });
  }
  return out;
}

export function diffStatus(
  before: ConfStatus | undefined,
  after: ConfStatus | undefined,
  via: Via,
): MeetingChange[] {
  if (!after) return [];
  const raw = changedKeys(before?.raw ?? {}, after.raw);
  if (before && raw.length === 0) return [];
  const changed = changedKeys(before ?? {}, after, ['raw']) as (keyof ConfStatus)[];
  const out: MeetingChange[] = [
    { type: 'statusChanged', via, status: after, previous: before, changed, changedKeys: raw },
  ];
  if (after.state === 'Destroyed' && before?.state !== 'Destroyed')
    out.push({ type: 'meetingEnded', via, status: after });
  return out;
}

export function diffBasicInfo(
  before: BasicInfo | undefined,
  after: BasicInfo | undefined,
  via: Via,
): MeetingChange[] {
  if (!after) return [];
  const raw = changedKeys(before?.raw ?? {}, after.raw);
  if (before && raw.length === 0) return [];
  const changed = changedKeys(before ?? {}, after, ['raw']) as (keyof BasicInfo)[];
  return [{ type: 'basicInfoChanged', via, basicInfo: after, previous: before, changed, changedKeys: raw }];
}

export function diffSpeakers(
  before: readonly Speaker[],
  after: readonly Speaker[],
  via: Via,
): MeetingChange[] {
  return jsonEqual(before, after)
    ? []
    : [{ type: 'speakersChanged', via, speakers: after, previous: before }];
}

export function diffSubtitle(
  before: Subtitle | undefined,
  after: Subtitle | undefined,
  via: Via,
): MeetingChange[] {
  if (!after || (before && jsonEqual(before.raw, after.raw))) return [];
  return [{ type: 'subtitle', via, subtitle: after }];
}

export function diffInterpreterGroups(
  before: readonly InterpreterGroup[],
  after: readonly InterpreterGroup[],
  via: Via,
): MeetingChange[] {
  return jsonEqual(before, after)
    ? []
    : [{ type: 'interpreterGroupsChanged', via, groups: after, previous: before }];
}

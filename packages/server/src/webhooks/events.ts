/**
 * The webhook events of one committed change (reference §6.3), derived from the state the change was decided on and
 * the change itself — the same change the socket push carries, so every source of meetings produces them:
 *
 * | change                                                  | events                                     |
 * | ------------------------------------------------------- | ------------------------------------------ |
 * | meeting created                                         | `meeting.create` (+ `meeting.started` if instant) |
 * | scheduled meeting edited                                | `meeting.modify`                           |
 * | started                                                 | `meeting.started`                          |
 * | participant online (STATE 0) that was not               | `meeting.join`                             |
 * | online participant removed                              | `meeting.left`                             |
 * | recording stopped (`recState` 1 → 0, or the meeting ended while recording) | `record.finish`         |
 * | stopped                                                 | `meeting.end`, `meeting.conclude` (nobody can join again) |
 * | cancelled                                               | `meeting.cancel` (after the end events when it was running) |
 */
import type { AttendeeInfo, EventInfo, EventName, Item, MeetingInfo } from '@confpush/protocol';
import type { Decision } from '../domain/decide.js';
import type { MeetingRecord, MeetingState } from '../domain/meeting.js';

export {
  EVENT_NAMES,
  type AttendeeInfo,
  type EventInfo,
  type EventName,
  type MeetingInfo,
} from '@confpush/protocol';

/** One event of one meeting as the outbox keeps it. */
export interface MeetingEvent {
  corpId: string;
  confId: string;
  eventInfo: EventInfo;
}

export function meetingEvents(
  before: MeetingState | undefined,
  change: Decision & { created?: MeetingState },
  now: number,
): MeetingEvent[] {
  const after = change.record ?? change.created?.record ?? before?.record;
  if (!after) return [];
  const events: MeetingEvent[] = [];
  const meetingInfo: MeetingInfo = { meetingID: after.conferenceID, meetingUUID: after.confUUID };
  const add = (event: EventName, attendeeInfo?: AttendeeInfo) =>
    events.push({
      corpId: after.corpId,
      confId: after.conferenceID,
      eventInfo: {
        event,
        timestamp: now,
        payload: { meetingInfo, ...(attendeeInfo ? { attendeeInfo } : {}) },
      },
    });
  if (!before) {
    add('meeting.create');
    if (after.state === 'Created') add('meeting.started');
    return events;
  }
  const was = before.record;
  if (change.record && lifecycleUnchanged(was, after) && after.state === 'Schedule') add('meeting.modify');
  if (was.state !== 'Created' && after.state === 'Created') add('meeting.started');
  for (const [attendee, joined] of participantMoves(before, change, now)) {
    add(joined ? 'meeting.join' : 'meeting.left', attendee);
  }
  const recordingBefore = before.streams.ConfDynamicInfoNotify.fields['recState'] === 1;
  const ended = was.state === 'Created' && after.state === 'Destroyed';
  if (recordingBefore && (ended || recStateOf(change) === 0)) add('record.finish');
  if (ended) {
    add('meeting.end');
    add('meeting.conclude');
  }
  if (!was.cancelled && after.cancelled) add('meeting.cancel');
  return events;
}

function lifecycleUnchanged(was: MeetingRecord, after: MeetingRecord): boolean {
  return was.state === after.state && was.cancelled === after.cancelled;
}

function recStateOf(change: Decision): unknown {
  for (const c of change.changes) {
    if (c.category === 'ConfDynamicInfoNotify') {
      const fields = c.payload as Record<string, unknown>;
      if ('recState' in fields) return fields['recState'];
    }
  }
  return undefined;
}

/** Participants that came online (true) or left while online (false), with their attendee info. */
function participantMoves(before: MeetingState, change: Decision, at: number): [AttendeeInfo, boolean][] {
  const moves: [AttendeeInfo, boolean][] = [];
  const held = before.streams.ParticipantsNotify.items;
  for (const c of change.changes) {
    if (c.category !== 'ParticipantsNotify') continue;
    for (const item of c.payload as Item[]) {
      const pid = String(item['pid'] ?? '');
      const was = pinfo(held.get(pid));
      if (item['mode'] === 1) {
        if (was['STATE'] === '0') moves.push([attendeeInfo(pid, was, at), false]);
        continue;
      }
      const now = { ...was, ...pinfo(item) };
      if (now['STATE'] === '0' && was['STATE'] !== '0') moves.push([attendeeInfo(pid, now, 0), true]);
    }
  }
  return moves;
}

function pinfo(item: Item | undefined): Record<string, string> {
  return (item?.['pinfoMap'] ?? {}) as Record<string, string>;
}

const ROLES: Readonly<Record<string, string>> = { '1': 'CHAIR', '2': 'AUDIENCE' };

function attendeeInfo(pid: string, map: Record<string, string>, leftTime: number): AttendeeInfo {
  return {
    userUUID: map['ACCOUNT_ID'] ?? '',
    userAgent: map['CLICENT_LOGIN_TYPE'] ?? '',
    account: map['ACCOUNT'] ?? '',
    participantID: pid,
    displayName: map['NAME'] ?? '',
    joinTime: Number(map['ADDTIME'] ?? 0),
    leftTime,
    role: ROLES[map['ROLE'] ?? ''] ?? 'GENERAL',
    callNumber: map['TEL'] ?? '',
  };
}

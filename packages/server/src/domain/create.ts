/** The initial state of a new meeting: its record and every stream at sequence 0. */
import type { Item } from '@confpush/protocol';
import { attendeeIdentity, attendeeItem, type AttendeeInput } from './attendees.js';
import { emptyStreams, type MeetingRecord, type MeetingState } from './meeting.js';
import { basicInfoFields, initialDynamicInfo } from './views.js';

export function createMeetingState(
  record: MeetingRecord,
  attendees: readonly AttendeeInput[],
  newParticipantId: () => string,
): MeetingState {
  const streams = emptyStreams();
  streams.ConfBasicInfoNotify.applyFull(basicInfoFields(record), 0);
  streams.ConfDynamicInfoNotify.applyFull(initialDynamicInfo(record), 0);
  const items: Item[] = [];
  const seen = new Set<string>();
  for (const input of attendees) {
    const identity = attendeeIdentity(input);
    if (identity !== '' && seen.has(identity)) continue;
    seen.add(identity);
    items.push({ ...attendeeItem(input, newParticipantId(), record.corpId), seq: 0 });
  }
  streams.AttendeesNotify.applyFull(items, 0);
  streams.InterpreterGroupNotify.applyFull([], 0);
  return { record, streams };
}

/** Everything that can change a meeting. Commands are plain data so they can be logged, replayed and generated. */
import type { AttendeeInput } from './attendees.js';
import type { MeetingRecord } from './meeting.js';

/** Record fields an edit may change (everything the caller schedules; never identity or lifecycle). */
export type RecordPatch = Partial<
  Pick<
    MeetingRecord,
    | 'subject'
    | 'mediaTypes'
    | 'confType'
    | 'scheduledStartAt'
    | 'length'
    | 'timeZoneID'
    | 'language'
    | 'guestPwd'
    | 'recordType'
    | 'isAutoRecord'
    | 'liveAddress'
    | 'auxAddress'
    | 'recordAuxStream'
    | 'recordAuthType'
    | 'encryptMode'
    | 'concurrentParticipants'
    | 'supportSimultaneousInterpretation'
    | 'groupuri'
    | 'confConfigInfo'
  >
>;

export type Command =
  | { type: 'edit'; patch: RecordPatch; attendees?: AttendeeInput[] }
  | { type: 'start' }
  | { type: 'stop' }
  | { type: 'cancel'; endIfRunning: boolean }
  | { type: 'addAttendees'; attendees: AttendeeInput[] }
  | { type: 'deleteAttendees'; entries: { number?: string; participantID?: string }[] };

export type CommandType = Command['type'];

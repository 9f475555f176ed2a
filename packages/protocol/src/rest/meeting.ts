/**
 * Meeting-management schemas: the `RestScheduleConfDTO` body of create/edit (reference §3.1–3.3), the
 * `ConferenceInfo` response (§3.4), and the list/detail pages (§4.3, §4.4).
 *
 * Bodies are validated without coercion (`"60"` for `length` is refused; the server's api/validation.ts); unknown fields are
 * ignored and a null in an optional field counts as absent. Queries keep string-to-number parsing. Defaults of the body (length 30, …) are applied by the domain, not here, because an
 * edit body takes the current value for every absent field.
 */
import { Type, type Static } from '@sinclair/typebox';
import { RestAttendeeSchema } from './attendee.js';

const MEDIA_TYPES = ['Voice', 'Video', 'HDVideo', 'Telepresence', 'Data'] as const;

const mediaTypeAlternatives = MEDIA_TYPES.join('|');

const intRange = (minimum: number, maximum: number, description: string) =>
  Type.Integer({ minimum, maximum, description });

/** One of a few values. An enum (not a union of literals) so that a refusal reads "one of the allowed values". */
const intEnum = (values: readonly number[], description: string) =>
  Type.Integer({ enum: [...values], description });

const stringEnum = (values: readonly string[], description: string) =>
  Type.String({ enum: [...values], description });

const flag = (description: string) => intEnum([0, 1], description);

export const RestConfConfigSchema = Type.Object({
  isSendNotify: Type.Optional(Type.Boolean({ description: 'Send e-mail notices' })),
  isSendSms: Type.Optional(Type.Boolean({ description: 'Send SMS notices' })),
  isSendCalendar: Type.Optional(Type.Boolean({ description: 'Send e-mail calendar invites' })),
  isAutoMute: Type.Optional(Type.Boolean({ description: 'Soft clients of guests muted on join' })),
  isHardTerminalAutoMute: Type.Optional(
    Type.Boolean({ description: 'Hard terminals of guests muted on join' }),
  ),
  isGuestFreePwd: Type.Optional(Type.Boolean({ description: 'Guests join without a password' })),
  callInRestriction: Type.Optional(
    intEnum([0, 2, 3], 'Who may join: 0 everyone, 2 enterprise users, 3 invited users'),
  ),
  allowGuestStartConf: Type.Optional(
    Type.Boolean({ description: 'The guest password may start the meeting (POST …/conferences/start)' }),
  ),
  guestPwd: Type.Optional(
    Type.String({ pattern: '^[0-9]{4,16}$', description: 'Guest password, 4–16 digits' }),
  ),
  vmrIDType: Type.Optional(intEnum([0, 1], 'Cloud-meeting-room ID: 0 fixed, 1 random')),
  prolongLength: Type.Optional(intRange(0, 60, 'Auto-extension minutes, 0 = end at the scheduled length')),
  enableWaitingRoom: Type.Optional(Type.Boolean()),
  isHostCameraOn: Type.Optional(Type.Boolean()),
  isGuestCameraOn: Type.Optional(Type.Boolean()),
  supportRealTimeSubtitle: Type.Optional(
    Type.Boolean({
      description:
        'confpush extension (default true): whether the meeting supports live captions (ConfBasicInfoNotify realTimeSubtitle)',
    }),
  ),
});
export type RestConfConfig = Static<typeof RestConfConfigSchema>;

export const RestScheduleConfSchema = Type.Object({
  mediaTypes: Type.String({
    pattern: `^\\s*(${mediaTypeAlternatives})\\s*(,\\s*(${mediaTypeAlternatives})\\s*)*$`,
    description: 'Comma list of Voice, Video, HDVideo, Telepresence, Data',
  }),
  subject: Type.Optional(Type.String({ maxLength: 128 })),
  startTime: Type.Optional(
    Type.String({
      pattern: '^([0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2})?$',
      description: 'UTC, `yyyy-MM-dd HH:mm`; absent or "" = instant meeting',
    }),
  ),
  length: Type.Optional(intRange(15, 1440, 'Minutes; default 30')),
  attendees: Type.Optional(Type.Array(RestAttendeeSchema, { maxItems: 500 })),
  groupuri: Type.Optional(Type.String({ maxLength: 31 })),
  isAutoRecord: Type.Optional(flag('Start cloud recording automatically (recordType 2/3)')),
  encryptMode: Type.Optional(intEnum([0, 1, 2], '0 adaptive, 1 forced, 2 none')),
  language: Type.Optional(stringEnum(['zh-CN', 'en-US'], 'Language of notices; default zh-CN')),
  timeZoneID: Type.Optional(
    Type.String({ pattern: '^[0-9]{0,3}$', description: 'Huawei time-zone ID, e.g. "56"' }),
  ),
  recordType: Type.Optional(intRange(0, 3, '0 disabled, 1 live, 2 recording, 3 live + recording')),
  liveAddress: Type.Optional(Type.String({ maxLength: 255 })),
  auxAddress: Type.Optional(Type.String({ maxLength: 255 })),
  recordAuxStream: Type.Optional(flag('Record the aux (sharing) stream')),
  recordAuthType: Type.Optional(
    intRange(0, 2, 'Recordings visible to: 0 anyone with the link, 1 enterprise users, 2 attendees'),
  ),
  confConfigInfo: Type.Optional(RestConfConfigSchema),
  vmrFlag: Type.Optional(flag('1 = held in the cloud meeting room `vmrID`')),
  vmrID: Type.Optional(Type.String({ maxLength: 64 })),
  cycleParams: Type.Optional(
    Type.Unknown({
      description:
        'Recurring meetings are served by /v1/mmc/management/cycleconferences, which confpush does not implement; refused',
    }),
  ),
  concurrentParticipants: Type.Optional(intRange(0, 2_147_483_647, 'Maximum participants, 0 = unlimited')),
  supportSimultaneousInterpretation: Type.Optional(Type.Boolean()),
  confResType: Type.Optional(
    intRange(0, 3, 'Resource type (immutable): 0 concurrent parties, 1 cloud meeting room, 2 webinar'),
  ),
});
export type RestScheduleConf = Static<typeof RestScheduleConfSchema>;

// ---- responses ----

const ConfConfigInfoResponse = Type.Object({
  isSendNotify: Type.Boolean(),
  isSendSms: Type.Boolean(),
  isSendCalendar: Type.Boolean(),
  isAutoMute: Type.Boolean(),
  isHardTerminalAutoMute: Type.Boolean(),
  isGuestFreePwd: Type.Boolean(),
  callInRestriction: Type.Integer(),
  allowGuestStartConf: Type.Boolean(),
  vmrIDType: Type.Integer(),
  prolongLength: Type.Integer(),
  enableWaitingRoom: Type.Boolean(),
  isHostCameraOn: Type.Boolean(),
  isGuestCameraOn: Type.Boolean(),
  supportRealTimeSubtitle: Type.Boolean(),
});

export const PartAttendeeSchema = Type.Object({
  name: Type.String(),
  phone: Type.Optional(Type.String()),
  phone2: Type.Optional(Type.String()),
  phone3: Type.Optional(Type.String()),
  type: Type.String(),
  role: Type.Integer(),
  isMute: Type.Integer(),
});

export const ConferenceInfoSchema = Type.Object({
  conferenceID: Type.String(),
  mediaTypes: Type.String(),
  subject: Type.String(),
  size: Type.Integer({ description: 'Attendees invited' }),
  timeZoneID: Type.String(),
  startTime: Type.String({ description: 'UTC `YYYY-MM-DD HH:MM`' }),
  endTime: Type.String({ description: 'UTC `YYYY-MM-DD HH:MM`' }),
  conferenceState: Type.String({ description: '`Schedule` or `Created` (in progress)' }),
  accessNumber: Type.String(),
  language: Type.String(),
  passwordEntry: Type.Array(Type.Object({ conferenceRole: Type.String(), password: Type.String() }), {
    description: 'Host and guest passwords for the host/owner/administrators, the guest password otherwise',
  }),
  userUUID: Type.String({ description: 'Scheduler' }),
  scheduserName: Type.String(),
  conferenceType: Type.Integer(),
  confType: Type.String(),
  isAutoMute: Type.Integer(),
  isAutoRecord: Type.Integer(),
  chairJoinUri: Type.Optional(Type.String({ description: 'Host callers only' })),
  guestJoinUri: Type.String(),
  audienceJoinUri: Type.String(),
  recordType: Type.Integer(),
  auxAddress: Type.Optional(Type.String()),
  liveAddress: Type.Optional(Type.String()),
  recordAuxStream: Type.Integer(),
  recordAuthType: Type.Integer(),
  liveUrl: Type.Optional(Type.String()),
  confConfigInfo: ConfConfigInfoResponse,
  vmrFlag: Type.Integer(),
  vmrID: Type.Optional(Type.String()),
  vmrConferenceID: Type.Optional(Type.String()),
  confUUID: Type.Optional(Type.String({ description: 'Instant and running meetings' })),
  partAttendeeInfo: Type.Array(PartAttendeeSchema, {
    description: 'First 20 soft-client and 20 hard-terminal invitees',
  }),
  terminlCount: Type.Integer(),
  normalCount: Type.Integer(),
  deptName: Type.String({ description: "Scheduler's enterprise name" }),
  role: Type.String({ description: "Caller's role: chair or general" }),
  webinar: Type.Boolean(),
  onlineAttendeeAmount: Type.Optional(Type.Integer({ description: 'Online meeting list only' })),
  multiStreamFlag: Type.Integer(),
  confMode: Type.String(),
  concurrentParticipants: Type.Integer(),
  supportSimultaneousInterpretation: Type.Boolean(),
});
export type ConferenceInfo = Static<typeof ConferenceInfoSchema>;

/** The answer of creating or editing a meeting: the meeting, in a list of one. */
export const ConferenceInfoListSchema = Type.Array(ConferenceInfoSchema);

export const ParticipantInfoSchema = Type.Object({
  participantID: Type.String({
    description: "The attendee's number; its push participantID when it has none",
  }),
  name: Type.String(),
  role: Type.Integer({ description: '1 host, 0 attendee' }),
  state: Type.String({ description: 'Always MEETTING' }),
  address: Type.Optional(Type.String()),
  attendeeType: Type.String(),
  accountId: Type.Optional(Type.String()),
  phone2: Type.Optional(Type.String()),
  phone3: Type.Optional(Type.String()),
  email: Type.Optional(Type.String()),
  sms: Type.Optional(Type.String()),
  deptName: Type.Optional(Type.String()),
  userUUID: Type.Optional(Type.String()),
  appId: Type.Optional(Type.String()),
  isAutoInvite: Type.Integer(),
  isNotOverlayPidName: Type.Boolean(),
});
export type ParticipantInfo = Static<typeof ParticipantInfoSchema>;

const pageOf = <T extends ReturnType<typeof Type.Object>>(item: T) =>
  Type.Object({
    offset: Type.Integer(),
    limit: Type.Integer(),
    count: Type.Integer({ description: 'Total matching, across all pages' }),
    data: Type.Array(item),
  });

export const ConferenceListSchema = pageOf(ConferenceInfoSchema);

export const ConferenceDetailSchema = Type.Object({
  conferenceData: ConferenceInfoSchema,
  data: pageOf(ParticipantInfoSchema),
});

// ---- queries and small bodies ----

const paging = {
  offset: Type.Integer({ minimum: 0, default: 0 }),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 20 }),
  searchKey: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
};

export const MeetingListQuery = Type.Object({
  ...paging,
  queryAll: Type.Boolean({ default: false, description: "Administrators: the whole enterprise's meetings" }),
  userUUID: Type.Optional(Type.String({ maxLength: 64, description: 'Administrators: one user’s meetings' })),
  queryConfMode: Type.String({
    enum: ['ADAY', 'AWEEK', 'AMONTH', 'ALL'],
    default: 'ALL',
    description: 'Meetings starting within a day, week, month, or all',
  }),
  sortType: Type.String({
    enum: ['ASC_StartTIME', 'DSC_StartTIME'],
    default: 'ASC_StartTIME',
  }),
});
export type MeetingListQueryType = Static<typeof MeetingListQuery>;

export const OnlineListQuery = Type.Object({
  ...paging,
  queryAll: Type.Boolean({ default: false, description: "Administrators: the whole enterprise's meetings" }),
});

export const DetailQuery = Type.Object({
  conferenceID: Type.String({ minLength: 1, maxLength: 32 }),
  ...paging,
});

export const DetailHeaders = Type.Object({
  'x-type': Type.Optional(
    stringEnum(['0', '1', '2'], '2 = query people or terminals separately (X-Query-Type)'),
  ),
  'x-query-type': Type.Optional(stringEnum(['0', '1'], 'With X-Type 2: 0 people, 1 terminals')),
});

export const CancelQuery = Type.Object({
  conferenceID: Type.String({ minLength: 1, maxLength: 32 }),
  type: Type.Optional(flag('1 = also end the meeting when it is in progress')),
});

export const StartBody = Type.Object({
  conferenceID: Type.String({ minLength: 1, maxLength: 32 }),
  password: Type.String({
    minLength: 1,
    maxLength: 32,
    description: 'Host password, or guest password when allowed',
  }),
});
export type StartRequest = Static<typeof StartBody>;

export const StartResponse = Type.Object({
  uuid: Type.String({ description: 'Deprecated: the confUUID' }),
  regionIP: Type.String(),
});

export const RegionResponse = Type.Object({ regionIP: Type.String(), regionUrl: Type.String() });

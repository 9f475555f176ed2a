/** Attendee schemas: `RestAttendeeDTO` (create/edit a meeting), `Attendee` (invite into a running meeting), and the bodies of the attendee calls. */
import { Type, type Static } from '@sinclair/typebox';

export const ATTENDEE_TYPES = [
  'normal',
  'terminal',
  'outside',
  'mobile',
  'ideahub',
  'board',
  'hwvision',
  'telepresence',
  'telephone',
  'customnumber',
  'anonymous',
] as const;

const attendeeFields = {
  userUUID: Type.Optional(Type.String({ maxLength: 64 })),
  accountId: Type.Optional(Type.String({ maxLength: 255 })),
  appId: Type.Optional(Type.String({ maxLength: 64 })),
  name: Type.Optional(Type.String({ maxLength: 96 })),
  role: Type.Optional(Type.Union([Type.Literal(0), Type.Literal(1)], { description: '0 attendee, 1 host' })),
  phone: Type.Optional(Type.String({ maxLength: 127 })),
  phone2: Type.Optional(Type.String({ maxLength: 127 })),
  phone3: Type.Optional(Type.String({ maxLength: 127 })),
  email: Type.Optional(Type.String({ maxLength: 255 })),
  sms: Type.Optional(Type.String({ maxLength: 32 })),
  isMute: Type.Optional(Type.Union([Type.Literal(0), Type.Literal(1)])),
  isAutoInvite: Type.Optional(Type.Union([Type.Literal(0), Type.Literal(1)])),
  type: Type.Optional(Type.Union(ATTENDEE_TYPES.map((t) => Type.Literal(t)))),
  address: Type.Optional(Type.String({ maxLength: 255 })),
  deptUUID: Type.Optional(Type.String({ maxLength: 64 })),
  deptName: Type.Optional(Type.String({ maxLength: 128 })),
  uniqueType: Type.Optional(Type.Union([Type.Literal(0), Type.Literal(1)])),
};

export const RestAttendeeSchema = Type.Object(attendeeFields, { $id: 'RestAttendeeDTO' });
export type RestAttendee = Static<typeof RestAttendeeSchema>;

/** In-meeting invitee: `name`, `phone` and `type` are required (reference §5.2). */
export const InviteAttendeeSchema = Type.Object(
  {
    ...attendeeFields,
    name: Type.String({ minLength: 1, maxLength: 96 }),
    phone: Type.String({ minLength: 1, maxLength: 127 }),
    type: Type.Union(ATTENDEE_TYPES.map((t) => Type.Literal(t))),
  },
  { $id: 'Attendee' },
);
export type InviteAttendee = Static<typeof InviteAttendeeSchema>;

/** `POST /v1/mmc/control/conferences/participants`: sites to invite (added to the attendee list and called). */
export const InviteBody = Type.Object({
  attendees: Type.Array(InviteAttendeeSchema, { minItems: 1, maxItems: 500 }),
});
export type InviteRequest = Static<typeof InviteBody>;

/** `POST /v1/mmc/control/conferences/inviteWithPwd`: a terminal by its number, with a meeting password. */
export const InviteWithPwdBody = Type.Object({
  callNum: Type.String({ minLength: 1, maxLength: 127, description: 'SIP number of the invitee' }),
  confID: Type.String({ minLength: 1, maxLength: 32 }),
  pwd: Type.String({ minLength: 1, maxLength: 64, description: 'Host or guest password' }),
  orgID: Type.Optional(Type.String({ maxLength: 64 })),
  numBelongsType: Type.Optional(Type.Union([Type.Literal(0), Type.Literal(1)])),
  isNotOverlayPidName: Type.Optional(Type.Boolean()),
});
export type InviteWithPwdRequest = Static<typeof InviteWithPwdBody>;

/** `POST /v1/mmc/control/conferences/attendees/delete`: each entry names a number or a participant. */
export const DeleteAttendeesBody = Type.Object({
  bulkDelAttendInfo: Type.Array(
    Type.Object({
      number: Type.Optional(Type.String({ maxLength: 127 })),
      participantID: Type.Optional(Type.String({ maxLength: 64 })),
    }),
    { minItems: 1, maxItems: 500 },
  ),
});
export type DeleteAttendeesRequest = Static<typeof DeleteAttendeesBody>;

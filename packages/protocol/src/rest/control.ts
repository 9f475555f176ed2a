/**
 * Meeting-control schemas (reference §5.1): the query, headers and bodies of the live-control calls under
 * `/v1/mmc/control/conferences`, and the `realTimeInfo` response (§4.5).
 *
 * Bodies are validated without coercion (the server's api/validation.ts): an Integer field takes only a JSON integer, a String
 * field only a string; unknown fields are ignored and a null in an optional field counts as absent. Integer enums are declared as `enum` (a refusal then reads "one of the allowed values") and
 * typed as their literal union.
 */
import { Type, type Static } from '@sinclair/typebox';
import { ConferenceIdQuery } from './common.js';

/** An integer that is one of `values`, typed as their union. */
const intEnum = <T extends number>(values: readonly T[], description: string) =>
  Type.Unsafe<T>(Type.Integer({ enum: [...values], description }));

const flag = (description: string) => intEnum([0, 1] as const, description);

/** Huawei documents some switches as Boolean in one place and 0/1 in another: accept both. */
const switchValue = (description: string) =>
  Type.Unsafe<boolean | 0 | 1>(Type.Union([Type.Boolean(), Type.Integer({ enum: [0, 1] })], { description }));

export const ParticipantId = (description = 'Participant (site) ID: `pid` of the participant push') =>
  Type.String({ minLength: 1, maxLength: 64, description });

const ParticipantIds = (description: string) =>
  Type.Array(ParticipantId(), { minItems: 1, maxItems: 500, description });

export const ControlHeaders = Type.Object({
  'x-conference-authorization': Type.String({
    minLength: 1,
    maxLength: 512,
    description: 'Meeting-control token, raw or `Basic ` + base64(token)',
  }),
});

export { ConferenceIdQuery };

export const ParticipantQuery = Type.Object({
  ...ConferenceIdQuery.properties,
  participantID: ParticipantId('The participant acted on'),
});

export const HangUpBody = Type.Object({
  bulkHangUpParticipants: ParticipantIds('Online participants to disconnect'),
});

export const MuteBody = Type.Object({ isMute: flag('0 unmute, 1 mute') });

export const MuteAllBody = Type.Object({
  isMute: flag('0 unmute everyone, 1 mute everyone except the host'),
  allowUnmuteByOneself: Type.Optional(flag('May participants unmute themselves (default 1)')),
});
export type MuteAllRequest = Static<typeof MuteAllBody>;

export const GuestUnmuteBody = Type.Object({
  allowUnmuteByOneself: flag('May participants unmute themselves'),
});

export const RoleBody = Type.Object({
  applyChair: flag('1 become / make host, 0 release host'),
  chairmanPwd: Type.Optional(
    Type.String({
      maxLength: 64,
      description: 'Host password; needed when a participant (guest) token applies for the host role',
    }),
  ),
});

export const CohostBody = Type.Object({ isCohost: flag('1 make co-host, 0 revoke') });

export const RenameBody = Type.Object({
  participantID: Type.Optional(ParticipantId('Participant ID; required when the site is in the meeting')),
  number: Type.String({ minLength: 1, maxLength: 127, description: 'Site number (SIP or phone number)' }),
  newName: Type.String({ minLength: 1, maxLength: 96, description: 'New display name' }),
});

export const HandsBody = Type.Object({ handsState: flag('1 raise, 0 lower') });

export const BatchHandsBody = Type.Object({
  handsState: flag('1 raise, 0 lower'),
  pids: ParticipantIds('Participants whose hand is raised or lowered'),
});

export const LockBody = Type.Object({ isLock: flag('1 lock the meeting, 0 unlock') });
export type LockRequest = Static<typeof LockBody>;

export const StartedConfConfigBody = Type.Object({
  lockSharing: Type.Optional(flag('1 only the host may share')),
  callInRestriction: Type.Optional(
    intEnum([0, 2, 3] as const, 'Who may join: 0 everyone, 2 enterprise users, 3 invited users'),
  ),
  allowUnmuteByOneself: Type.Optional(flag('May participants unmute themselves')),
  chatPermission: Type.Optional(
    intEnum([1, 2, 3, 4] as const, 'Chat: 1 all banned, 2 private only, 3 public only, 4 free'),
  ),
  audienceCallInRestriction: Type.Optional(
    intEnum([0, 2] as const, 'Webinar audience: 0 everyone, 2 enterprise'),
  ),
  clientRecMode: Type.Optional(intEnum([0, 1, 2] as const, 'Client local recording mode')),
  allowOpenCamera: Type.Optional(flag('May participants open their camera')),
  allowRename: Type.Optional(flag('May participants rename themselves')),
  isLock: Type.Optional(flag('1 lock the meeting, 0 unlock')),
  freeShare: Type.Optional(flag('Sharing: 0 host and co-hosts only, 1 anyone')),
});

export const DurationBody = Type.Object({
  auto: flag('0 manual extension, 1 automatic'),
  duration: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 1440, default: 15, description: 'Minutes to add (default 15)' }),
  ),
});

export const RecordBody = Type.Object({ isRecord: flag('1 start cloud recording, 0 stop') });

export const MmrRecordBody = Type.Object({
  recordType: intEnum([0, 1, 2] as const, '0 pause, 1 start (or resume), 2 stop'),
});

export const LiveBody = Type.Object({ isLive: flag('1 start live streaming, 0 stop') });

export const MmrLiveBody = Type.Object({ liveState: flag('1 start live streaming, 0 stop') });

export const PauseBody = Type.Object({ pause: flag('1 pause the meeting, 0 resume') });

export const VideoBody = Type.Object({ status: flag('0 ask to open the camera, 1 ask to close it') });

export const ShareInviteBody = Type.Object({ share: flag('1 invite to share, 0 withdraw the invitation') });

export const DisplayModeBody = Type.Object({
  switchMode: Type.Union([Type.Literal('Fixed'), Type.Literal('VAS')], {
    description: 'Fixed broadcast or voice-activated switching',
  }),
  imageType: flag('0 single picture, 1 multi-picture'),
});

const PanesOf = (description: string) =>
  Type.Array(
    Type.Object({
      index: Type.Integer({ minimum: 1, maximum: 16, description: 'Pane number, from 1' }),
      id: Type.Array(Type.String(), { description: 'SIP numbers of the participants in the pane' }),
      share: Type.Integer({ description: '0 main stream, 1 auxiliary (shared content) stream' }),
    }),
    { description },
  );

/** Huawei SDK model `RestMixedPictureBody` (`SetMultiPicture`). */
export const MultiPictureBody = Type.Object({
  manualSet: flag(
    '0 the system lays the picture out, 1 set by hand (imageType and subscriberInPics required)',
  ),
  imageType: Type.Optional(
    Type.Union(
      [
        Type.Literal('Single'),
        Type.Literal('Two'),
        Type.Literal('Three'),
        Type.Literal('Four'),
        Type.Literal('Six'),
        Type.Literal('Nine'),
        Type.Literal('Sixteen'),
      ],
      { description: 'Number of panes (manualSet 1)' },
    ),
  ),
  subscriberInPics: Type.Optional(
    Type.Array(
      Type.Object({
        index: Type.Integer({ minimum: 1, maximum: 16, description: 'Pane number, from 1' }),
        subscriber: Type.Array(Type.String({ minLength: 1, maxLength: 127 }), {
          minItems: 1,
          maxItems: 100,
          description: 'Participants shown in the pane: `pid` from realTimeInfo, or the participant number',
        }),
        isAssistStream: Type.Optional(flag('0 main stream (default), 1 auxiliary (shared content) stream')),
      }),
      { minItems: 1, maxItems: 16, description: 'The panes (manualSet 1)' },
    ),
  ),
  switchTime: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 3600,
      description: 'Seconds between the participants of a pane that holds several',
    }),
  ),
});

export const ChairViewBody = Type.Object({
  viewType: intEnum([0, 1, 2] as const, '0 poll, 1 multi-picture, 2 selected site'),
  participantID: Type.Optional(ParticipantId('The selected site (viewType 2)')),
  switchTime: Type.Optional(
    Type.Integer({ minimum: 10, maximum: 120, description: 'Polling interval, seconds' }),
  ),
  status: Type.Optional(flag('1 start (default), 0 stop')),
});

export const PartViewBody = Type.Object({
  viewType: intEnum([0, 1, 2] as const, '0 nothing, 1 the multi-picture, 2 a selected site'),
  participantID: ParticipantId('The site watched'),
});

export const LockViewBody = Type.Object({
  status: flag('1 lock the video source, 0 unlock'),
  participantID: ParticipantId('The site whose video is the locked source'),
});

export const MoveToWaitingRoomBody = Type.Object({ participantID: ParticipantId() });

export const BatchMoveToWaitingRoomBody = Type.Object({
  batchParticipants: ParticipantIds('Online participants moved to the waiting room'),
});

export const AllowWaitingBody = Type.Object({
  participantID: Type.Optional(ParticipantId('Waiting-room member to admit (`pid` of WaitingListNotify)')),
  allowAll: Type.Optional(switchValue('Admit every waiting-room member')),
});
export type AllowWaitingRequest = Static<typeof AllowWaitingBody>;

export const AllowClientRecordBody = Type.Object({
  allowClientRecord: flag('1 allow local recording on the client, 0 forbid'),
});

export const AllowAudienceBody = Type.Object({ allowAudience: flag('1 admit the webinar audience, 0 not') });

export const SimultaneousInterpretationBody = Type.Object({
  isOpen: Type.Optional(switchValue('Open (default) or close simultaneous interpretation')),
});

const InterpreterType = Type.Union([Type.Literal('MANUAL'), Type.Literal('AI')]);

export const InterpreterGroupBody = Type.Object({
  interpreterGroups: Type.Array(
    Type.Object({
      groupID: Type.String({ minLength: 1, maxLength: 64 }),
      groupName: Type.Optional(Type.String({ maxLength: 128 })),
      firstLanguage: Type.String({ minLength: 1, maxLength: 16, description: 'e.g. `en`' }),
      secondLanguage: Type.String({ minLength: 1, maxLength: 16, description: 'e.g. `zh`' }),
      groupType: Type.Optional(InterpreterType),
      interpreters: Type.Array(
        Type.Object({
          loginAccount: Type.Optional(
            Type.String({ maxLength: 255, description: 'Account, phone or e-mail' }),
          ),
          userID: Type.Optional(Type.String({ maxLength: 64 })),
          callNumber: Type.Optional(Type.String({ maxLength: 127 })),
          name: Type.Optional(Type.String({ maxLength: 96 })),
          interpreterType: Type.Optional(InterpreterType),
          interpreterId: Type.Optional(Type.String({ maxLength: 64 })),
        }),
        { maxItems: 100 },
      ),
    }),
    { maxItems: 100, description: 'The whole list of interpreter groups (replaces the current one)' },
  ),
});

export const RealTimeInfoSchema = Type.Object({
  attendees: Type.Array(
    Type.Object({
      accountID: Type.Optional(Type.String()),
      userUUID: Type.Optional(Type.String()),
      name: Type.String(),
      phone: Type.Optional(Type.String()),
    }),
    { description: 'Every invitee, joined or not' },
  ),
  participants: Type.Array(
    Type.Object({
      pid: Type.String(),
      name: Type.String(),
      phone: Type.String(),
      state: Type.Integer({ description: '0 in the meeting, 1 being called, 2 joining' }),
      video: Type.Integer({ description: '0 audio, 1 video' }),
      mute: Type.Integer({ description: '0 microphone on, 1 muted' }),
      hand: Type.Integer({ description: '0 hand down, 1 raised' }),
    }),
    { description: 'Online sites' },
  ),
  confInfo: Type.Object({
    chairID: Type.Optional(Type.String({ description: "The host's participant ID" })),
    coHosts: Type.Array(Type.String()),
    picDisplay: Type.Optional(
      Type.Object(
        {
          manualSet: Type.Integer({ description: '1: set by hand' }),
          imageType: Type.String({ description: 'Single, Two, Three, Four, Six, Nine or Sixteen' }),
          subscriberInPics: PanesOf('The panes'),
          switchTime: Type.Integer({ description: 'Polling interval, seconds' }),
        },
        {
          description:
            'The multi-picture layout set with PUT /display/multiPicture (MultiPicDisplayDO); absent while automatic',
        },
      ),
    ),
  }),
});

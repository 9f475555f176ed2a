/**
 * confpush's own media-plane API (`/confpush/v1/media/conferences/:conferenceID/...`, not part of Huawei's): the
 * path parameters, headers, request bodies and answers the server validates with and the SDK's `MediaPlane` types
 * come from. Bodies take no unknown fields.
 */
import { Type, type Static, type TBoolean, type TObject } from '@sinclair/typebox';

/** Leave reasons (`InviteResultNotify.resultCode` of a site that left), reference §8.7. */
export const LEAVE_REASONS = {
  MCU_NO_MEDIA: 11111001,
  SITE_NO_MEDIA: 11111002,
  SIP_TIMEOUT: 11111003,
  WEBSOCKET_TIMEOUT: 11111004,
  HUNG_UP_BY_HOST: 11076002,
  LEFT_BY_ITSELF: 11076010,
  HUNG_UP_BY_PORTAL: 11076016,
} as const;

export type LeaveReason = (typeof LEAVE_REASONS)[keyof typeof LEAVE_REASONS];

/** Terminal login types of `CLICENT_LOGIN_TYPE`. */
export const LOGIN_TYPES = ['Desktop', 'Mobile', 'Pad', 'OtherType'] as const;

export type LoginType = (typeof LOGIN_TYPES)[number];

/** Most samples or reports in one call. */
const MAX_BATCH = 500;

const SitePid = Type.String({ minLength: 1, maxLength: 64, description: 'Participant (site) ID, `pid`' });
const MeetingId = Type.String({ minLength: 1, maxLength: 32, description: 'Meeting ID' });

export const MediaMeetingParams = Type.Object({ conferenceID: MeetingId });

export const MediaParticipantParams = Type.Object({ conferenceID: MeetingId, pid: SitePid });

export const MediaAccessTokenHeader = Type.Object({
  'x-access-token': Type.Optional(
    Type.String({
      maxLength: 512,
      description: 'Access token of an administrator of the enterprise or of the meeting owner',
    }),
  ),
});

/** `POST …/participants`: a site joins by itself. */
export const JoiningSiteSchema = Type.Object(
  {
    pid: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        pattern: '^[A-Za-z0-9_-]+$',
        description:
          'Site ID; generated when absent (an invited attendee joining by itself gets its attendee participantID)',
      }),
    ),
    name: Type.String({ minLength: 1, maxLength: 96, description: 'Display name (NAME)' }),
    tel: Type.Optional(Type.String({ maxLength: 127, description: 'Site number, SIP or phone (TEL)' })),
    role: Type.Optional(
      Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)], {
        description: '0 ordinary participant (default), 1 host (needs hostPassword), 2 audience',
      }),
    ),
    hostPassword: Type.Optional(
      Type.String({ maxLength: 64, description: 'The meeting host password; required with role 1' }),
    ),
    loginType: Type.Optional(
      Type.Union(
        LOGIN_TYPES.map((t) => Type.Literal(t)),
        { description: 'CLICENT_LOGIN_TYPE; default Desktop' },
      ),
    ),
    accountId: Type.Optional(Type.String({ maxLength: 255, description: 'User UUID (ACCOUNT_ID)' })),
    account: Type.Optional(Type.String({ maxLength: 255, description: 'Account (ACCOUNT)' })),
    thirdAccount: Type.Optional(
      Type.String({ maxLength: 255, description: 'Third-party account (THIRDACCOUNT)' }),
    ),
    anonymous: Type.Optional(Type.Boolean({ description: 'Anonymous site (ANONYMOUS)' })),
    video: Type.Optional(Type.Boolean({ description: 'Video site (VIDEO); default true' })),
    camera: Type.Optional(
      Type.Boolean({ description: 'Camera on (CAMERASTATE); default true for video sites' }),
    ),
    viaWaitingRoom: Type.Optional(
      Type.Boolean({ description: "Enter the waiting room even when the meeting's waiting room is off" }),
    ),
  },
  { additionalProperties: false },
);

export type JoiningSite = Static<typeof JoiningSiteSchema>;

export const JoinAnswerSchema = Type.Object({
  pid: Type.String({ description: 'The site ID' }),
  waiting: Type.Boolean({
    description: 'The site is in the waiting room (WaitingListNotify), not the meeting',
  }),
});

export type JoinAnswer = Static<typeof JoinAnswerSchema>;

/** `POST …/participants/:pid/leave`; no body or `null` is the default reason. */
export const MediaLeaveBody = Type.Union([
  Type.Object(
    {
      reason: Type.Optional(
        Type.Union(
          Object.values(LEAVE_REASONS).map((code) => Type.Literal(code)),
          {
            description:
              'Leave reason (InviteResultNotify resultCode): 11111001 MCU received no media, 11111002 site sent no ' +
              'media, 11111003 SIP signalling timeout, 11111004 WebSocket timeout, 11076002 hung up by the host, ' +
              '11076010 left by itself (default), 11076016 hung up by the Portal',
          },
        ),
      ),
    },
    { additionalProperties: false },
  ),
  Type.Null(),
]);

/** `POST …/participants/:pid/answer`. */
export const MediaAnswerBody = Type.Object(
  {
    resultCode: Type.Integer({
      minimum: 0,
      maximum: 2_147_483_647,
      description: '0: the callee answered; any other code: the call failed (the site is removed)',
    }),
  },
  { additionalProperties: false },
);

export const VolumeSampleSchema = Type.Object(
  {
    pid: SitePid,
    volume: Type.Number({ minimum: 0, maximum: 100, description: 'Speaking volume, 0 silent – 100' }),
  },
  { additionalProperties: false },
);

export type VolumeSample = Static<typeof VolumeSampleSchema>;

/** `POST …/volumes`. */
export const MediaVolumesBody = Type.Object(
  { samples: Type.Array(VolumeSampleSchema, { minItems: 1, maxItems: MAX_BATCH }) },
  { additionalProperties: false },
);

export const VolumesAnswerSchema = Type.Object({
  accepted: Type.Integer({
    description: 'Samples accepted; they reach subscribers with the next speaker update',
  }),
});

const count = (description: string, maximum = 1_000_000_000) =>
  Type.Optional(Type.Integer({ minimum: 0, maximum, description }));
const lossRate = (description: string) => count(`${description}, unit 0.01 % (10000 = 100 %)`, 10_000);

/** One network-quality report (`NetConditionNotifyDTO` fields; the server sends the numbers as Huawei's strings). */
export const NetQualityReportSchema = Type.Object(
  {
    pid: SitePid,
    netInfo: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 32,
        description: 'Network rating (e.g. good); derived from loss and delay when absent',
      }),
    ),
    delay: count('Round-trip time, ms', 600_000),
    jitter: count('Jitter terminal → server, ms', 600_000),
    outJitter: count('Jitter server → terminal, ms', 600_000),
    lostPacketRate: lossRate('Audio loss terminal → server'),
    audioOutLossPacketRate: lossRate('Audio loss server → terminal'),
    videoInLossPacketRate: lossRate('Video loss in'),
    videoOutLossPacketRate: lossRate('Video loss out'),
    fluxIn: count('Audio traffic server → terminal, unit 100 bit/s'),
    fluxOut: count('Audio traffic terminal → server, unit 100 bit/s'),
    videoFluxIn: count('Video traffic in'),
    videoFluxOut: count('Video traffic out'),
    bandwidth: count('Bandwidth; default 61440'),
    audioCodecType: Type.Optional(Type.String({ minLength: 1, maxLength: 32, description: 'Default AACLD' })),
    videoCodecType: Type.Optional(
      Type.String({ minLength: 1, maxLength: 32, description: 'Default H264HP' }),
    ),
  },
  { additionalProperties: false },
);

export type NetQualityReport = Static<typeof NetQualityReportSchema>;

/** `POST …/net-quality`. */
export const MediaNetQualityBody = Type.Object(
  { reports: Type.Array(NetQualityReportSchema, { minItems: 1, maxItems: MAX_BATCH }) },
  { additionalProperties: false },
);

/** `POST …/captions`: one caption of a site. */
export const CaptionReportSchema = Type.Object(
  {
    pid: SitePid,
    text: Type.String({ minLength: 1, maxLength: 2000, description: 'Caption text (translateText)' }),
    lang: Type.Optional(
      Type.Union([Type.Literal('Original'), Type.Literal('Mandarin'), Type.Literal('English')], {
        description: 'subtitleLang; default Mandarin',
      }),
    ),
    isFinal: Type.Optional(Type.Boolean({ description: 'The sentence is finished; default true' })),
    beginTime: count('Caption start, ms since captions started'),
    endTime: count('Caption end, ms since captions started (not before beginTime)'),
    id: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'Caption message ID; generated when absent' }),
    ),
  },
  { additionalProperties: false },
);

export type CaptionReport = Static<typeof CaptionReportSchema>;

/** A body of one required boolean, `{ [key]: boolean }`. */
const flagBody = <K extends string>(key: K, description: string) =>
  Type.Object({ [key]: Type.Boolean({ description }) } as { [P in K]: TBoolean }, {
    additionalProperties: false,
  }) as TObject<{ [P in K]: TBoolean }>;

/** `PUT …/participants/:pid/share`, `…/camera`, `…/hand`, `…/mute`. */
export const MediaShareBody = flagBody('sharing', 'Sharing data or screen (SHARE)');
export const MediaCameraBody = flagBody('on', 'Camera on (CAMERASTATE)');
export const MediaHandBody = flagBody('raised', 'Hand raised (HAND)');
export const MediaMuteBody = flagBody(
  'mute',
  'Muted by itself (MUTE); unmuting may be refused while everyone is muted',
);

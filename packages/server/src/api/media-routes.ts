/**
 * confpush's own media-plane API, `/confpush/v1/media/conferences/:conferenceID/...`: how a media plane (simulated
 * here, a real SFU/MCU elsewhere) reports what happens to the media of a meeting — sites joining (directly or into
 * the waiting room) and leaving (with Huawei's leave reasons), calls answered or failed, volume samples, network
 * quality, caption text, sharing, camera, hands and self-muting. Not part of Huawei's API.
 *
 * The media plane is trusted infrastructure holding the app credential: every call carries the `X-Access-Token`
 * of an administrator of the meeting's enterprise or of the meeting's owner, and the meeting must be in progress.
 * These checks run before the body is validated, so an unauthorised caller learns nothing about the API.
 */
import { type Item, errorResponses } from '@confpush/protocol';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { secretEquals } from '../auth/secrets.js';
import { LEAVE_REASONS, type JoinInput, type MediaCommand } from '../domain/commands.js';
import { canManage } from '../domain/conference-info.js';
import type { MeetingState } from '../domain/meeting.js';
import { DomainError } from '../domain/errors.js';
import { pid as newPid } from '../ids.js';
import type { Api, ApiDeps } from './context.js';

const PREFIX = '/confpush/v1/media/conferences/:conferenceID';
const TAGS = ['confpush: media plane'];
const SECURITY = [{ accessToken: [] }];

const PID = Type.String({ minLength: 1, maxLength: 64, description: 'Participant (site) ID, `pid`' });
const MAX_BATCH = 500;

const MeetingParams = Type.Object({
  conferenceID: Type.String({ minLength: 1, maxLength: 32, description: 'Meeting ID' }),
});
const ParticipantParams = Type.Object({
  conferenceID: Type.String({ minLength: 1, maxLength: 32, description: 'Meeting ID' }),
  pid: PID,
});
const AccessTokenHeader = Type.Object({
  'x-access-token': Type.Optional(
    Type.String({
      maxLength: 512,
      description: 'Access token of an administrator of the enterprise or of the meeting owner',
    }),
  ),
});

const LOGIN_TYPES = ['Desktop', 'Mobile', 'Pad', 'OtherType'] as const;

const JoinBody = Type.Object(
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

const LEAVE_REASON_CODES = Object.values(LEAVE_REASONS);

const LeaveBody = Type.Union([
  Type.Object(
    {
      reason: Type.Optional(
        Type.Union(
          LEAVE_REASON_CODES.map((code) => Type.Literal(code)),
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

const AnswerBody = Type.Object(
  {
    resultCode: Type.Integer({
      minimum: 0,
      maximum: 2_147_483_647,
      description: '0: the callee answered; any other code: the call failed (the site is removed)',
    }),
  },
  { additionalProperties: false },
);

const VolumesBody = Type.Object(
  {
    samples: Type.Array(
      Type.Object(
        {
          pid: PID,
          volume: Type.Number({ minimum: 0, maximum: 100, description: 'Speaking volume, 0 silent – 100' }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: MAX_BATCH },
    ),
  },
  { additionalProperties: false },
);

const count = (description: string, maximum = 1_000_000_000) =>
  Type.Optional(Type.Integer({ minimum: 0, maximum, description }));
const lossRate = (description: string) => count(`${description}, unit 0.01 % (10000 = 100 %)`, 10_000);

const NetReportSchema = Type.Object(
  {
    pid: PID,
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

const NetQualityBody = Type.Object(
  { reports: Type.Array(NetReportSchema, { minItems: 1, maxItems: MAX_BATCH }) },
  { additionalProperties: false },
);

const CaptionBody = Type.Object(
  {
    pid: PID,
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

const flagBody = (key: string, description: string) =>
  Type.Object({ [key]: Type.Boolean({ description }) }, { additionalProperties: false });
const ShareBody = flagBody('sharing', 'Sharing data or screen (SHARE)');
const CameraBody = flagBody('on', 'Camera on (CAMERASTATE)');
const HandBody = flagBody('raised', 'Hand raised (HAND)');
const MuteBody = flagBody('mute', 'Muted by itself (MUTE); unmuting may be refused while everyone is muted');

const JoinAnswer = Type.Object({
  pid: Type.String({ description: 'The site ID' }),
  waiting: Type.Boolean({
    description: 'The site is in the waiting room (WaitingListNotify), not the meeting',
  }),
});
const VolumesAnswer = Type.Object({
  accepted: Type.Integer({
    description: 'Samples accepted; they reach subscribers with the next speaker update',
  }),
});
const NoContent = Type.Unsafe<void>(Type.Null({ description: 'Done; no body' }));

type MeetingParamsT = Static<typeof MeetingParams>;

/** The pid a join will get: the given one, an invited attendee's participantID (as the domain matches it), or new. */
function joiningPid(state: MeetingState, site: Static<typeof JoinBody>): string {
  if (site.pid !== undefined) return site.pid;
  const account = site.accountId ?? site.account;
  for (const item of state.streams.AttendeesNotify.items.values()) {
    const byTel = site.tel !== undefined && site.tel !== '' && item['phone'] === site.tel;
    const byAccount = account !== undefined && account !== '' && item['accountId'] === account;
    if ((byTel || byAccount) && typeof item['participantID'] === 'string') return item['participantID'];
  }
  return newPid();
}

export function mediaRoutes(deps: ApiDeps) {
  return async function register(app: Api): Promise<void> {
    const { engine, media } = deps;

    /** The caller, the meeting and its state, checked before anything else of the request. */
    app.addHook('preValidation', async (request: FastifyRequest) => {
      const header = request.headers['x-access-token'];
      const { user } = await deps.accessTokens.authenticate(typeof header === 'string' ? header : undefined);
      const { conferenceID } = request.params as Partial<MeetingParamsT>;
      const runtime = conferenceID ? await engine.load(conferenceID) : undefined;
      const record = runtime?.committed.record;
      if (!record || record.cancelled) throw new DomainError('CONF_NOT_EXIST');
      // Meetings of other enterprises do not exist for the caller (as in the management API).
      if (record.corpId !== user.corpId && record.ownerId !== user.userId)
        throw new DomainError('CONF_NOT_EXIST');
      if (!canManage(record, user)) {
        throw new DomainError(
          'CONF_NO_PERMISSION',
          'the media-plane API needs an administrator of the enterprise or the meeting owner',
        );
      }
      if (record.state !== 'Created') throw new DomainError('CONF_NOT_STARTED');
    });

    const common = { tags: TAGS, security: SECURITY, headers: AccessTokenHeader };

    async function working(conferenceID: string): Promise<MeetingState> {
      const runtime = await engine.load(conferenceID);
      if (!runtime) throw new DomainError('CONF_NOT_EXIST');
      return runtime.working;
    }

    app.post(
      `${PREFIX}/participants`,
      {
        schema: {
          summary:
            'A site joins by itself: into the meeting (ParticipantsNotify) or the waiting room (WaitingListNotify)',
          ...common,
          params: MeetingParams,
          body: JoinBody,
          response: { 200: JoinAnswer, ...errorResponses },
        },
      },
      async (request) => {
        const { conferenceID } = request.params;
        const { hostPassword, ...site } = request.body;
        if (site.role === 1) {
          const record = (await working(conferenceID)).record;
          if (hostPassword === undefined || !secretEquals(hostPassword, record.chairPwd)) {
            throw new DomainError('CONF_AUTH_FAILED', 'a host (role 1) joins with the host password');
          }
        }
        const pid = joiningPid(await working(conferenceID), site);
        const joined: JoinInput = { ...site, pid };
        const state = await engine.execute(conferenceID, { type: 'join', site: joined });
        return { pid, waiting: state.streams.WaitingListNotify.items.has(pid) };
      },
    );

    app.post(
      `${PREFIX}/participants/:pid/leave`,
      {
        schema: {
          summary:
            'A site leaves (ParticipantsNotify mode 1, InviteResultNotify with the reason) or leaves the waiting room',
          ...common,
          params: ParticipantParams,
          body: LeaveBody,
          response: { 204: NoContent, ...errorResponses },
        },
      },
      async (request, reply) => {
        const { conferenceID, pid } = request.params;
        const reason = request.body?.reason ?? LEAVE_REASONS.LEFT_BY_ITSELF;
        await engine.execute(conferenceID, { type: 'leave', pid, reason });
        return reply.status(204).send();
      },
    );

    app.post(
      `${PREFIX}/participants/:pid/answer`,
      {
        schema: {
          summary:
            'A called site answers (resultCode 0: STATE "0") or the call fails (the site is removed); InviteResultNotify',
          ...common,
          params: ParticipantParams,
          body: AnswerBody,
          response: { 204: NoContent, ...errorResponses },
        },
      },
      async (request, reply) => {
        const { conferenceID, pid } = request.params;
        await engine.execute(conferenceID, { type: 'callResult', pid, resultCode: request.body.resultCode });
        return reply.status(204).send();
      },
    );

    app.post(
      `${PREFIX}/volumes`,
      {
        schema: {
          summary:
            'Volume samples, at any rate: coalesced into at most one SpeakerChangeNotify per speakerIntervalMs',
          ...common,
          params: MeetingParams,
          body: VolumesBody,
          response: { 202: VolumesAnswer, ...errorResponses },
        },
      },
      async (request, reply) => {
        const { conferenceID } = request.params;
        const { samples } = request.body;
        const participants = (await working(conferenceID)).streams.ParticipantsNotify.items;
        for (const s of samples) {
          if (!participants.has(s.pid))
            throw new DomainError('PARTICIPANT_NOT_FOUND', `participantID ${s.pid}`);
        }
        media.volumes(conferenceID, samples);
        return reply.status(202).send({ accepted: samples.length });
      },
    );

    app.post(
      `${PREFIX}/net-quality`,
      {
        schema: {
          summary: 'Network-quality reports of online sites (NetConditionNotify)',
          ...common,
          params: MeetingParams,
          body: NetQualityBody,
          response: { 204: NoContent, ...errorResponses },
        },
      },
      async (request, reply) => {
        const { conferenceID } = request.params;
        await engine.execute(conferenceID, { type: 'netQuality', reports: request.body.reports });
        return reply.status(204).send();
      },
    );

    app.post(
      `${PREFIX}/captions`,
      {
        schema: {
          summary:
            'Caption text of a site (RealTimeSubtitleNotify); live captions must be on (ConfControl REALTIMESUBTITLE)',
          ...common,
          params: MeetingParams,
          body: CaptionBody,
          response: { 204: NoContent, ...errorResponses },
        },
      },
      async (request, reply) => {
        const { conferenceID } = request.params;
        const caption = request.body;
        if (
          caption.beginTime !== undefined &&
          caption.endTime !== undefined &&
          caption.endTime < caption.beginTime
        ) {
          throw new DomainError('MMC_INVALID_PARAMETER', 'body.endTime is before body.beginTime');
        }
        await engine.execute(conferenceID, { type: 'caption', caption });
        return reply.status(204).send();
      },
    );

    const flagRoute = <K extends string>(
      path: string,
      summary: string,
      body: ReturnType<typeof flagBody>,
      key: K,
      command: (pid: string, value: boolean) => MediaCommand,
    ) => {
      app.put(
        `${PREFIX}/participants/:pid/${path}`,
        {
          schema: {
            summary,
            ...common,
            params: ParticipantParams,
            body,
            response: { 204: NoContent, ...errorResponses },
          },
        },
        async (request, reply) => {
          const { conferenceID, pid } = request.params;
          const value = (request.body as Item)[key];
          if (typeof value !== 'boolean')
            throw new DomainError('MMC_INVALID_PARAMETER', `body.${key} is required`);
          await engine.execute(conferenceID, command(pid, value));
          return reply.status(204).send();
        },
      );
    };

    flagRoute(
      'share',
      'A site starts or stops sharing (pinfoMap SHARE)',
      ShareBody,
      'sharing',
      (pid, sharing) => ({
        type: 'share',
        pid,
        sharing,
      }),
    );
    flagRoute(
      'camera',
      'A site turns its camera on or off (pinfoMap CAMERASTATE)',
      CameraBody,
      'on',
      (pid, on) => ({
        type: 'camera',
        pid,
        on,
      }),
    );
    flagRoute(
      'hand',
      'A site raises or lowers its hand (pinfoMap HAND)',
      HandBody,
      'raised',
      (pid, raised) => ({
        type: 'selfHand',
        pid,
        raised,
      }),
    );
    flagRoute(
      'mute',
      'A site mutes or unmutes itself (pinfoMap MUTE); SELF_UNMUTE_FORBIDDEN while the host forbids it',
      MuteBody,
      'mute',
      (pid, mute) => ({ type: 'selfMute', pid, mute }),
    );
  };
}

/**
 * Huawei-compatible live meeting control under `/v1/mmc/control/conferences` (reference §5.1): participants
 * (hang up, mute, host role, co-host, rename, hands, camera, sharing, broadcast, roll call, views), the meeting
 * (mute all, lock, settings, duration, recording, live, pause, display), the waiting room, interpretation, and
 * `realTimeInfo` (§4.5).
 *
 * Each call checks the control token (raw or `Basic base64`) of a meeting in progress and, unless a participant
 * may make it, refuses a token obtained with the guest password. The call becomes one domain command; the engine
 * answers once it is durable and pushed, so a subscriber has seen the change before the caller gets its 200.
 * A refused call (token, role, body, unknown participant, domain rule) changes nothing.
 */
import { Type, type Static, type TObject } from '@sinclair/typebox';
import { secretEquals } from '../auth/secrets.js';
import type { Command, InterpreterGroupInput } from '../domain/commands.js';
import { realTimeInfo } from '../domain/realtime-info.js';
import { DomainError } from '../domain/errors.js';
import type { ConfToken } from '../store/types.js';
import { requireControlToken, type ControlRequest } from './control-auth.js';
import type { Api, ApiDeps } from './context.js';
import {
  errorResponses,
  AllowAudienceBody,
  AllowClientRecordBody,
  AllowWaitingBody,
  BatchHandsBody,
  BatchMoveToWaitingRoomBody,
  ChairViewBody,
  CohostBody,
  ConferenceIdQuery,
  ControlHeaders,
  DisplayModeBody,
  DurationBody,
  GuestUnmuteBody,
  HandsBody,
  HangUpBody,
  InterpreterGroupBody,
  LiveBody,
  LockBody,
  LockViewBody,
  MmrLiveBody,
  MmrRecordBody,
  MoveToWaitingRoomBody,
  MuteAllBody,
  MuteBody,
  ParticipantQuery,
  PartViewBody,
  PauseBody,
  RealTimeInfoSchema,
  RecordBody,
  RenameBody,
  RoleBody,
  ShareInviteBody,
  SimultaneousInterpretationBody,
  StartedConfConfigBody,
  VideoBody,
} from '@confpush/protocol';

const PREFIX = '/v1/mmc/control/conferences';
const TAGS = ['huawei: meeting control'];
const DEFAULT_EXTENSION_MINUTES = 15;

/** Huawei's control calls answer 200 with no body. */
const EmptyBody = Type.Unknown({ description: 'Empty body' });

type Query = typeof ConferenceIdQuery | typeof ParticipantQuery;

function routeSchema<Q extends Query, B extends TObject | undefined>(
  summary: string,
  querystring: Q,
  body: B,
) {
  return {
    schema: {
      summary,
      tags: TAGS,
      querystring,
      headers: ControlHeaders,
      ...(body ? { body } : {}),
      response: { 200: EmptyBody, ...errorResponses },
    },
  };
}

type BodyOf<B extends TObject | undefined> = B extends TObject ? Static<B> : undefined;

/** Builds the command of a call from its validated query and body, once the token has been accepted. */
type CommandOf<Q extends Query, B extends TObject | undefined> = (
  query: Static<Q>,
  body: BodyOf<B>,
  held: ConfToken,
  /** The client address (for the authentication-attempt limits). */
  ip: string,
) => Command | Promise<Command>;

/** Only the documented fields of a group: unknown ones are ignored, never pushed to subscribers. */
function interpreterGroup(
  g: Static<typeof InterpreterGroupBody>['interpreterGroups'][number],
): InterpreterGroupInput {
  return {
    groupID: g.groupID,
    ...(g.groupName !== undefined ? { groupName: g.groupName } : {}),
    firstLanguage: g.firstLanguage,
    secondLanguage: g.secondLanguage,
    ...(g.groupType !== undefined ? { groupType: g.groupType } : {}),
    interpreters: g.interpreters.map((i) => ({
      ...(i.loginAccount !== undefined ? { loginAccount: i.loginAccount } : {}),
      ...(i.userID !== undefined ? { userID: i.userID } : {}),
      ...(i.callNumber !== undefined ? { callNumber: i.callNumber } : {}),
      ...(i.name !== undefined ? { name: i.name } : {}),
      ...(i.interpreterType !== undefined ? { interpreterType: i.interpreterType } : {}),
      ...(i.interpreterId !== undefined ? { interpreterId: i.interpreterId } : {}),
    })),
  };
}

const on = (value: boolean | 0 | 1 | undefined): boolean => value === true || value === 1;

/** Each participant once: a repeated ID would otherwise be looked up again after the first one changed. */
const unique = (pids: readonly string[]): string[] => [...new Set(pids)];

export function liveControlRoutes(deps: ApiDeps) {
  return async function register(app: Api): Promise<void> {
    /** The committed state of the token's meeting (what subscribers have been shown). */
    async function committedState(held: ConfToken) {
      const runtime = await deps.engine.load(held.confId);
      if (!runtime) throw new DomainError('CONF_NOT_EXIST');
      return runtime.committed;
    }

    /** A participant a call names in its body (not the one it acts on) must be online too. */
    async function requireOnline(held: ConfToken, pid: string): Promise<void> {
      const state = await committedState(held);
      if (!state.streams.ParticipantsNotify.items.has(pid))
        throw new DomainError('PARTICIPANT_NOT_FOUND', `participantID ${pid}`);
    }

    /**
     * A call that becomes one command. `host`: refuse a participant's (guest password) token. The command is built
     * after the token was accepted: the checks made there (beyond the schema) answer only an authorised caller.
     */
    function control<Q extends Query, B extends TObject | undefined>(
      method: 'PUT' | 'POST',
      path: string,
      summary: string,
      querystring: Q,
      body: B,
      host: boolean,
      command: CommandOf<Q, B>,
    ): void {
      app.route({
        method,
        url: `${PREFIX}${path}`,
        ...routeSchema(summary, querystring, body),
        handler: async (request, reply) => {
          const held = await requireControlToken(deps, request as ControlRequest, host);
          const built = await command(
            request.query as Static<Q>,
            request.body as BodyOf<B>,
            held,
            request.ip,
          );
          await deps.engine.execute(held.confId, built);
          return reply.status(200).send();
        },
      });
    }

    // --- participants ---

    control(
      'POST',
      '/participants/delete',
      'Hang up online participants (ParticipantsNotify mode 1, InviteResultNotify 11076002); they stay attendees',
      ConferenceIdQuery,
      HangUpBody,
      true,
      (_q, b) => ({ type: 'hangUp', pids: unique(b.bulkHangUpParticipants) }),
    );

    control(
      'PUT',
      '/participants/mute',
      'Mute or unmute a participant: the host any participant; a participant token as the participant itself',
      ParticipantQuery,
      MuteBody,
      false,
      (q, b, held) =>
        held.role === 1
          ? { type: 'mute', pid: q.participantID, mute: b.isMute === 1 }
          : { type: 'selfMute', pid: q.participantID, mute: b.isMute === 1 },
    );

    control(
      'PUT',
      '/participants/role',
      'Apply for, give or release the host role (a participant token needs chairmanPwd, the host password)',
      ParticipantQuery,
      RoleBody,
      false,
      async (q, b, held, ip) => {
        if (held.role !== 1) {
          const pwd = b.chairmanPwd ?? '';
          if (pwd === '') {
            if (b.applyChair === 1) throw new DomainError('CONF_AUTH_FAILED', 'chairmanPwd is required');
            throw new DomainError('CONF_NOT_CHAIR');
          }
          // A participant trying the host password: an authentication attempt.
          await deps.authAttempts.guard({ address: ip, target: `meeting:${held.confId}` }, async () => {
            const { record } = await committedState(held);
            if (!secretEquals(pwd, record.chairPwd)) throw new DomainError('CONF_AUTH_FAILED');
          });
        }
        return { type: 'setChair', pid: q.participantID, chair: b.applyChair === 1 };
      },
    );

    control(
      'PUT',
      '/participants/cohost',
      'Make a participant co-host, or revoke it',
      ParticipantQuery,
      CohostBody,
      true,
      (q, b) => ({ type: 'setCohost', pid: q.participantID, cohost: b.isCohost === 1 }),
    );

    control(
      'PUT',
      '/participants/name',
      'Rename a participant and/or attendee (by participantID when it is in the meeting, else by number)',
      ConferenceIdQuery,
      RenameBody,
      true,
      (_q, b) => ({
        type: 'rename',
        ...(b.participantID !== undefined ? { pid: b.participantID } : {}),
        number: b.number,
        name: b.newName,
      }),
    );

    control(
      'PUT',
      '/participants/hands',
      'Raise or lower the hand of a participant (host or participant token)',
      ParticipantQuery,
      HandsBody,
      false,
      (q, b) => ({ type: 'hands', pids: [q.participantID], raised: b.handsState === 1 }),
    );

    control(
      'PUT',
      '/participants/batch/hands',
      'Raise or lower the hands of several participants',
      ConferenceIdQuery,
      BatchHandsBody,
      true,
      (_q, b) => ({ type: 'hands', pids: unique(b.pids), raised: b.handsState === 1 }),
    );

    control(
      'PUT',
      '/participants/video',
      'Ask a participant to open (0) or close (1) its camera (CAMERASTATE)',
      ParticipantQuery,
      VideoBody,
      true,
      (q, b) => ({ type: 'cameraRequest', pid: q.participantID, open: b.status === 0 }),
    );

    control(
      'PUT',
      '/participants/share/invite',
      'Invite a participant to share, or withdraw the invitation (INVITE_SHARE_STATE)',
      ParticipantQuery,
      ShareInviteBody,
      true,
      (q, b) => ({ type: 'shareInvite', pid: q.participantID, invite: b.share === 1 }),
    );

    control(
      'PUT',
      '/participants/broadcast',
      'Broadcast a participant (BROADCAST, meeting mode BROADCAST)',
      ParticipantQuery,
      undefined,
      true,
      (q) => ({ type: 'broadcast', pid: q.participantID }),
    );

    control(
      'PUT',
      '/cancelBroadcast',
      'Stop broadcasting (meeting mode FREE)',
      ConferenceIdQuery,
      undefined,
      true,
      () => ({ type: 'cancelBroadcast' }),
    );

    control(
      'PUT',
      '/participants/rollCall',
      'Give a participant the floor (ROLLCALL, unmuted; meeting mode ROLLCALL)',
      ParticipantQuery,
      undefined,
      true,
      (q) => ({ type: 'rollCall', pid: q.participantID }),
    );

    control(
      'PUT',
      '/allowClientRecord',
      'Allow or forbid local recording on a participant’s client (ALLOW_CLIENT_REC)',
      ParticipantQuery,
      AllowClientRecordBody,
      true,
      (q, b) => ({ type: 'allowClientRecord', pid: q.participantID, allow: b.allowClientRecord === 1 }),
    );

    // --- the meeting ---

    control(
      'PUT',
      '/mute',
      'Mute or unmute everyone except the host',
      ConferenceIdQuery,
      MuteAllBody,
      true,
      (_q, b) => ({
        type: 'muteAll',
        mute: b.isMute === 1,
        ...(b.allowUnmuteByOneself !== undefined
          ? { allowUnmuteByOneself: b.allowUnmuteByOneself === 1 }
          : {}),
      }),
    );

    control(
      'PUT',
      '/mute/guestUnMute',
      'Whether participants may unmute themselves (canUnmute)',
      ConferenceIdQuery,
      GuestUnmuteBody,
      true,
      (_q, b) => ({ type: 'allowSelfUnmute', allow: b.allowUnmuteByOneself === 1 }),
    );

    control('PUT', '/lock', 'Lock or unlock the meeting', ConferenceIdQuery, LockBody, true, (_q, b) => ({
      type: 'lock',
      locked: b.isLock === 1,
    }));

    control(
      'PUT',
      '/updateStartedConfConfig',
      'Change settings of the meeting in progress',
      ConferenceIdQuery,
      StartedConfConfigBody,
      true,
      (_q, b) => ({ type: 'updateConfig', config: b }),
    );

    control(
      'PUT',
      '/duration',
      'Extend the meeting (endTime) by duration minutes (default 15)',
      ConferenceIdQuery,
      DurationBody,
      true,
      (_q, b) => ({ type: 'extend', minutes: b.duration ?? DEFAULT_EXTENSION_MINUTES }),
    );

    control(
      'PUT',
      '/record',
      'Start or stop cloud recording (recState)',
      ConferenceIdQuery,
      RecordBody,
      true,
      (_q, b) => ({ type: 'record', recording: b.isRecord === 1 }),
    );

    control(
      'PUT',
      '/mmrRecord',
      'Pause (0), start or resume (1), or stop (2) recording (recState)',
      ConferenceIdQuery,
      MmrRecordBody,
      true,
      (_q, b) =>
        b.recordType === 0
          ? { type: 'pauseRecord', paused: true }
          : { type: 'record', recording: b.recordType === 1 },
    );

    control(
      'PUT',
      '/live',
      'Start or stop live streaming (liveState)',
      ConferenceIdQuery,
      LiveBody,
      true,
      (_q, b) => ({ type: 'live', live: b.isLive === 1 }),
    );

    control(
      'PUT',
      '/mmrLive',
      'Start or stop live streaming (liveState)',
      ConferenceIdQuery,
      MmrLiveBody,
      true,
      (_q, b) => ({ type: 'live', live: b.liveState === 1 }),
    );

    control('PUT', '/pause', 'Pause or resume the meeting', ConferenceIdQuery, PauseBody, true, (_q, b) => ({
      type: 'pause',
      paused: b.pause === 1,
    }));

    control(
      'PUT',
      '/display/mode',
      'Display strategy: fixed broadcast or voice-activated, single or multi-picture (mode, vas, picNum)',
      ConferenceIdQuery,
      DisplayModeBody,
      true,
      (_q, b) => ({ type: 'displayMode', switchMode: b.switchMode, imageType: b.imageType }),
    );

    control(
      'PUT',
      '/chairView',
      'Start or stop the host view (chairView)',
      ConferenceIdQuery,
      ChairViewBody,
      true,
      (_q, b) => {
        if (b.viewType === 2 && b.participantID === undefined)
          throw new DomainError('MMC_INVALID_PARAMETER', 'body.participantID is required for viewType 2');
        return {
          type: 'chairView',
          viewType: b.viewType,
          ...(b.participantID !== undefined ? { pid: b.participantID } : {}),
          on: b.status !== 0,
        };
      },
    );

    control(
      'PUT',
      '/partView',
      'Set what a site watches (VIEW_TYPE)',
      ParticipantQuery,
      PartViewBody,
      true,
      async (q, b, held) => {
        if (b.viewType === 2) await requireOnline(held, b.participantID);
        return { type: 'partView', pid: q.participantID, viewType: b.viewType };
      },
    );

    control(
      'PUT',
      '/lockView',
      'Lock or unlock the video source of a site (LOCKED_VIEW)',
      ParticipantQuery,
      LockViewBody,
      true,
      async (q, b, held) => {
        await requireOnline(held, b.participantID);
        return { type: 'lockView', pid: q.participantID, locked: b.status === 1 };
      },
    );

    // --- waiting room ---

    control(
      'PUT',
      '/moveToWaitingRoom',
      'Move a participant to the waiting room (ParticipantsNotify mode 1, WaitingListNotify)',
      ConferenceIdQuery,
      MoveToWaitingRoomBody,
      true,
      (_q, b) => ({ type: 'moveToWaitingRoom', pids: [b.participantID] }),
    );

    control(
      'PUT',
      '/batchMoveToWaitingRoom',
      'Move several participants to the waiting room',
      ConferenceIdQuery,
      BatchMoveToWaitingRoomBody,
      true,
      (_q, b) => ({ type: 'moveToWaitingRoom', pids: unique(b.batchParticipants) }),
    );

    control(
      'PUT',
      '/allowWaitingParticipant',
      'Admit a waiting-room member (participantID) or all of them (allowAll) into the meeting',
      ConferenceIdQuery,
      AllowWaitingBody,
      true,
      (_q, b) => {
        if (on(b.allowAll)) return { type: 'admit', pids: 'all' };
        if (b.participantID === undefined)
          throw new DomainError('MMC_INVALID_PARAMETER', 'body needs participantID or allowAll');
        return { type: 'admit', pids: [b.participantID] };
      },
    );

    // --- audience and interpretation ---

    control(
      'PUT',
      '/allowAudience',
      'Admit the webinar audience or not (allowAudience)',
      ConferenceIdQuery,
      AllowAudienceBody,
      true,
      (_q, b) => ({ type: 'allowAudience', allow: b.allowAudience === 1 }),
    );

    control(
      'PUT',
      '/simultaneousInterpretation',
      'Open or close simultaneous interpretation (simultaneousInterpretation)',
      ConferenceIdQuery,
      SimultaneousInterpretationBody,
      true,
      (_q, b) => ({ type: 'simultaneousInterpretation', on: b.isOpen === undefined || on(b.isOpen) }),
    );

    control(
      'PUT',
      '/interpreterGroup',
      'Set the interpreter groups (InterpreterGroupNotify); the list replaces the current one',
      ConferenceIdQuery,
      InterpreterGroupBody,
      true,
      (_q, b) => ({ type: 'setInterpreterGroups', groups: b.interpreterGroups.map(interpreterGroup) }),
    );

    // --- real-time info ---

    app.get(
      `${PREFIX}/realTimeInfo`,
      {
        schema: {
          summary:
            'Real-time meeting info (ShowRealTimeInfoOfMeeting): attendees, online participants, host and co-hosts',
          tags: TAGS,
          querystring: ConferenceIdQuery,
          headers: ControlHeaders,
          response: { 200: RealTimeInfoSchema, ...errorResponses },
        },
      },
      async (request) => {
        const held = await requireControlToken(deps, request, false);
        return realTimeInfo(await committedState(held));
      },
    );
  };
}

/**
 * Huawei-compatible live meeting control under `/v1/mmc/control/conferences` (reference §5.1): participants
 * (hang up, mute, host role, co-host, rename, hands, camera, sharing, broadcast, roll call, views), the meeting
 * (mute all, lock, settings, duration, recording, live, pause, display), the waiting room, interpretation, and
 * `realTimeInfo` (§4.5).
 *
 * How a call is declared, checked and turned into one domain command: live-control.ts.
 */
import type { Static } from '@sinclair/typebox';
import type { InterpreterGroupInput } from '../domain/commands.js';
import { realTimeInfo } from '../domain/realtime-info.js';
import { DomainError } from '../domain/errors.js';
import { requireControlToken } from './control-auth.js';
import type { Api, ApiDeps } from './context.js';
import {
  errorResponses,
  AllowAudienceBody,
  AllowWaitingBody,
  BatchMoveToWaitingRoomBody,
  ConferenceIdQuery,
  ControlHeaders,
  InterpreterGroupBody,
  MoveToWaitingRoomBody,
  RealTimeInfoSchema,
  SimultaneousInterpretationBody,
} from '@confpush/protocol';
import { isOn, LIVE_CONTROL_PREFIX, LIVE_CONTROL_TAGS, liveControl, unique } from './live-control.js';
import { meetingControlRoutes } from './meeting-control-routes.js';
import { participantControlRoutes } from './participant-control-routes.js';

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

export function liveControlRoutes(deps: ApiDeps) {
  return async function register(app: Api): Promise<void> {
    const ctx = liveControl(app, deps);
    participantControlRoutes(ctx);
    meetingControlRoutes(ctx);

    // --- waiting room ---

    ctx.control(
      'PUT',
      '/moveToWaitingRoom',
      'Move a participant to the waiting room (ParticipantsNotify mode 1, WaitingListNotify)',
      ConferenceIdQuery,
      MoveToWaitingRoomBody,
      true,
      (_q, b) => ({ type: 'moveToWaitingRoom', pids: [b.participantID] }),
    );

    ctx.control(
      'PUT',
      '/batchMoveToWaitingRoom',
      'Move several participants to the waiting room',
      ConferenceIdQuery,
      BatchMoveToWaitingRoomBody,
      true,
      (_q, b) => ({ type: 'moveToWaitingRoom', pids: unique(b.batchParticipants) }),
    );

    ctx.control(
      'PUT',
      '/allowWaitingParticipant',
      'Admit a waiting-room member (participantID) or all of them (allowAll) into the meeting',
      ConferenceIdQuery,
      AllowWaitingBody,
      true,
      (_q, b) => {
        if (isOn(b.allowAll)) return { type: 'admit', pids: 'all' };
        if (b.participantID === undefined)
          throw new DomainError('MMC_INVALID_PARAMETER', 'body needs participantID or allowAll');
        return { type: 'admit', pids: [b.participantID] };
      },
    );

    // --- audience and interpretation ---

    ctx.control(
      'PUT',
      '/allowAudience',
      'Admit the webinar audience or not (allowAudience)',
      ConferenceIdQuery,
      AllowAudienceBody,
      true,
      (_q, b) => ({ type: 'allowAudience', allow: b.allowAudience === 1 }),
    );

    ctx.control(
      'PUT',
      '/simultaneousInterpretation',
      'Open or close simultaneous interpretation (simultaneousInterpretation)',
      ConferenceIdQuery,
      SimultaneousInterpretationBody,
      true,
      (_q, b) => ({ type: 'simultaneousInterpretation', on: b.isOpen === undefined || isOn(b.isOpen) }),
    );

    ctx.control(
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
      `${LIVE_CONTROL_PREFIX}/realTimeInfo`,
      {
        schema: {
          summary:
            'Real-time meeting info (ShowRealTimeInfoOfMeeting): attendees, online participants, host and co-hosts',
          tags: LIVE_CONTROL_TAGS,
          querystring: ConferenceIdQuery,
          headers: ControlHeaders,
          response: { 200: RealTimeInfoSchema, ...errorResponses },
        },
      },
      async (request) => {
        const held = await requireControlToken(deps, request, false);
        return realTimeInfo(await ctx.committedState(held));
      },
    );
  };
}

/**
 * Media-plane routes of one site: joining (or entering the waiting room), leaving, answering a call; and its flags
 * (sharing, camera, hand, self-mute).
 */
import {
  JoinAnswerSchema,
  JoiningSiteSchema,
  LEAVE_REASONS,
  MediaAnswerBody,
  MediaCameraBody,
  MediaHandBody,
  MediaLeaveBody,
  MediaMeetingParams,
  MediaMuteBody,
  MediaParticipantParams,
  MediaShareBody,
  type JoiningSite,
} from '@confpush/protocol';
import type { TBoolean, TObject } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { secretEquals } from '../../auth/secrets.js';
import type { MediaCommand } from '../../domain/commands.js';
import { DomainError } from '../../domain/errors.js';
import type { MeetingState } from '../../domain/meeting.js';
import { pid as newPid } from '../../ids.js';
import type { MediaRouteDeps } from './context.js';
import { addMediaRoute, NoContent } from './route.js';

/** The pid a join will get: the given one, an invited attendee's participantID (as the domain matches it), or new. */
function joiningPid(state: MeetingState, site: JoiningSite): string {
  if (site.pid !== undefined) return site.pid;
  const account = site.accountId ?? site.account;
  for (const item of state.streams.AttendeesNotify.items.values()) {
    const byTel = site.tel !== undefined && site.tel !== '' && item['phone'] === site.tel;
    const byAccount = account !== undefined && account !== '' && item['accountId'] === account;
    if ((byTel || byAccount) && typeof item['participantID'] === 'string') return item['participantID'];
  }
  return newPid();
}

/** A `PUT …/participants/:pid/<path>` of one boolean, and the command it becomes. */
interface FlagRoute<K extends string> {
  path: string;
  summary: string;
  body: TObject<{ [P in K]: TBoolean }>;
  key: K;
  command(pid: string, value: boolean): MediaCommand;
}

const FLAG_ROUTES: FlagRoute<string>[] = [
  {
    path: 'share',
    summary: 'A site starts or stops sharing (pinfoMap SHARE)',
    body: MediaShareBody,
    key: 'sharing',
    command: (pid, sharing) => ({ type: 'share', pid, sharing }),
  },
  {
    path: 'camera',
    summary: 'A site turns its camera on or off (pinfoMap CAMERASTATE)',
    body: MediaCameraBody,
    key: 'on',
    command: (pid, on) => ({ type: 'camera', pid, on }),
  },
  {
    path: 'hand',
    summary: 'A site raises or lowers its hand (pinfoMap HAND)',
    body: MediaHandBody,
    key: 'raised',
    command: (pid, raised) => ({ type: 'selfHand', pid, raised }),
  },
  {
    path: 'mute',
    summary:
      'A site mutes or unmutes itself (pinfoMap MUTE); SELF_UNMUTE_FORBIDDEN while the host forbids it',
    body: MediaMuteBody,
    key: 'mute',
    command: (pid, mute) => ({ type: 'selfMute', pid, mute }),
  },
];

export function participantRoutes(app: FastifyInstance, deps: MediaRouteDeps): void {
  addMediaRoute(app, {
    method: 'POST',
    path: 'participants',
    summary:
      'A site joins by itself: into the meeting (ParticipantsNotify) or the waiting room (WaitingListNotify)',
    params: MediaMeetingParams,
    body: JoiningSiteSchema,
    status: 200,
    answer: JoinAnswerSchema,
    handle: async ({ conferenceID }, { hostPassword, ...site }) => {
      const state = await deps.port().read(conferenceID);
      if (!state) throw new DomainError('CONF_NOT_EXIST');
      if (
        site.role === 1 &&
        (hostPassword === undefined || !secretEquals(hostPassword, state.record.chairPwd))
      ) {
        throw new DomainError('CONF_AUTH_FAILED', 'a host (role 1) joins with the host password');
      }
      const pid = joiningPid(state, site);
      const joined = await deps.port().execute(conferenceID, { type: 'join', site: { ...site, pid } });
      return { pid, waiting: joined.streams.WaitingListNotify.items.has(pid) };
    },
  });

  addMediaRoute(app, {
    method: 'POST',
    path: 'participants/:pid/leave',
    summary:
      'A site leaves (ParticipantsNotify mode 1, InviteResultNotify with the reason) or leaves the waiting room',
    params: MediaParticipantParams,
    body: MediaLeaveBody,
    status: 204,
    answer: NoContent,
    handle: async ({ conferenceID, pid }, body) => {
      const reason = body?.reason ?? LEAVE_REASONS.LEFT_BY_ITSELF;
      await deps.port().execute(conferenceID, { type: 'leave', pid, reason });
    },
  });

  addMediaRoute(app, {
    method: 'POST',
    path: 'participants/:pid/answer',
    summary:
      'A called site answers (resultCode 0: STATE "0") or the call fails (the site is removed); InviteResultNotify',
    params: MediaParticipantParams,
    body: MediaAnswerBody,
    status: 204,
    answer: NoContent,
    handle: async ({ conferenceID, pid }, { resultCode }) => {
      await deps.port().execute(conferenceID, { type: 'callResult', pid, resultCode });
    },
  });
}

export function flagRoutes(app: FastifyInstance, deps: MediaRouteDeps): void {
  for (const flag of FLAG_ROUTES) {
    addMediaRoute(app, {
      method: 'PUT',
      path: `participants/:pid/${flag.path}`,
      summary: flag.summary,
      params: MediaParticipantParams,
      body: flag.body,
      status: 204,
      answer: NoContent,
      handle: async ({ conferenceID, pid }, body) => {
        const value: unknown = body[flag.key];
        if (typeof value !== 'boolean')
          throw new DomainError('MMC_INVALID_PARAMETER', `body.${flag.key} is required`);
        await deps.port().execute(conferenceID, flag.command(pid, value));
      },
    });
  }
}

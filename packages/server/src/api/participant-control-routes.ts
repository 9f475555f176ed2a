/**
 * Live control of participants (reference §5.1): hang up, mute, host role, co-host, rename, hands, camera,
 * sharing, broadcast, roll call, local recording.
 */
import {
  AllowClientRecordBody,
  BatchHandsBody,
  CohostBody,
  ConferenceIdQuery,
  HandsBody,
  HangUpBody,
  MuteBody,
  ParticipantQuery,
  RenameBody,
  RoleBody,
  ShareInviteBody,
  VideoBody,
} from '@confpush/protocol';
import { secretEquals } from '../auth/secrets.js';
import { DomainError } from '../domain/errors.js';
import { unique, type LiveControl } from './live-control.js';

export function participantControlRoutes(ctx: LiveControl): void {
  ctx.control(
    'POST',
    '/participants/delete',
    'Hang up online participants (ParticipantsNotify mode 1, InviteResultNotify 11076002); they stay attendees',
    ConferenceIdQuery,
    HangUpBody,
    true,
    (_q, b) => ({ type: 'hangUp', pids: unique(b.bulkHangUpParticipants) }),
  );

  ctx.control(
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

  ctx.control(
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
        await ctx.deps.authAttempts.guard({ address: ip, target: `meeting:${held.confId}` }, async () => {
          const { record } = await ctx.committedState(held);
          if (!secretEquals(pwd, record.chairPwd)) throw new DomainError('CONF_AUTH_FAILED');
        });
      }
      return { type: 'setChair', pid: q.participantID, chair: b.applyChair === 1 };
    },
  );

  ctx.control(
    'PUT',
    '/participants/cohost',
    'Make a participant co-host, or revoke it',
    ParticipantQuery,
    CohostBody,
    true,
    (q, b) => ({ type: 'setCohost', pid: q.participantID, cohost: b.isCohost === 1 }),
  );

  ctx.control(
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

  ctx.control(
    'PUT',
    '/participants/hands',
    'Raise or lower the hand of a participant (host or participant token)',
    ParticipantQuery,
    HandsBody,
    false,
    (q, b) => ({ type: 'hands', pids: [q.participantID], raised: b.handsState === 1 }),
  );

  ctx.control(
    'PUT',
    '/participants/batch/hands',
    'Raise or lower the hands of several participants',
    ConferenceIdQuery,
    BatchHandsBody,
    true,
    (_q, b) => ({ type: 'hands', pids: unique(b.pids), raised: b.handsState === 1 }),
  );

  ctx.control(
    'PUT',
    '/participants/video',
    'Ask a participant to open (0) or close (1) its camera (CAMERASTATE)',
    ParticipantQuery,
    VideoBody,
    true,
    (q, b) => ({ type: 'cameraRequest', pid: q.participantID, open: b.status === 0 }),
  );

  ctx.control(
    'PUT',
    '/participants/share/invite',
    'Invite a participant to share, or withdraw the invitation (INVITE_SHARE_STATE)',
    ParticipantQuery,
    ShareInviteBody,
    true,
    (q, b) => ({ type: 'shareInvite', pid: q.participantID, invite: b.share === 1 }),
  );

  ctx.control(
    'PUT',
    '/participants/broadcast',
    'Broadcast a participant (BROADCAST, meeting mode BROADCAST)',
    ParticipantQuery,
    undefined,
    true,
    (q) => ({ type: 'broadcast', pid: q.participantID }),
  );

  ctx.control(
    'PUT',
    '/cancelBroadcast',
    'Stop broadcasting (meeting mode FREE)',
    ConferenceIdQuery,
    undefined,
    true,
    () => ({ type: 'cancelBroadcast' }),
  );

  ctx.control(
    'PUT',
    '/participants/rollCall',
    'Give a participant the floor (ROLLCALL, unmuted; meeting mode ROLLCALL)',
    ParticipantQuery,
    undefined,
    true,
    (q) => ({ type: 'rollCall', pid: q.participantID }),
  );

  ctx.control(
    'PUT',
    '/allowClientRecord',
    'Allow or forbid local recording on a participant’s client (ALLOW_CLIENT_REC)',
    ParticipantQuery,
    AllowClientRecordBody,
    true,
    (q, b) => ({ type: 'allowClientRecord', pid: q.participantID, allow: b.allowClientRecord === 1 }),
  );
}

/**
 * Live control of the meeting as a whole (reference §5.1): mute all, lock, settings, duration, recording, live,
 * pause, display mode and views.
 */
import {
  ChairViewBody,
  ConferenceIdQuery,
  DisplayModeBody,
  DurationBody,
  GuestUnmuteBody,
  LiveBody,
  LockBody,
  LockViewBody,
  MmrLiveBody,
  MmrRecordBody,
  MuteAllBody,
  ParticipantQuery,
  PartViewBody,
  PauseBody,
  RecordBody,
  StartedConfConfigBody,
} from '@confpush/protocol';
import { DomainError } from '../domain/errors.js';
import type { LiveControl } from './live-control.js';

const DEFAULT_EXTENSION_MINUTES = 15;

export function meetingControlRoutes(ctx: LiveControl): void {
  ctx.control(
    'PUT',
    '/mute',
    'Mute or unmute everyone except the host',
    ConferenceIdQuery,
    MuteAllBody,
    true,
    (_q, b) => ({
      type: 'muteAll',
      mute: b.isMute === 1,
      ...(b.allowUnmuteByOneself !== undefined ? { allowUnmuteByOneself: b.allowUnmuteByOneself === 1 } : {}),
    }),
  );

  ctx.control(
    'PUT',
    '/mute/guestUnMute',
    'Whether participants may unmute themselves (canUnmute)',
    ConferenceIdQuery,
    GuestUnmuteBody,
    true,
    (_q, b) => ({ type: 'allowSelfUnmute', allow: b.allowUnmuteByOneself === 1 }),
  );

  ctx.control('PUT', '/lock', 'Lock or unlock the meeting', ConferenceIdQuery, LockBody, true, (_q, b) => ({
    type: 'lock',
    locked: b.isLock === 1,
  }));

  ctx.control(
    'PUT',
    '/updateStartedConfConfig',
    'Change settings of the meeting in progress',
    ConferenceIdQuery,
    StartedConfConfigBody,
    true,
    (_q, b) => ({ type: 'updateConfig', config: b }),
  );

  ctx.control(
    'PUT',
    '/duration',
    'Extend the meeting (endTime) by duration minutes (default 15)',
    ConferenceIdQuery,
    DurationBody,
    true,
    (_q, b) => ({ type: 'extend', minutes: b.duration ?? DEFAULT_EXTENSION_MINUTES }),
  );

  ctx.control(
    'PUT',
    '/record',
    'Start or stop cloud recording (recState)',
    ConferenceIdQuery,
    RecordBody,
    true,
    (_q, b) => ({ type: 'record', recording: b.isRecord === 1 }),
  );

  ctx.control(
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

  ctx.control(
    'PUT',
    '/live',
    'Start or stop live streaming (liveState)',
    ConferenceIdQuery,
    LiveBody,
    true,
    (_q, b) => ({ type: 'live', live: b.isLive === 1 }),
  );

  ctx.control(
    'PUT',
    '/mmrLive',
    'Start or stop live streaming (liveState)',
    ConferenceIdQuery,
    MmrLiveBody,
    true,
    (_q, b) => ({ type: 'live', live: b.liveState === 1 }),
  );

  ctx.control(
    'PUT',
    '/pause',
    'Pause or resume the meeting',
    ConferenceIdQuery,
    PauseBody,
    true,
    (_q, b) => ({
      type: 'pause',
      paused: b.pause === 1,
    }),
  );

  ctx.control(
    'PUT',
    '/display/mode',
    'Display strategy: fixed broadcast or voice-activated, single or multi-picture (mode, vas, picNum)',
    ConferenceIdQuery,
    DisplayModeBody,
    true,
    (_q, b) => ({ type: 'displayMode', switchMode: b.switchMode, imageType: b.imageType }),
  );

  ctx.control(
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

  ctx.control(
    'PUT',
    '/partView',
    'Set what a site watches (VIEW_TYPE)',
    ParticipantQuery,
    PartViewBody,
    true,
    async (q, b, held) => {
      if (b.viewType === 2) await ctx.requireOnline(held, b.participantID);
      return { type: 'partView', pid: q.participantID, viewType: b.viewType };
    },
  );

  ctx.control(
    'PUT',
    '/lockView',
    'Lock or unlock the video source of a site (LOCKED_VIEW)',
    ParticipantQuery,
    LockViewBody,
    true,
    async (q, b, held) => {
      await ctx.requireOnline(held, b.participantID);
      return { type: 'lockView', pid: q.participantID, locked: b.status === 1 };
    },
  );
}

/** Media-plane routes of what a meeting's media shows: volume samples, network quality and captions. */
import {
  CaptionReportSchema,
  MediaMeetingParams,
  MediaNetQualityBody,
  MediaVolumesBody,
  VolumesAnswerSchema,
} from '@confpush/protocol';
import type { FastifyInstance } from 'fastify';
import { DomainError } from '../../domain/errors.js';
import type { MediaRouteDeps } from './context.js';
import { addMediaRoute, NoContent } from './route.js';

export function reportRoutes(app: FastifyInstance, deps: MediaRouteDeps): void {
  addMediaRoute(app, {
    method: 'POST',
    path: 'volumes',
    summary:
      'Volume samples, at any rate: coalesced into at most one SpeakerChangeNotify per speakerIntervalMs',
    params: MediaMeetingParams,
    body: MediaVolumesBody,
    status: 202,
    answer: VolumesAnswerSchema,
    handle: async ({ conferenceID }, { samples }) => {
      const state = await deps.port().read(conferenceID);
      if (!state) throw new DomainError('CONF_NOT_EXIST');
      const participants = state.streams.ParticipantsNotify.items;
      for (const s of samples) {
        if (!participants.has(s.pid))
          throw new DomainError('PARTICIPANT_NOT_FOUND', `participantID ${s.pid}`);
      }
      deps.plane().volumes(conferenceID, samples);
      return { accepted: samples.length };
    },
  });

  addMediaRoute(app, {
    method: 'POST',
    path: 'net-quality',
    summary: 'Network-quality reports of online sites (NetConditionNotify)',
    params: MediaMeetingParams,
    body: MediaNetQualityBody,
    status: 204,
    answer: NoContent,
    handle: async ({ conferenceID }, { reports }) => {
      await deps.port().execute(conferenceID, { type: 'netQuality', reports });
    },
  });

  addMediaRoute(app, {
    method: 'POST',
    path: 'captions',
    summary:
      'Caption text of a site (RealTimeSubtitleNotify); live captions must be on (ConfControl REALTIMESUBTITLE)',
    params: MediaMeetingParams,
    body: CaptionReportSchema,
    status: 204,
    answer: NoContent,
    handle: async ({ conferenceID }, caption) => {
      if (
        caption.beginTime !== undefined &&
        caption.endTime !== undefined &&
        caption.endTime < caption.beginTime
      ) {
        throw new DomainError('MMC_INVALID_PARAMETER', 'body.endTime is before body.beginTime');
      }
      await deps.port().execute(conferenceID, { type: 'caption', caption });
    },
  });
}

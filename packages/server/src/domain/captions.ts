/** Live captions: switching them on or off (all speakers or up to four named ones), and the captions themselves. */
import { DomainError } from './errors.js';
import { P, STATUS, type LiveHandler } from './live-meeting.js';

const MAX_CAPTION_SPEAKERS = 4;

export const subtitles: LiveHandler<'subtitles'> = (m, { on, speakers }) => {
  if (m.state.streams.ConfBasicInfoNotify.fields['realTimeSubtitle'] === 0)
    throw new DomainError('SUBTITLE_NOT_SUPPORTED');
  if (speakers !== undefined) {
    if (speakers.length === 0) throw new DomainError('SUBTITLE_PID_NULL');
    if (speakers.length > MAX_CAPTION_SPEAKERS)
      throw new DomainError('SUBTITLE_PID_WRONG', `at most ${MAX_CAPTION_SPEAKERS} speakers`);
    for (const pid of speakers) {
      if (!m.b.item(P, pid)) throw new DomainError('SUBTITLE_PID_WRONG', `participantID ${pid}`);
    }
  }
  m.b.fields(STATUS, { realTimeSubtitle: on ? 1 : 0 });
};

export const caption: LiveHandler<'caption'> = (m, { caption: c }) => {
  if (m.b.field(STATUS, 'realTimeSubtitle') !== 1) throw new DomainError('SUBTITLE_NOT_ENABLED');
  m.online(c.pid);
  m.b.value('RealTimeSubtitleNotify', {
    msgs: [
      {
        subtitleLang: c.lang ?? 'Mandarin',
        translateText: c.text,
        id: c.id ?? m.ctx.newParticipantId(),
      },
    ],
    isFinal: c.isFinal ?? true,
    timestamp: m.ctx.now,
    beginTime: c.beginTime ?? 0,
    endTime: c.endTime ?? 0,
    participantID: c.pid,
  });
};

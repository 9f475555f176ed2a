/** Cloud recording and live streaming. */
import { STATUS, type LiveHandler } from './live-meeting.js';

export const record: LiveHandler<'record'> = (m, command) => {
  m.b.fields(STATUS, command.recording ? { recState: 1, recOccurred: 1 } : { recState: 0 });
};

export const pauseRecord: LiveHandler<'pauseRecord'> = (m, command) => {
  m.b.fields(STATUS, { recState: command.paused ? 0 : 1, recOccurred: 1 });
};

export const live: LiveHandler<'live'> = (m, command) => {
  m.b.fields(STATUS, { liveState: command.live ? 1 : 0 });
};

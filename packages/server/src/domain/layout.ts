/** What participants see: broadcast, roll call, the display mode, the host's view, views of participants. */
import { setMultiPicture } from './multi-picture.js';
import { flag } from './pinfo.js';
import { P, STATUS, type LiveHandler, type LiveMeeting } from './live-meeting.js';

/** Sets `key` to "1" on `pid` and "0" on everyone else (broadcast, roll call). */
function exclusive(m: LiveMeeting, pid: string | undefined, key: 'BROADCAST' | 'ROLLCALL'): void {
  for (const p of m.b.keys(P)) m.b.patchInfo(P, p, { [key]: flag(p === pid) });
}

export const broadcast: LiveHandler<'broadcast'> = (m, command) => {
  exclusive(m, m.online(command.pid), 'BROADCAST');
  m.b.fields(STATUS, { mode: 'BROADCAST' });
};

export const cancelBroadcast: LiveHandler<'cancelBroadcast'> = (m) => {
  exclusive(m, undefined, 'BROADCAST');
  m.b.fields(STATUS, { mode: 'FREE' });
};

/** Gives one participant the floor, unmuted. */
export const rollCall: LiveHandler<'rollCall'> = (m, command) => {
  const pid = m.online(command.pid);
  exclusive(m, pid, 'ROLLCALL');
  m.b.patchInfo(P, pid, { MUTE: '0' });
  m.b.fields(STATUS, { mode: 'ROLLCALL' });
};

export const displayMode: LiveHandler<'displayMode'> = (m, { switchMode, imageType }) => {
  m.b.fields(STATUS, {
    vas: switchMode === 'VAS' ? 1 : 0,
    mode: switchMode === 'Fixed' ? 'FIXED' : 'FREE',
    picNum: imageType === 0 ? 1 : 4,
  });
};

export const chairView: LiveHandler<'chairView'> = (m, command) => {
  if (command.pid !== undefined) m.online(command.pid);
  m.b.fields(STATUS, { chairView: command.on ? 1 : 0 });
};

export const partView: LiveHandler<'partView'> = (m, command) => {
  m.b.patchInfo(P, m.online(command.pid), { VIEW_TYPE: String(command.viewType) });
};

export const lockView: LiveHandler<'lockView'> = (m, command) => {
  m.b.patchInfo(P, m.online(command.pid), { LOCKED_VIEW: flag(command.locked) });
};

/** `PUT /display/multiPicture`: the continuous-presence layout (`multiPic`). */
export const multiPicture: LiveHandler<'multiPicture'> = (m, { layout }) => setMultiPicture(m.b, layout);

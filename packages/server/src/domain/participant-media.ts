/** What participants send and what the host allows them: microphones, hands, cameras, sharing, client recording. */
import { DomainError } from './errors.js';
import { flag, info } from './pinfo.js';
import { P, STATUS, unique, type LiveHandler, type LiveMeeting } from './live-meeting.js';

/** A handler setting one 0/1 field of an online participant (`pid` of the command) from a switch of the command. */
function participantFlag<C extends { pid: string }>(
  field: string,
  on: (command: C) => boolean,
): (m: LiveMeeting, command: C) => void {
  return (m, command) => {
    m.b.patchInfo(P, m.online(command.pid), { [field]: flag(on(command)) });
  };
}

export const mute: LiveHandler<'mute'> = participantFlag('MUTE', (c) => c.mute);

/** Mutes (or unmutes) everyone but the host, and says whether participants may unmute themselves. */
export const muteAll: LiveHandler<'muteAll'> = (m, { mute, allowUnmuteByOneself }) => {
  for (const pid of m.b.keys(P)) {
    if (info(m.b.item(P, pid))['ROLE'] !== '1') m.b.patchInfo(P, pid, { MUTE: flag(mute) });
  }
  m.b.fields(STATUS, { mute: mute ? 1 : 0, canUnmute: allowUnmuteByOneself === false ? 0 : 1 });
};

export const allowSelfUnmute: LiveHandler<'allowSelfUnmute'> = (m, command) => {
  m.b.fields(STATUS, { canUnmute: command.allow ? 1 : 0 });
};

export const selfMute: LiveHandler<'selfMute'> = (m, command) => {
  const pid = m.online(command.pid);
  const map = info(m.b.item(P, pid));
  const chairOrCohost = map['ROLE'] === '1' || map['IS_COHOST'] === '1';
  if (!command.mute && !chairOrCohost && m.allMuted() && m.b.field(STATUS, 'canUnmute') === 0) {
    throw new DomainError('SELF_UNMUTE_FORBIDDEN');
  }
  m.b.patchInfo(P, pid, { MUTE: flag(command.mute) });
};

export const hands: LiveHandler<'hands'> = (m, { pids, raised }) => {
  for (const pid of unique(pids)) m.online(pid);
  for (const pid of unique(pids)) m.b.patchInfo(P, pid, { HAND: flag(raised) });
};

export const selfHand: LiveHandler<'selfHand'> = participantFlag('HAND', (c) => c.raised);

export const cameraRequest: LiveHandler<'cameraRequest'> = participantFlag('CAMERASTATE', (c) => c.open);

export const camera: LiveHandler<'camera'> = participantFlag('CAMERASTATE', (c) => c.on);

export const share: LiveHandler<'share'> = participantFlag('SHARE', (c) => c.sharing);

export const shareInvite: LiveHandler<'shareInvite'> = participantFlag('INVITE_SHARE_STATE', (c) => c.invite);

export const allowClientRecord: LiveHandler<'allowClientRecord'> = participantFlag(
  'ALLOW_CLIENT_REC',
  (c) => c.allow,
);

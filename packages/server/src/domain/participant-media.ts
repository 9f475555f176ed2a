/** What participants send and what the host allows them: microphones, hands, cameras, sharing, client recording. */
import { DomainError } from './errors.js';
import { flag, info } from './pinfo.js';
import { P, STATUS, unique, type LiveHandler } from './live-meeting.js';

export const mute: LiveHandler<'mute'> = (m, command) => {
  m.b.patchInfo(P, m.online(command.pid), { MUTE: flag(command.mute) });
};

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

export const selfHand: LiveHandler<'selfHand'> = (m, command) => {
  m.b.patchInfo(P, m.online(command.pid), { HAND: flag(command.raised) });
};

export const cameraRequest: LiveHandler<'cameraRequest'> = (m, command) => {
  m.b.patchInfo(P, m.online(command.pid), { CAMERASTATE: flag(command.open) });
};

export const camera: LiveHandler<'camera'> = (m, command) => {
  m.b.patchInfo(P, m.online(command.pid), { CAMERASTATE: flag(command.on) });
};

export const share: LiveHandler<'share'> = (m, command) => {
  m.b.patchInfo(P, m.online(command.pid), { SHARE: flag(command.sharing) });
};

export const shareInvite: LiveHandler<'shareInvite'> = (m, command) => {
  m.b.patchInfo(P, m.online(command.pid), { INVITE_SHARE_STATE: flag(command.invite) });
};

export const allowClientRecord: LiveHandler<'allowClientRecord'> = (m, command) => {
  m.b.patchInfo(P, m.online(command.pid), { ALLOW_CLIENT_REC: flag(command.allow) });
};

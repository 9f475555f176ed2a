/** Participants coming and going, and their roles and names: joins, leaves, call results, hang-ups, host, co-host. */
import { LEAVE_REASONS } from './commands.js';
import { DomainError } from './errors.js';
import { flag, info, waitingInfo } from './pinfo.js';
import { P, STATUS, unique, W, type LiveHandler } from './live-meeting.js';

export const join: LiveHandler<'join'> = (m, { site, calling }) => {
  const { record } = m.state;
  const config = record.confConfigInfo;
  const attendee = m.attendeeByNumber(site.tel, site.accountId ?? site.account);
  const pid =
    site.pid ??
    (typeof attendee?.['participantID'] === 'string' ? attendee['participantID'] : m.ctx.newParticipantId());
  if (m.b.item(P, pid) || m.b.item(W, pid))
    throw new DomainError('MMC_INVALID_PARAMETER', `participantID ${pid} is already in the meeting`);
  const host = site.role === 1;
  if (!host) {
    if (m.b.field(STATUS, 'lock') === 1) throw new DomainError('CONF_LOCKED');
    const restriction = Number(m.b.field(STATUS, 'callInRestriction') ?? config.callInRestriction ?? 0);
    if (restriction === 3 && !attendee)
      throw new DomainError('CALL_IN_RESTRICTED', 'only invited users may join');
    if (restriction === 2 && (site.anonymous || !(site.accountId || site.account))) {
      throw new DomainError('CALL_IN_RESTRICTED', 'only enterprise users may join');
    }
  }
  if (record.concurrentParticipants > 0 && m.b.keys(P).length >= record.concurrentParticipants) {
    throw new DomainError('CONF_FULL');
  }
  const waitingRoom = m.b.field(STATUS, 'waitingRoomState') === 1;
  if (!host && (site.viaWaitingRoom || waitingRoom)) {
    m.b.put(W, pid, { pid, pinfoMap: waitingInfo(site, m.ctx.now, record.corpId) });
    return;
  }
  if (calling) {
    // The attendee answers by this site: its own call in progress (invited, not answered yet) is replaced.
    const called = typeof attendee?.['participantID'] === 'string' ? attendee['participantID'] : undefined;
    if (called && called !== pid && info(m.b.item(P, called))['STATE'] === '1') m.removeParticipant(called);
  }
  m.addParticipant(pid, site, calling ? '1' : '0', attendee);
};

export const leave: LiveHandler<'leave'> = (m, command) => {
  const pid = m.present(command.pid);
  if (m.b.item(W, pid)) {
    m.b.remove(W, pid);
    return;
  }
  const map = info(m.b.item(P, pid));
  m.removeParticipant(pid);
  if (map['TEL'])
    m.b.put('InviteResultNotify', map['TEL'], { callNumber: map['TEL'], resultCode: String(command.reason) });
};

/** Hangs up online sites (leave reason 11076002); they stay attendees. */
export const hangUp: LiveHandler<'hangUp'> = (m, { pids }) => {
  for (const pid of unique(pids)) m.online(pid);
  for (const pid of unique(pids)) leave(m, { type: 'leave', pid, reason: LEAVE_REASONS.HUNG_UP_BY_HOST });
};

export const callResult: LiveHandler<'callResult'> = (m, command) => {
  const pid = m.online(command.pid);
  const { resultCode } = command;
  const map = info(m.b.item(P, pid));
  if (map['STATE'] !== '1')
    throw new DomainError('MMC_INVALID_PARAMETER', `participant ${pid} is not being called`);
  if (map['TEL'])
    m.b.put('InviteResultNotify', map['TEL'], { callNumber: map['TEL'], resultCode: String(resultCode) });
  if (resultCode === 0) m.b.patchInfo(P, pid, { STATE: '0', ADDTIME: String(m.ctx.now) });
  else m.b.remove(P, pid);
};

export const setChair: LiveHandler<'setChair'> = (m, command) => {
  const pid = m.online(command.pid);
  if (command.chair) {
    for (const other of m.chairs()) if (other !== pid) m.b.patchInfo(P, other, { ROLE: '0' });
    m.b.patchInfo(P, pid, { ROLE: '1', IS_COHOST: '0' });
  } else if (info(m.b.item(P, pid))['ROLE'] === '1') {
    m.b.patchInfo(P, pid, { ROLE: '0' });
  }
};

export const setCohost: LiveHandler<'setCohost'> = (m, command) => {
  m.b.patchInfo(P, m.notChair(m.online(command.pid), 'a co-host'), { IS_COHOST: flag(command.cohost) });
};

/** Renames the participant and the attendee, found by pid or else by number. */
export const rename: LiveHandler<'rename'> = (m, { pid, number, name }) => {
  let found = false;
  if (pid !== undefined && m.b.item(P, pid)) {
    m.b.patchInfo(P, pid, { NAME: name });
    found = true;
  } else if (number !== undefined) {
    for (const p of m.b.keys(P)) {
      if (info(m.b.item(P, p))['TEL'] === number) {
        m.b.patchInfo(P, p, { NAME: name });
        found = true;
      }
    }
  }
  for (const [key, item] of m.state.streams.AttendeesNotify.items) {
    if ((pid !== undefined && key === pid) || (number !== undefined && item['phone'] === number)) {
      const { seq: _seq, ...rest } = item;
      m.b.put('AttendeesNotify', key, { ...rest, name });
      found = true;
    }
  }
  if (!found)
    throw new DomainError('PARTICIPANT_NOT_FOUND', `no participant or attendee ${pid ?? number ?? ''}`);
};

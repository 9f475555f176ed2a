/** The waiting room: moving participants into it and admitting its members. */
import { info, siteOfInfo, waitingInfo } from './pinfo.js';
import { DomainError } from './errors.js';
import { P, unique, W, type LiveHandler } from './live-meeting.js';

export const moveToWaitingRoom: LiveHandler<'moveToWaitingRoom'> = (m, { pids }) => {
  for (const pid of unique(pids)) m.notChair(m.online(pid), 'moved to the waiting room');
  for (const pid of unique(pids)) {
    const map = info(m.b.item(P, pid));
    m.removeParticipant(pid);
    m.b.put(W, pid, { pid, pinfoMap: waitingInfo(siteOfInfo(pid, map), m.ctx.now, m.state.record.corpId) });
  }
};

export const admit: LiveHandler<'admit'> = (m, command) => {
  const list = command.pids === 'all' ? m.b.keys(W) : unique(command.pids);
  for (const pid of list) {
    if (!m.b.item(W, pid)) throw new DomainError('PARTICIPANT_NOT_FOUND', `no waiting-room member ${pid}`);
  }
  for (const pid of list) {
    const site = siteOfInfo(pid, info(m.b.item(W, pid)));
    m.b.remove(W, pid);
    m.addParticipant(pid, site, '0', m.attendeeByNumber(site.tel, site.accountId));
  }
};

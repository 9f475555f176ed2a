/** Attendees of a meeting in progress: inviting (adding and calling), adding without calling, deleting. */
import type { Item } from '@confpush/protocol';
import { attendeeIdentity, attendeeItem, type AttendeeInput } from './attendees.js';
import type { JoinInput } from './commands.js';
import { DomainError } from './errors.js';
import { info } from './pinfo.js';
import { P, W, type LiveHandler, type LiveMeeting } from './live-meeting.js';

/** Adds or updates attendees (matched by identity, keeping their participantID); returns each one's pid. */
function upsertAttendees(m: LiveMeeting, inputs: readonly AttendeeInput[]): Map<AttendeeInput, string> {
  const byIdentity = new Map<string, Item>();
  for (const item of m.state.streams.AttendeesNotify.items.values())
    byIdentity.set(attendeeIdentity(item), item);
  const pids = new Map<AttendeeInput, string>();
  for (const input of inputs) {
    const existing = byIdentity.get(attendeeIdentity(input));
    const participantID =
      typeof existing?.['participantID'] === 'string' ? existing['participantID'] : m.ctx.newParticipantId();
    pids.set(input, participantID);
    const item = attendeeItem(input, participantID, m.state.record.corpId);
    const { seq: _seq, ...held } = existing ?? {};
    if (!existing || JSON.stringify(held) !== JSON.stringify(item))
      m.b.put('AttendeesNotify', participantID, item);
  }
  return pids;
}

export const addAttendees: LiveHandler<'addAttendees'> = (m, { attendees }) => {
  upsertAttendees(m, attendees);
};

/** Adds the attendees and calls those not online (participants in STATE "1" until they answer). */
export const invite: LiveHandler<'invite'> = (m, { attendees }) => {
  const pids = upsertAttendees(m, attendees);
  for (const input of attendees) {
    const pid = pids.get(input)!;
    const online = m.b
      .keys(P)
      .some((p) => p === pid || (input.phone && info(m.b.item(P, p))['TEL'] === input.phone));
    if (online) continue;
    if (m.b.item(W, pid)) m.b.remove(W, pid);
    const site: JoinInput = {
      pid,
      name: input.name ?? input.phone ?? '',
      ...(input.phone ? { tel: input.phone } : {}),
      ...(input.accountId ? { accountId: input.accountId, thirdAccount: input.accountId } : {}),
      ...(input.role === 1 ? { role: 1 as const } : {}),
      video: input.type !== 'mobile' && input.type !== 'telephone',
      loginType: input.type === 'mobile' ? 'Mobile' : input.type === 'terminal' ? 'OtherType' : 'Desktop',
    };
    m.addParticipant(pid, site, '1', { role: input.role, isMute: input.isMute });
  }
};

export const deleteAttendees: LiveHandler<'deleteAttendees'> = (m, { entries }) => {
  const attendees = m.state.streams.AttendeesNotify.items;
  for (const entry of entries) {
    let key = entry.participantID && attendees.has(entry.participantID) ? entry.participantID : undefined;
    if (!key && entry.number) {
      for (const [k, item] of attendees) {
        if ([item['phone'], item['phone2'], item['phone3']].includes(entry.number)) key = k;
      }
    }
    if (!key) {
      throw new DomainError(
        'MMC_INVALID_PARAMETER',
        `no attendee with ${entry.participantID ? `participantID ${entry.participantID}` : `number ${entry.number ?? ''}`}`,
      );
    }
    m.b.remove('AttendeesNotify', key);
  }
};

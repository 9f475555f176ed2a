/**
 * What `GET realTimeInfo` (reference §4.5) must answer for a meeting a subscriber knows only from the push: written
 * from the reference's field definitions — the attendee list (§8.4 `AttendeeNotifyDTO`), the online participants'
 * `pinfoMap` (§8.3: `NAME`, `TEL`, `STATE`, `VIDEO`, `MUTE`, `HAND`, `ROLE`, `IS_COHOST`) and the layout
 * (`multiPic`, §8.2, shown as a `MultiPicDisplayDO`, §3.4) — independently of the server's own rendering, which the
 * tests compare with it.
 */
import type { Item } from '@confpush/protocol';

/** A subscriber's replicas (items by key, or the fields of an object category). */
export interface PushedMeeting {
  AttendeesNotify: { items: ReadonlyMap<string, Item> };
  ParticipantsNotify: { items: ReadonlyMap<string, Item> };
  ConfDynamicInfoNotify?: { fields: Item };
}

/** Pane counts of the `imageType` names (reference §3.4, `RestMixedPictureBody`). */
const IMAGE_TYPE_OF_PANES: Record<number, string> = {
  1: 'Single',
  2: 'Two',
  3: 'Three',
  4: 'Four',
  6: 'Six',
  9: 'Nine',
  16: 'Sixteen',
};

const nonEmpty = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/** `"1"` → 1, anything else → 0 (the pinfoMap flags are strings). */
const bit = (value: string | undefined): number => (value === '1' ? 1 : 0);

export function expectedRealTimeInfo(pushed: PushedMeeting): Record<string, unknown> {
  const attendees = [...pushed.AttendeesNotify.items.values()].map((a) => {
    const accountID = nonEmpty(a['accountId']);
    const userUUID = nonEmpty(a['userUUID']);
    const phone = nonEmpty(a['phone']);
    return {
      name: nonEmpty(a['name']) ?? '',
      ...(accountID !== undefined ? { accountID } : {}),
      ...(userUUID !== undefined ? { userUUID } : {}),
      ...(phone !== undefined ? { phone } : {}),
    };
  });
  const participants: Record<string, unknown>[] = [];
  const hosts: string[] = [];
  const coHosts: string[] = [];
  for (const [pid, item] of pushed.ParticipantsNotify.items) {
    const p = (item['pinfoMap'] ?? {}) as Record<string, string>;
    participants.push({
      pid,
      name: p['NAME'] ?? '',
      phone: p['TEL'] ?? '',
      // 0 in the meeting, 1 being called, 2 joining.
      state: p['STATE'] === '1' ? 1 : p['STATE'] === '2' ? 2 : 0,
      video: bit(p['VIDEO']),
      mute: bit(p['MUTE']),
      hand: bit(p['HAND']),
    });
    if (p['ROLE'] === '1') hosts.push(pid);
    if (p['IS_COHOST'] === '1') coHosts.push(pid);
  }
  const confInfo: Record<string, unknown> = { coHosts };
  if (hosts.length > 0) confInfo['chairID'] = hosts[0];
  const multiPic = pushed.ConfDynamicInfoNotify?.fields['multiPic'] as
    { picNum: number; picInfos: unknown[]; period: number } | undefined;
  if (multiPic && multiPic.picInfos.length > 0) {
    confInfo['picDisplay'] = {
      manualSet: 1,
      imageType: IMAGE_TYPE_OF_PANES[multiPic.picNum] ?? 'Single',
      subscriberInPics: multiPic.picInfos,
      switchTime: multiPic.period,
    };
  }
  return { attendees, participants, confInfo };
}

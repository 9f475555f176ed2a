/**
 * `GET /v1/mmc/control/conferences/realTimeInfo` (reference §4.5): the REST snapshot of the attendee list, the
 * online participants and the host/co-hosts. Pure: rendered from the attendee and participant streams, so that it
 * says exactly what a subscriber's replica of `AttendeesNotify` and `ParticipantsNotify` says.
 */
import type { Item } from '@confpush/protocol';
import type { MeetingState } from './meeting.js';
import { picDisplayOf, type PicDisplay } from './multi-picture.js';
import { info } from './pinfo.js';

/** An invitee (at scheduling or in the meeting), joined or not. */
export interface RealTimeAttendee {
  accountID?: string;
  userUUID?: string;
  name: string;
  phone?: string;
}

/** An online site: in the meeting, being called or joining. */
export interface RealTimeParticipant {
  pid: string;
  name: string;
  phone: string;
  /** 0 in the meeting, 1 being called, 2 joining. */
  state: number;
  /** 0 audio site, 1 video site. */
  video: number;
  /** 0 microphone on, 1 muted. */
  mute: number;
  /** 0 hand down, 1 raised. */
  hand: number;
}

export interface RealTimeConfInfo {
  /** Participant ID of the host; absent while the meeting has none. */
  chairID?: string;
  coHosts: string[];
  /** The multi-picture layout set by the host (Huawei `MultiPicDisplayDO`); absent while it is automatic. */
  picDisplay?: PicDisplay;
}

export interface RealTimeInfo {
  attendees: RealTimeAttendee[];
  participants: RealTimeParticipant[];
  confInfo: RealTimeConfInfo;
}

/** What the snapshot is rendered from: a meeting state, or a subscriber's replicas of the same streams. */
export interface RealTimeSource {
  streams: Pick<MeetingState['streams'], 'AttendeesNotify' | 'ParticipantsNotify'> &
    Partial<Pick<MeetingState['streams'], 'ConfDynamicInfoNotify'>>;
}

export function realTimeInfo(source: RealTimeSource): RealTimeInfo {
  const attendees = [...source.streams.AttendeesNotify.items.values()].map(attendeeOf);
  const participants: RealTimeParticipant[] = [];
  let chairID: string | undefined;
  const coHosts: string[] = [];
  for (const [pid, item] of source.streams.ParticipantsNotify.items) {
    const map = info(item);
    participants.push({
      pid,
      name: map['NAME'] ?? '',
      phone: map['TEL'] ?? '',
      state: stateOf(map['STATE']),
      video: bit(map['VIDEO']),
      mute: bit(map['MUTE']),
      hand: bit(map['HAND']),
    });
    if (map['ROLE'] === '1' && chairID === undefined) chairID = pid;
    if (map['IS_COHOST'] === '1') coHosts.push(pid);
  }
  const confInfo: RealTimeConfInfo = chairID === undefined ? { coHosts } : { chairID, coHosts };
  const picDisplay = source.streams.ConfDynamicInfoNotify
    ? picDisplayOf(source.streams.ConfDynamicInfoNotify.fields)
    : undefined;
  if (picDisplay) confInfo.picDisplay = picDisplay;
  return { attendees, participants, confInfo };
}

function attendeeOf(item: Item): RealTimeAttendee {
  const attendee: RealTimeAttendee = { name: text(item['name']) ?? '' };
  const accountID = text(item['accountId']);
  const userUUID = text(item['userUUID']);
  const phone = text(item['phone']);
  if (accountID !== undefined) attendee.accountID = accountID;
  if (userUUID !== undefined) attendee.userUUID = userUUID;
  if (phone !== undefined) attendee.phone = phone;
  return attendee;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

const bit = (value: string | undefined): number => (value === '1' ? 1 : 0);

function stateOf(value: string | undefined): number {
  return value === '1' ? 1 : value === '2' ? 2 : 0;
}

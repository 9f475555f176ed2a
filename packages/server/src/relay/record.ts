/**
 * The local record of a meeting mirrored from upstream, from the upstream's `ConferenceInfo`: the same
 * conference ID and passwords (downstream clients use the meeting's own passwords), owned by the relay's
 * enterprise (its administrators manage it locally), in progress.
 */
import { toNumber, toStringValue } from '@confpush/protocol';
import type { MirroredRecordPatch } from '../domain/commands.js';
import type { MeetingRecord } from '../domain/meeting.js';
import { MIRRORED_OWNER_ID } from '../domain/mirror.js';
import { parseUtcMinute } from '../domain/schedule.js';
import { hex32 } from '../ids.js';
import type { UpstreamMeeting } from './upstream-api.js';

/** The owner named on mirrored meetings. */
export const RELAY_OWNER_ID = MIRRORED_OWNER_ID;

export function mirroredRecord(
  meeting: UpstreamMeeting,
  options: { corpId: string; now: number },
): MeetingRecord {
  const { info } = meeting;
  const text = (field: string) => toStringValue(info[field]);
  const entries = Array.isArray(info['passwordEntry'])
    ? (info['passwordEntry'] as Record<string, unknown>[])
    : [];
  const guestPwd = toStringValue(entries.find((e) => e['conferenceRole'] === 'general')?.['password']) ?? '';
  const startedAt = parseTime(text('startTime')) ?? options.now;
  const endAt = parseTime(text('endTime'));
  const confType = text('confType') === 'FUTURE' ? 'FUTURE' : 'IMMEDIATELY';
  return {
    conferenceID: meeting.conferenceID,
    confUUID: text('confUUID') ?? hex32(),
    corpId: options.corpId,
    ownerId: RELAY_OWNER_ID,
    ownerName: text('scheduserName') ?? 'upstream',
    ownerUserType: 2,
    subject: text('subject') ?? meeting.conferenceID,
    mediaTypes: text('mediaTypes') ?? 'HDVideo',
    confType,
    scheduledStartAt: startedAt,
    length: endAt !== undefined && endAt > startedAt ? Math.round((endAt - startedAt) / 60_000) : 60,
    state: 'Created',
    startedAt,
    endedAt: null,
    cancelled: false,
    timeZoneID: text('timeZoneID') ?? null,
    language: text('language') ?? 'zh-CN',
    chairPwd: meeting.hostPassword,
    guestPwd,
    chairJoinUri: text('chairJoinUri') ?? '',
    guestJoinUri: text('guestJoinUri') ?? '',
    audienceJoinUri: text('audienceJoinUri') ?? '',
    accessNumber: text('accessNumber') ?? '',
    recordType: toNumber(info['recordType']) ?? 0,
    isAutoRecord: toNumber(info['isAutoRecord']) ?? 0,
    liveAddress: text('liveAddress') ?? null,
    auxAddress: text('auxAddress') ?? null,
    recordAuxStream: toNumber(info['recordAuxStream']) ?? 0,
    recordAuthType: toNumber(info['recordAuthType']) ?? 0,
    encryptMode: toNumber(info['encryptMode']) ?? null,
    vmrFlag: toNumber(info['vmrFlag']) ?? 0,
    vmrID: text('vmrID') ?? null,
    concurrentParticipants: toNumber(info['concurrentParticipants']) ?? 0,
    supportSimultaneousInterpretation: info['supportSimultaneousInterpretation'] === true,
    confResType: info['webinar'] === true ? 2 : 0,
    groupuri: null,
    confConfigInfo: {},
    createdAt: options.now,
    updatedAt: options.now,
  };
}

/**
 * The fields of a mirrored record that follow the upstream's details, read again (`mirrorRecord`; the domain keeps
 * only those that differ). Times missing upstream fall back to the local start, as when the record was created.
 */
export function mirroredRecordPatch(meeting: UpstreamMeeting, current: MeetingRecord): MirroredRecordPatch {
  const {
    conferenceID: _conferenceID,
    confUUID: _confUUID,
    corpId: _corpId,
    ownerId: _ownerId,
    state: _state,
    startedAt: _startedAt,
    endedAt: _endedAt,
    cancelled: _cancelled,
    confConfigInfo: _confConfigInfo,
    confIMGroupId: _confIMGroupId,
    createdAt: _createdAt,
    updatedAt: _updatedAt,
    ...patch
  } = mirroredRecord(meeting, { corpId: current.corpId, now: current.startedAt ?? current.createdAt });
  return patch;
}

/** Huawei writes times as `yyyy-MM-dd HH:mm` (UTC) or as epoch ms, sometimes in a string. */
function parseTime(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (/^\d{10,}$/.test(text)) return Number(text);
  return parseUtcMinute(text);
}

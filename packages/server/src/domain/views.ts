/**
 * How the meeting record appears in the push categories derived from it: `ConfBasicInfoNotify` and the
 * record-driven fields of `ConfDynamicInfoNotify`. Field names and types follow the reference (§8.1, §8.2).
 */
import { confIMGroupIdOf, endTimeOf, type MeetingRecord } from './meeting.js';
import { defaultMultiPic } from './multi-picture.js';

/** Huawei `recType` (0 off, 1 recording, 2 recording + live, 3 live) from `recordType` (0 off, 1 live, 2 rec, 3 both). */
const REC_TYPE_BY_RECORD_TYPE: Readonly<Record<number, number>> = { 0: 0, 1: 3, 2: 1, 3: 2 };

export function mediaOf(mediaTypes: string): 1 | 2 {
  return /video|telepresence/i.test(mediaTypes) ? 2 : 1;
}

export function basicInfoFields(record: MeetingRecord): Record<string, unknown> {
  const config = record.confConfigInfo;
  return {
    displayID: record.vmrFlag === 1 && record.vmrID ? record.vmrID : record.conferenceID,
    title: record.subject,
    startTime: String(record.startedAt ?? record.scheduledStartAt),
    guestJoinUri: record.guestJoinUri,
    pwds: [
      { role: 'chair', pwd: record.chairPwd },
      { role: 'general', pwd: record.guestPwd },
    ],
    recType: REC_TYPE_BY_RECORD_TYPE[record.recordType] ?? 0,
    media: mediaOf(record.mediaTypes),
    owner: record.ownerName,
    orgID: record.corpId,
    aiRecType: 0,
    callInRestriction: config.callInRestriction ?? 0,
    audienceCallInRestriction: 0,
    confMode: 'COMMON',
    webinar: record.confResType === 2,
    realTimeSubtitle: config.supportRealTimeSubtitle === false ? 0 : 1,
    simultaneousInterpretation: record.supportSimultaneousInterpretation ? 1 : 0,
    supportWatermark: 0,
    userType: record.ownerUserType,
    ownerID: record.ownerId,
    scheduledStartTime: String(record.scheduledStartAt),
    supportCohost: 1,
    supportWaitingRoom: config.enableWaitingRoom === true,
  };
}

/** The record-driven fields of the meeting status; runtime fields are added by the live-meeting commands. */
export function dynamicInfoFromRecord(record: MeetingRecord): Record<string, unknown> {
  return {
    state: record.state,
    endTime: String(endTimeOf(record)),
  };
}

export function initialDynamicInfo(record: MeetingRecord): Record<string, unknown> {
  const config = record.confConfigInfo;
  return {
    ...dynamicInfoFromRecord(record),
    mode: 'FREE',
    vas: 1,
    picNum: 1,
    lock: 0,
    mute: config.isAutoMute ? 1 : 0,
    lockSharing: 0,
    canUnmute: 1,
    chairView: 0,
    recState: 0,
    multiPic: defaultMultiPic(),
    confIMGroupId: confIMGroupIdOf(record),
    partViewNum: 0,
    maxPartViewNum: 8,
    forbiddenChat: 0,
    recOccurred: 0,
    realTimeSubtitle: 0,
    pause: false,
    waitingRoomState: config.enableWaitingRoom ? 1 : 0,
  };
}

/**
 * The meeting status of a meeting stored before a documented field existed, completed with that field's value
 * (the same on every node, so full messages agree across a cluster).
 */
export function completeDynamicInfo(
  record: MeetingRecord,
  fields: Record<string, unknown>,
): Record<string, unknown> {
  if ('multiPic' in fields && 'confIMGroupId' in fields) return fields;
  return { multiPic: defaultMultiPic(), confIMGroupId: confIMGroupIdOf(record), ...fields };
}

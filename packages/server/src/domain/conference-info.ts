/**
 * How a meeting appears in the management APIs: who may see it and in which role, its `ConferenceInfo`
 * (reference §3.4) and the `ParticipantInfo` entries of its detail page (§4.3). Field names and types are
 * Huawei's, including its spellings (`terminlCount`, `MEETTING`).
 */
import type { Item, ConferenceInfo, ParticipantInfo } from '@confpush/protocol';
import { isHardTerminal } from './attendees.js';
import { endTimeOf, type MeetingRecord } from './meeting.js';

export type ConferenceRole = 'chair' | 'general';

/** The calling user, as far as visibility is concerned (a `User` of the store fits). */
export interface Viewer {
  userId: string;
  corpId: string;
  /** 0 default admin, 1 ordinary admin, 2 not an admin. */
  adminType: number;
  account: string | null;
  thirdAccount: string | null;
}

/** Huawei answers `timeZoneID` "56" when none was given at creation (reference §3.6). */
export const DEFAULT_TIME_ZONE_ID = '56';
/** `partAttendeeInfo` lists at most this many soft clients and as many hard terminals. */
const PART_ATTENDEES_PER_KIND = 20;

export function isEnterpriseAdmin(viewer: Viewer, corpId: string): boolean {
  return viewer.corpId === corpId && (viewer.adminType === 0 || viewer.adminType === 1);
}

/** The owner and the administrators of the meeting's enterprise may edit, cancel and list it. */
export function canManage(record: MeetingRecord, viewer: Viewer): boolean {
  return record.ownerId === viewer.userId || isEnterpriseAdmin(viewer, record.corpId);
}

/**
 * The role a viewer sees a meeting in, or undefined when the meeting is invisible to them. Managers see it as
 * host; an invited user (by user ID, or by account within the enterprise) in the role they were invited with.
 */
export function viewerRole(
  record: MeetingRecord,
  viewer: Viewer,
  attendees: Iterable<Item>,
): ConferenceRole | undefined {
  if (canManage(record, viewer)) return 'chair';
  for (const item of attendees) {
    if (isViewer(item, viewer, record.corpId)) return item['role'] === 1 ? 'chair' : 'general';
  }
  return undefined;
}

function isViewer(item: Item, viewer: Viewer, corpId: string): boolean {
  if (item['userUUID'] === viewer.userId) return true;
  const accountId = stringField(item, 'accountId');
  if (accountId === undefined || viewer.corpId !== corpId) return false;
  return accountId === viewer.account || accountId === viewer.thirdAccount;
}

export interface ConferenceInfoOptions {
  role: ConferenceRole;
  /** The scheduler's enterprise name. */
  deptName: string;
  /** Online meeting list only. */
  onlineAttendeeAmount?: number;
}

export function conferenceInfo(
  record: MeetingRecord,
  attendees: readonly Item[],
  options: ConferenceInfoOptions,
): ConferenceInfo {
  const { role } = options;
  const config = record.confConfigInfo;
  const terminals = attendees.filter(isHardTerminal).length;
  const passwordEntry = [{ conferenceRole: 'general', password: record.guestPwd }];
  if (role === 'chair') passwordEntry.unshift({ conferenceRole: 'chair', password: record.chairPwd });
  return {
    conferenceID: record.conferenceID,
    mediaTypes: record.mediaTypes,
    subject: record.subject,
    size: attendees.length,
    timeZoneID: record.timeZoneID ?? DEFAULT_TIME_ZONE_ID,
    startTime: formatUtcMinute(record.startedAt ?? record.scheduledStartAt),
    endTime: formatUtcMinute(endTimeOf(record)),
    conferenceState: record.state,
    accessNumber: record.accessNumber,
    language: record.language,
    passwordEntry,
    userUUID: record.ownerId,
    scheduserName: record.ownerName,
    conferenceType: 0,
    confType: record.confType,
    isAutoMute: config.isAutoMute ? 1 : 0,
    isAutoRecord: record.isAutoRecord,
    chairJoinUri: role === 'chair' ? record.chairJoinUri : undefined,
    guestJoinUri: record.guestJoinUri,
    audienceJoinUri: record.audienceJoinUri,
    recordType: record.recordType,
    auxAddress: record.auxAddress ?? undefined,
    liveAddress: record.liveAddress ?? undefined,
    recordAuxStream: record.recordAuxStream,
    recordAuthType: record.recordAuthType,
    confConfigInfo: {
      isSendNotify: config.isSendNotify ?? false,
      isSendSms: config.isSendSms ?? false,
      isSendCalendar: config.isSendCalendar ?? false,
      isAutoMute: config.isAutoMute ?? false,
      isHardTerminalAutoMute: config.isHardTerminalAutoMute ?? false,
      isGuestFreePwd: config.isGuestFreePwd ?? false,
      callInRestriction: config.callInRestriction ?? 0,
      allowGuestStartConf: config.allowGuestStartConf ?? false,
      vmrIDType: config.vmrIDType ?? 0,
      prolongLength: config.prolongLength ?? 0,
      enableWaitingRoom: config.enableWaitingRoom ?? false,
      isHostCameraOn: config.isHostCameraOn ?? false,
      isGuestCameraOn: config.isGuestCameraOn ?? false,
      supportRealTimeSubtitle: config.supportRealTimeSubtitle !== false,
    },
    vmrFlag: record.vmrFlag,
    vmrID: record.vmrFlag === 1 ? (record.vmrID ?? undefined) : undefined,
    vmrConferenceID: record.vmrFlag === 1 ? (record.vmrID ?? undefined) : undefined,
    // One UUID per actual session: instant meetings have one from the start, scheduled ones once running.
    confUUID: record.confType === 'IMMEDIATELY' || record.state === 'Created' ? record.confUUID : undefined,
    partAttendeeInfo: partAttendees(attendees),
    terminlCount: terminals,
    normalCount: attendees.length - terminals,
    deptName: options.deptName,
    role,
    webinar: record.confResType === 2,
    onlineAttendeeAmount: options.onlineAttendeeAmount,
    multiStreamFlag: 0,
    confMode: 'COMMON',
    concurrentParticipants: record.concurrentParticipants,
    supportSimultaneousInterpretation: record.supportSimultaneousInterpretation,
  };
}

function partAttendees(attendees: readonly Item[]): ConferenceInfo['partAttendeeInfo'] {
  const listed: ConferenceInfo['partAttendeeInfo'] = [];
  let soft = 0;
  let hard = 0;
  for (const item of attendees) {
    if (isHardTerminal(item) ? hard++ >= PART_ATTENDEES_PER_KIND : soft++ >= PART_ATTENDEES_PER_KIND)
      continue;
    listed.push({
      name: stringField(item, 'name') ?? '',
      phone: stringField(item, 'phone'),
      phone2: stringField(item, 'phone2'),
      phone3: stringField(item, 'phone3'),
      type: stringField(item, 'type') ?? 'normal',
      role: item['role'] === 1 ? 1 : 0,
      isMute: item['isMute'] === 1 ? 1 : 0,
    });
  }
  return listed;
}

/**
 * An invited attendee in the detail page. Huawei's `participantID` here is the attendee's number; an attendee
 * invited without one (e.g. by account only) is identified by its push `participantID` instead.
 */
export function participantInfo(item: Item): ParticipantInfo {
  return {
    participantID: stringField(item, 'phone') ?? stringField(item, 'participantID') ?? '',
    name: stringField(item, 'name') ?? '',
    role: item['role'] === 1 ? 1 : 0,
    state: 'MEETTING',
    address: stringField(item, 'address'),
    attendeeType: stringField(item, 'type') ?? 'normal',
    accountId: stringField(item, 'accountId'),
    phone2: stringField(item, 'phone2'),
    phone3: stringField(item, 'phone3'),
    email: stringField(item, 'email'),
    sms: stringField(item, 'sms'),
    deptName: stringField(item, 'deptName'),
    userUUID: stringField(item, 'userUUID'),
    appId: stringField(item, 'appId'),
    isAutoInvite: item['isAutoInvite'] === 1 ? 1 : 0,
    isNotOverlayPidName: item['isNotOverlayPidName'] === true,
  };
}

/** Does the attendee match a detail-page `searchKey` (name, numbers, account, e-mail; case-insensitive)? */
export function attendeeMatches(item: Item, searchKey: string): boolean {
  const needle = searchKey.toLowerCase();
  return ['name', 'phone', 'phone2', 'phone3', 'accountId', 'email', 'sms'].some((key) =>
    stringField(item, key)?.toLowerCase().includes(needle),
  );
}

/** Epoch ms → `YYYY-MM-DD HH:MM` in UTC. */
export function formatUtcMinute(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

function stringField(item: Item, key: string): string | undefined {
  const value = item[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

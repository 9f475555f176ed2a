/**
 * The meeting aggregate: the management record (what was scheduled) and the state of every push stream.
 * Pure data; `decide.ts` computes changes to it and the protocol's `CategoryReplica` applies them.
 */
import { CategoryReplica, PUSH_CATEGORIES, type PushCategory } from '@confpush/protocol';

export type MeetingStateName = 'Schedule' | 'Created' | 'Destroyed';

/** `RestConfConfigDTO` as accepted at creation/edit (only known, validated fields are kept). */
export interface ConfConfig {
  isSendNotify?: boolean;
  isSendSms?: boolean;
  isSendCalendar?: boolean;
  isAutoMute?: boolean;
  isHardTerminalAutoMute?: boolean;
  isGuestFreePwd?: boolean;
  callInRestriction?: number;
  allowGuestStartConf?: boolean;
  guestPwd?: string;
  vmrIDType?: number;
  prolongLength?: number;
  enableWaitingRoom?: boolean;
  isHostCameraOn?: boolean;
  isGuestCameraOn?: boolean;
  /** confpush extension: live captions supported (default true). */
  supportRealTimeSubtitle?: boolean;
}

export interface MeetingRecord {
  conferenceID: string;
  confUUID: string;
  corpId: string;
  ownerId: string;
  ownerName: string;
  ownerUserType: number;
  subject: string;
  mediaTypes: string;
  confType: 'FUTURE' | 'IMMEDIATELY';
  /** Scheduled start, epoch ms (creation time for instant meetings). */
  scheduledStartAt: number;
  /** Minutes. */
  length: number;
  state: MeetingStateName;
  startedAt: number | null;
  endedAt: number | null;
  cancelled: boolean;
  timeZoneID: string | null;
  language: string;
  chairPwd: string;
  guestPwd: string;
  chairJoinUri: string;
  guestJoinUri: string;
  audienceJoinUri: string;
  accessNumber: string;
  recordType: number;
  isAutoRecord: number;
  liveAddress: string | null;
  auxAddress: string | null;
  recordAuxStream: number;
  recordAuthType: number;
  encryptMode: number | null;
  vmrFlag: number;
  vmrID: string | null;
  concurrentParticipants: number;
  supportSimultaneousInterpretation: boolean;
  confResType: number;
  groupuri: string | null;
  confConfigInfo: ConfConfig;
  /** In-meeting chat group ID (`confIMGroupId`); absent from records stored before it existed. */
  confIMGroupId?: string;
  createdAt: number;
  updatedAt: number;
}

export interface MeetingState {
  record: MeetingRecord;
  streams: Record<PushCategory, CategoryReplica>;
}

export function emptyStreams(): Record<PushCategory, CategoryReplica> {
  const streams = {} as Record<PushCategory, CategoryReplica>;
  for (const category of PUSH_CATEGORIES) {
    const replica = new CategoryReplica(category);
    replica.synced = true;
    replica.seq = 0;
    streams[category] = replica;
  }
  return streams;
}

/** Scheduled end, epoch ms: counted from the actual start once started (Huawei §3.3 `prolongLength` note). */
export function endTimeOf(record: MeetingRecord): number {
  return (record.startedAt ?? record.scheduledStartAt) + record.length * 60_000;
}

export function isInProgress(record: MeetingRecord): boolean {
  return record.state === 'Created';
}

/** The meeting's chat-group ID; a record stored before it existed falls back to its (as stable) confUUID. */
export function confIMGroupIdOf(record: MeetingRecord): string {
  return record.confIMGroupId ?? record.confUUID;
}

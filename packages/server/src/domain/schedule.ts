/**
 * Scheduling: how a validated `RestScheduleConfDTO` becomes a new meeting record (create) or a `RecordPatch`
 * (edit). Pure: the random IDs and passwords, and the comparison of secrets, come from the injected
 * `MeetingSecrets`. Checks the schema cannot express throw `INVALID_PARAMETER` naming the field, before anything is
 * changed.
 */
import type { RestConfConfig, RestScheduleConf } from '@confpush/protocol';
import type { RecordPatch } from './commands.js';
import { DomainError } from './errors.js';
import type { ConfConfig, MeetingRecord } from './meeting.js';

/** The caller a new meeting belongs to (a `User` of the store fits). */
export interface Scheduler {
  userId: string;
  corpId: string;
  name: string;
  userType: number;
}

/** Where a new meeting's secrets come from, and how they are compared (the server: the CSPRNG, constant time). */
export interface MeetingSecrets {
  /** 32 lower-case hex characters (the meeting's `confUUID`). */
  uuid(): string;
  /** A numeric password of `length` digits, the first one not zero. */
  password(length: number): string;
  /** The unguessable last segment of a join link. */
  linkToken(): string;
  /** Compares two secrets without leaking, through timing, where they differ. */
  equal(a: string, b: string): boolean;
}

export interface EditContext {
  now: number;
  secrets: MeetingSecrets;
}

export interface ScheduleContext extends EditContext {
  /** Base URL of the join links, without trailing slash. */
  publicUrl: string;
  conferenceID: string;
}

export const ACCESS_NUMBER = '+991117';
export const DEFAULT_LENGTH_MINUTES = 30;
const PASSWORD_DIGITS = 6;
/** A start time this far in the past is still accepted (it has minute precision). */
const START_TIME_TOLERANCE_MS = 60_000;
const RECURRING_NOT_SUPPORTED =
  'body.cycleParams: recurring meetings are created with POST /v1/mmc/management/cycleconferences, which confpush does not implement';

export function buildMeetingRecord(
  body: RestScheduleConf,
  scheduler: Scheduler,
  ctx: ScheduleContext,
): MeetingRecord {
  checkCommon(body);
  const { now, conferenceID, secrets } = ctx;
  const startAt = body.startTime ? futureStartTime(body.startTime, now) : undefined;
  const instant = startAt === undefined;
  const guestPwd = body.confConfigInfo?.guestPwd ?? secrets.password(PASSWORD_DIGITS);
  let chairPwd = secrets.password(PASSWORD_DIGITS);
  while (chairPwd === guestPwd) chairPwd = secrets.password(PASSWORD_DIGITS);
  const vmrFlag = body.vmrFlag ?? 0;
  const language = body.language ?? 'zh-CN';
  const joinUri = () => `${ctx.publicUrl}/#/j/${conferenceID}/${secrets.linkToken()}`;
  return {
    conferenceID,
    confUUID: secrets.uuid(),
    corpId: scheduler.corpId,
    ownerId: scheduler.userId,
    ownerName: scheduler.name,
    ownerUserType: scheduler.userType,
    subject: body.subject ?? defaultSubject(scheduler.name, language),
    mediaTypes: normalizeMediaTypes(body.mediaTypes),
    confType: instant ? 'IMMEDIATELY' : 'FUTURE',
    scheduledStartAt: startAt ?? now,
    length: body.length ?? DEFAULT_LENGTH_MINUTES,
    state: instant ? 'Created' : 'Schedule',
    startedAt: instant ? now : null,
    endedAt: null,
    cancelled: false,
    timeZoneID: body.timeZoneID || null,
    language,
    chairPwd,
    guestPwd,
    chairJoinUri: joinUri(),
    guestJoinUri: joinUri(),
    audienceJoinUri: joinUri(),
    accessNumber: ACCESS_NUMBER,
    recordType: body.recordType ?? 0,
    isAutoRecord: body.isAutoRecord ?? 0,
    liveAddress: body.liveAddress || null,
    auxAddress: body.auxAddress || null,
    recordAuxStream: body.recordAuxStream ?? 0,
    recordAuthType: body.recordAuthType ?? 0,
    encryptMode: body.encryptMode ?? null,
    vmrFlag,
    vmrID: vmrFlag === 1 ? (body.vmrID ?? null) : null,
    concurrentParticipants: body.concurrentParticipants ?? 0,
    supportSimultaneousInterpretation: body.supportSimultaneousInterpretation ?? false,
    confResType: body.confResType ?? 0,
    groupuri: body.groupuri || null,
    confConfigInfo: storedConfig(body.confConfigInfo),
    confIMGroupId: secrets.uuid(),
    createdAt: now,
    updatedAt: now,
  };
}

/**
 * The patch of an edit. The body is a whole `RestScheduleConfDTO`: an absent field keeps the current value, and
 * so does an empty `startTime` (an edit cannot turn a scheduled meeting into an instant one). `confConfigInfo`
 * fields are merged into the current settings. Attendees are not part of the patch.
 */
export function editPatch(body: RestScheduleConf, current: MeetingRecord, ctx: EditContext): RecordPatch {
  const { now } = ctx;
  checkCommon(body);
  checkUnchanged('confResType', body.confResType, current.confResType);
  checkUnchanged('vmrFlag', body.vmrFlag, current.vmrFlag);
  if ((body.vmrFlag ?? current.vmrFlag) === 1) {
    checkUnchanged('vmrID', body.vmrID || undefined, current.vmrID ?? undefined);
  }
  const patch: RecordPatch = { mediaTypes: normalizeMediaTypes(body.mediaTypes) };
  // Resending the current start time is no change, even once that time has passed.
  if (body.startTime && parseUtcMinute(body.startTime) !== current.scheduledStartAt) {
    patch.scheduledStartAt = futureStartTime(body.startTime, now);
  }
  if (body.subject !== undefined) patch.subject = body.subject;
  if (body.length !== undefined) patch.length = body.length;
  if (body.timeZoneID !== undefined) patch.timeZoneID = body.timeZoneID || null;
  if (body.language !== undefined) patch.language = body.language;
  if (body.recordType !== undefined) patch.recordType = body.recordType;
  if (body.isAutoRecord !== undefined) patch.isAutoRecord = body.isAutoRecord;
  if (body.liveAddress !== undefined) patch.liveAddress = body.liveAddress || null;
  if (body.auxAddress !== undefined) patch.auxAddress = body.auxAddress || null;
  if (body.recordAuxStream !== undefined) patch.recordAuxStream = body.recordAuxStream;
  if (body.recordAuthType !== undefined) patch.recordAuthType = body.recordAuthType;
  if (body.encryptMode !== undefined) patch.encryptMode = body.encryptMode;
  if (body.concurrentParticipants !== undefined) patch.concurrentParticipants = body.concurrentParticipants;
  if (body.supportSimultaneousInterpretation !== undefined) {
    patch.supportSimultaneousInterpretation = body.supportSimultaneousInterpretation;
  }
  if (body.groupuri !== undefined) patch.groupuri = body.groupuri || null;
  if (body.confConfigInfo) {
    patch.confConfigInfo = { ...current.confConfigInfo, ...storedConfig(body.confConfigInfo) };
    const guestPwd = body.confConfigInfo.guestPwd;
    if (guestPwd !== undefined) {
      if (ctx.secrets.equal(guestPwd, current.chairPwd)) {
        throw new DomainError(
          'MMC_INVALID_PARAMETER',
          'body.confConfigInfo.guestPwd must differ from the host password',
        );
      }
      patch.guestPwd = guestPwd;
    }
  }
  return patch;
}

/**
 * Huawei answers `HDVideo` with `Data,Voice,HDVideo` (reference §3.6): data and voice come with every meeting, and
 * one video kind at most (Telepresence over Video over HDVideo, per the SDK's description). Voice-only meetings
 * are answered `Data,Voice` by the same rule (inference).
 */
export function normalizeMediaTypes(mediaTypes: string): string {
  const given = new Set(mediaTypes.split(',').map((t) => t.trim()));
  const video = ['Telepresence', 'Video', 'HDVideo'].find((t) => given.has(t));
  return ['Data', 'Voice', ...(video ? [video] : [])].join(',');
}

/** `yyyy-MM-dd HH:mm` (UTC) → epoch ms; undefined when it is not a real date and time. */
export function parseUtcMinute(text: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})$/.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const ms = Date.UTC(year, month - 1, day, hour, minute);
  const back = new Date(ms);
  const exact =
    back.getUTCFullYear() === year &&
    back.getUTCMonth() === month - 1 &&
    back.getUTCDate() === day &&
    back.getUTCHours() === hour &&
    back.getUTCMinutes() === minute;
  return exact ? ms : undefined;
}

function futureStartTime(startTime: string, now: number): number {
  const ms = parseUtcMinute(startTime);
  if (ms === undefined) {
    throw new DomainError(
      'MMC_INVALID_PARAMETER',
      `body.startTime "${startTime}" is not a valid UTC yyyy-MM-dd HH:mm`,
    );
  }
  if (ms < now - START_TIME_TOLERANCE_MS) {
    throw new DomainError('MMC_INVALID_PARAMETER', `body.startTime "${startTime}" (UTC) is in the past`);
  }
  return ms;
}

function checkCommon(body: RestScheduleConf): void {
  if (body.cycleParams !== undefined && body.cycleParams !== null) {
    throw new DomainError('MMC_INVALID_PARAMETER', RECURRING_NOT_SUPPORTED);
  }
  if (body.vmrFlag === 1 && !body.vmrID) {
    throw new DomainError('MMC_INVALID_PARAMETER', 'body.vmrID is required when vmrFlag is 1');
  }
}

function checkUnchanged<T>(field: string, given: T | undefined, current: T | undefined): void {
  if (given !== undefined && given !== current) {
    throw new DomainError('MMC_INVALID_PARAMETER', `body.${field} cannot be changed after creation`);
  }
}

const CONF_CONFIG_KEYS = [
  'isSendNotify',
  'isSendSms',
  'isSendCalendar',
  'isAutoMute',
  'isHardTerminalAutoMute',
  'isGuestFreePwd',
  'callInRestriction',
  'allowGuestStartConf',
  'vmrIDType',
  'prolongLength',
  'enableWaitingRoom',
  'isHostCameraOn',
  'isGuestCameraOn',
  'supportRealTimeSubtitle',
] as const satisfies readonly (keyof ConfConfig)[];

/**
 * The settings kept on the record: the known fields given. Unknown fields are dropped, and so is the guest
 * password (the record holds it once, in `guestPwd`).
 */
function storedConfig(config: RestConfConfig | undefined): ConfConfig {
  const stored: Record<string, unknown> = {};
  for (const key of CONF_CONFIG_KEYS) if (config?.[key] !== undefined) stored[key] = config[key];
  return stored as ConfConfig;
}

/** Huawei clients title an untitled meeting after its scheduler (inference from the clients' behaviour). */
function defaultSubject(name: string, language: string): string {
  return language === 'en-US' ? `${name}'s meeting` : `${name}的会议`;
}

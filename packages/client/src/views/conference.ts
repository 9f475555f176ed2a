/** Typed views of `ConfBasicInfoNotify` and `ConfDynamicInfoNotify` (fields at the frame's top level, §8.1–8.2). */
import { compact, flag, isPlainObject, num, objects, str, type Raw } from './coerce.js';

export interface ConfPassword {
  /** `"chair"` host, `"general"` ordinary participant. */
  readonly role: string;
  readonly pwd: string;
}

export interface BasicInfo {
  readonly displayID?: string;
  readonly title?: string;
  /** Actual start, epoch ms. */
  readonly startTime?: number;
  readonly scheduledStartTime?: number;
  readonly pwds?: readonly ConfPassword[];
  /** 0 disabled, 1 recording, 2 recording + live, 3 live only. */
  readonly recType?: number;
  /** 1 voice, 2 video. */
  readonly media?: number;
  readonly owner?: string;
  readonly ownerID?: string;
  readonly userType?: number;
  readonly supportWatermark?: boolean;
  readonly guestJoinUri?: string;
  /** 0 everyone, 2 enterprise users only, 3 invited users only. */
  readonly callInRestriction?: number;
  /** `COMMON` or `RTC`. */
  readonly confMode?: string;
  /** The meeting can enable live captions. */
  readonly realTimeSubtitle?: boolean;
  readonly orgID?: string;
  /** Every state field as received, including undocumented ones. */
  readonly raw: Readonly<Raw>;
}

export function parseBasicInfo(fields: Raw): BasicInfo {
  const base = compact<Omit<BasicInfo, 'raw'>>({
    displayID: str(fields, 'displayID'),
    title: str(fields, 'title'),
    startTime: num(fields, 'startTime'),
    scheduledStartTime: num(fields, 'scheduledStartTime'),
    pwds: Array.isArray(fields['pwds'])
      ? objects(fields['pwds']).map((p) => ({ role: str(p, 'role') ?? '', pwd: str(p, 'pwd') ?? '' }))
      : undefined,
    recType: num(fields, 'recType'),
    media: num(fields, 'media'),
    owner: str(fields, 'owner'),
    ownerID: str(fields, 'ownerID'),
    userType: num(fields, 'userType'),
    supportWatermark: flag(fields, 'supportWatermark'),
    guestJoinUri: str(fields, 'guestJoinUri'),
    callInRestriction: num(fields, 'callInRestriction'),
    confMode: str(fields, 'confMode'),
    realTimeSubtitle: flag(fields, 'realTimeSubtitle'),
    orgID: str(fields, 'orgID', 'orgId'),
  });
  return { ...base, raw: fields };
}

/** `"Schedule"`, `"Created"` (in progress) or `"Destroyed"` (ended). */
export type MeetingState = 'Schedule' | 'Created' | 'Destroyed' | (string & {});

export interface PictureInfo {
  /** Pane number, from 1. */
  readonly index?: number;
  /** Participants shown in the pane. */
  readonly id?: readonly string[];
  /** 0 main stream, 1 content stream. */
  readonly share?: number;
}

export interface MultiPicture {
  readonly picInfos?: readonly PictureInfo[];
  readonly picNum?: number;
  readonly period?: number;
}

/** Meeting status (`ConfDynamicInfoNotify`). 0/1 integers are booleans here. */
export interface ConfStatus {
  readonly state?: MeetingState;
  /** Scheduled end, epoch ms. */
  readonly endTime?: number;
  /** `FREE`, `FIXED`, `ROLLCALL` or `BROADCAST`. */
  readonly mode?: string;
  /** Voice-activated switching. */
  readonly vas?: boolean;
  readonly lock?: boolean;
  /** Everyone muted / mute on entry. */
  readonly mute?: boolean;
  readonly lockSharing?: boolean;
  readonly canUnmute?: boolean;
  readonly chairView?: boolean;
  readonly picNum?: number;
  readonly partViewNum?: number;
  readonly maxPartViewNum?: number;
  /** Recording now (`recState`). */
  readonly recording?: boolean;
  /** Recorded at some point (`recOccurred`). */
  readonly recOccurred?: boolean;
  readonly forbiddenChat?: boolean;
  readonly realTimeSubtitle?: boolean;
  readonly confIMGroupId?: string;
  readonly multiPic?: MultiPicture;
  readonly raw: Readonly<Raw>;
}

function parseMultiPicture(value: unknown): MultiPicture | undefined {
  if (!isPlainObject(value)) return undefined;
  return compact<MultiPicture>({
    picInfos: Array.isArray(value['picInfos'])
      ? objects(value['picInfos']).map((p) =>
          compact<PictureInfo>({
            index: num(p, 'index'),
            id: Array.isArray(p['id']) ? p['id'].map(String) : undefined,
            share: num(p, 'share'),
          }),
        )
      : undefined,
    picNum: num(value, 'picNum'),
    period: num(value, 'period'),
  });
}

export function parseStatus(fields: Raw): ConfStatus {
  const base = compact<Omit<ConfStatus, 'raw'>>({
    state: str(fields, 'state'),
    endTime: num(fields, 'endTime'),
    mode: str(fields, 'mode'),
    vas: flag(fields, 'vas'),
    lock: flag(fields, 'lock'),
    mute: flag(fields, 'mute'),
    lockSharing: flag(fields, 'lockSharing'),
    canUnmute: flag(fields, 'canUnmute'),
    chairView: flag(fields, 'chairView'),
    picNum: num(fields, 'picNum'),
    partViewNum: num(fields, 'partViewNum'),
    maxPartViewNum: num(fields, 'maxPartViewNum'),
    recording: flag(fields, 'recState'),
    recOccurred: flag(fields, 'recOccurred'),
    forbiddenChat: flag(fields, 'forbiddenChat'),
    realTimeSubtitle: flag(fields, 'realTimeSubtitle'),
    confIMGroupId: str(fields, 'confIMGroupId'),
    multiPic: parseMultiPicture(fields['multiPic']),
  });
  return { ...base, raw: fields };
}

/**
 * Typed views of `ParticipantsNotify` and `WaitingListNotify` items: `{pid, mode, pinfoMap}` where every
 * `pinfoMap` value is a string (reference §8.3, §8.9).
 */
import { compact, flag, num, str, stringMap, type Raw } from './coerce.js';

export type ParticipantRole = 'host' | 'participant' | 'audience' | 'unknown';

/** `"Desktop"`, `"Mobile"`, `"Pad"`, `"OtherType"`, or whatever else the server sends. */
export type LoginType = 'Desktop' | 'Mobile' | 'Pad' | 'OtherType' | (string & {});

/** The login-type key is spelled three ways across Huawei's pages (reference §10.7). */
export const LOGIN_TYPE_KEYS = ['CLICENT_LOGIN_TYPE', 'CLIENT_LOGIN_TYPE', 'CLIENT_ LOG IN_TYPE'] as const;

/** An online participant (site). Fields absent from `pinfoMap` are absent here. */
export interface Participant {
  readonly pid: string;
  readonly name?: string;
  /** SIP or phone number (`TEL`). */
  readonly tel?: string;
  readonly role?: ParticipantRole;
  /** `STATE`: `"0"` in the meeting, `"1"` being called. */
  readonly state?: 'in-meeting' | 'calling' | 'unknown';
  readonly muted?: boolean;
  readonly handUp?: boolean;
  /** Sharing data or screen (`SHARE`). */
  readonly sharing?: boolean;
  /** Camera on (`CAMERASTATE`). */
  readonly camera?: boolean;
  /** A video site (`VIDEO`). */
  readonly video?: boolean;
  readonly coHost?: boolean;
  readonly broadcast?: boolean;
  /** Given the floor (`ROLLCALL`). */
  readonly rollCall?: boolean;
  readonly anonymous?: boolean;
  readonly localRecording?: boolean;
  /** Join time, epoch ms (`ADDTIME`). */
  readonly joinedAt?: number;
  readonly loginType?: LoginType;
  /** `VIEW_TYPE`: 0 nothing specified, 1 watching the multi-picture, 2 watching a selected site. */
  readonly viewType?: number;
  readonly accountId?: string;
  readonly account?: string;
  readonly thirdAccount?: string;
  readonly orgId?: string;
  /** Every `pinfoMap` key as received (values as strings), including keys the SDK does not interpret. */
  readonly pinfo: Readonly<Record<string, string>>;
}

export type ParticipantField = Exclude<keyof Participant, 'pid' | 'pinfo'>;

export function roleOf(value: string | undefined): ParticipantRole | undefined {
  switch (value) {
    case undefined:
      return undefined;
    case '1':
      return 'host';
    case '0':
      return 'participant';
    case '2':
      return 'audience';
    default:
      return 'unknown';
  }
}

function stateOf(value: string | undefined): Participant['state'] {
  if (value === undefined) return undefined;
  if (value === '0') return 'in-meeting';
  if (value === '1') return 'calling';
  return 'unknown';
}

export function parseParticipant(pid: string, item: Raw): Participant {
  const pinfo = stringMap(item['pinfoMap']);
  const base = compact<Omit<Participant, 'pid' | 'pinfo'>>({
    name: str(pinfo, 'NAME'),
    tel: str(pinfo, 'TEL'),
    role: roleOf(str(pinfo, 'ROLE')),
    state: stateOf(str(pinfo, 'STATE')),
    muted: flag(pinfo, 'MUTE'),
    handUp: flag(pinfo, 'HAND'),
    sharing: flag(pinfo, 'SHARE'),
    camera: flag(pinfo, 'CAMERASTATE'),
    video: flag(pinfo, 'VIDEO'),
    coHost: flag(pinfo, 'IS_COHOST'),
    broadcast: flag(pinfo, 'BROADCAST'),
    rollCall: flag(pinfo, 'ROLLCALL'),
    anonymous: flag(pinfo, 'ANONYMOUS'),
    localRecording: flag(pinfo, 'LOCALREC'),
    joinedAt: num(pinfo, 'ADDTIME'),
    loginType: str(pinfo, ...LOGIN_TYPE_KEYS),
    viewType: num(pinfo, 'VIEW_TYPE'),
    accountId: str(pinfo, 'ACCOUNT_ID'),
    account: str(pinfo, 'ACCOUNT'),
    thirdAccount: str(pinfo, 'THIRDACCOUNT'),
    orgId: str(pinfo, 'ORG_ID'),
  });
  return { pid, ...base, pinfo };
}

/** A member of the waiting room. */
export interface WaitingMember {
  readonly pid: string;
  readonly name?: string;
  readonly tel?: string;
  /** Time the member started waiting, epoch ms (`ADDTIME`). */
  readonly joinedAt?: number;
  readonly anonymous?: boolean;
  readonly loginType?: LoginType;
  readonly orgId?: string;
  readonly accountId?: string;
  readonly account?: string;
  readonly thirdAccount?: string;
  /** `WAITINGSTATE`: `"0"` waiting, `"1"` admitted and joining. */
  readonly waitingState?: 'waiting' | 'admitted' | 'unknown';
  readonly pinfo: Readonly<Record<string, string>>;
}

export function parseWaitingMember(pid: string, item: Raw): WaitingMember {
  const pinfo = stringMap(item['pinfoMap']);
  const waiting = str(pinfo, 'WAITINGSTATE');
  const base = compact<Omit<WaitingMember, 'pid' | 'pinfo'>>({
    name: str(pinfo, 'NAME'),
    tel: str(pinfo, 'TEL'),
    joinedAt: num(pinfo, 'ADDTIME'),
    anonymous: flag(pinfo, 'ANONYMOUS'),
    loginType: str(pinfo, ...LOGIN_TYPE_KEYS),
    orgId: str(pinfo, 'ORG_ID'),
    accountId: str(pinfo, 'ACCOUNT_ID'),
    account: str(pinfo, 'ACCOUNT'),
    thirdAccount: str(pinfo, 'THIRDACCOUNT'),
    waitingState:
      waiting === undefined
        ? undefined
        : waiting === '0'
          ? 'waiting'
          : waiting === '1'
            ? 'admitted'
            : 'unknown',
  });
  return { pid, ...base, pinfo };
}

/**
 * `pinfoMap` of online participants and waiting-room members: every value a string, keys as Huawei documents
 * them (reference §8.3, §8.9). The login-type key is sent with the tables' spelling, `CLICENT_LOGIN_TYPE`.
 */
import type { Item } from '@confpush/protocol';
import type { JoinInput } from './commands.js';

export const LOGIN_TYPE_KEY = 'CLICENT_LOGIN_TYPE';

export const flag = (on: boolean): string => (on ? '1' : '0');

export function info(item: Item | undefined): Record<string, string> {
  return (item?.['pinfoMap'] ?? {}) as Record<string, string>;
}

export interface ParticipantDefaults {
  role: '0' | '1' | '2';
  state: '0' | '1';
  muted: boolean;
  joinedAt: number;
  orgId: string;
  terminalNumber: number;
}

/** The full pinfoMap of a new online participant. */
export function participantInfo(
  pid: string,
  site: JoinInput,
  d: ParticipantDefaults,
): Record<string, string> {
  const video = site.video ?? true;
  return {
    NAME: site.name,
    TEL: site.tel ?? '',
    ROLE: d.role,
    STATE: d.state,
    HAND: '0',
    BROADCAST: '0',
    ROLLCALL: '0',
    SHARE: '0',
    ADDTIME: String(d.joinedAt),
    MUTE: flag(d.muted),
    VIDEO: flag(video),
    M: '1',
    T: String(d.terminalNumber),
    ANONYMOUS: flag(site.anonymous === true),
    LOCALREC: '0',
    [LOGIN_TYPE_KEY]: site.loginType ?? 'Desktop',
    VIEW_TYPE: '0',
    CAMERASTATE: flag(video && (site.camera ?? true)),
    ORG_ID: d.orgId,
    LOCKED_VIEW: '0',
    ACCOUNT_ID: site.accountId ?? '',
    ALLOW_CLIENT_REC: '0',
    CLIENT_REC_STATE: '0',
    CLIENT_CAPABILITIES: '1,3',
    ROLE_SWITCH_OVER: '0',
    RTC_USER_ID: pid,
    ACCOUNT: site.account ?? '',
    IS_COHOST: '0',
    IS_SVC: '1',
    THIRDACCOUNT: site.thirdAccount ?? '',
    INVITE_SHARE_STATE: '0',
  };
}

/** The pinfoMap of a waiting-room member. */
export function waitingInfo(site: JoinInput, joinedAt: number, orgId: string): Record<string, string> {
  return {
    NAME: site.name,
    TEL: site.tel ?? '',
    ADDTIME: String(joinedAt),
    ANONYMOUS: flag(site.anonymous === true),
    [LOGIN_TYPE_KEY]: site.loginType ?? 'Desktop',
    ORG_ID: orgId,
    ACCOUNT_ID: site.accountId ?? '',
    ACCOUNT: site.account ?? '',
    THIRDACCOUNT: site.thirdAccount ?? '',
    WAITINGSTATE: '0',
  };
}

/** Reconstructs the join input of a site from its pinfoMap (to admit a waiting member, or move a participant). */
export function siteOfInfo(pid: string, map: Record<string, string>): JoinInput {
  return {
    pid,
    name: map['NAME'] ?? '',
    ...(map['TEL'] ? { tel: map['TEL'] } : {}),
    ...(map['ACCOUNT_ID'] ? { accountId: map['ACCOUNT_ID'] } : {}),
    ...(map['ACCOUNT'] ? { account: map['ACCOUNT'] } : {}),
    ...(map['THIRDACCOUNT'] ? { thirdAccount: map['THIRDACCOUNT'] } : {}),
    anonymous: map['ANONYMOUS'] === '1',
    loginType: (map[LOGIN_TYPE_KEY] as JoinInput['loginType']) ?? 'Desktop',
  };
}

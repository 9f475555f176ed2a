/**
 * Huawei's `AccessTokenResponse` (with its `UserInfo`), the answer of appauth, account authentication, validate
 * and refresh. Fields confpush has no notion of are present with Huawei's neutral values.
 */
import { createHash } from 'node:crypto';
import type { AccessTokenResponse, UserInfo } from '@confpush/protocol';
import type { AccessToken, IdentityStore, User } from '../store/types.js';
import { USER_TYPE_SP_ADMIN } from './users.js';

export const REALM = 'confpush';

/** The SP a single enterprise belongs to (Huawei puts every enterprise under an SP, its own by default). */
const DEFAULT_SP_ID = 'confpush';

/** The response for `token` of `user`, its periods counted from `now`. */
export async function accessTokenResponse(
  store: IdentityStore,
  user: User,
  token: Omit<AccessToken, 'userId'>,
  clientType: number,
  now: number,
): Promise<AccessTokenResponse> {
  const secondsLeft = (until: number) => Math.max(0, Math.floor((until - now) / 1000));
  return {
    accessToken: token.token,
    tokenIp: token.tokenIp,
    validPeriod: secondsLeft(token.expiresAt),
    expireTime: Math.floor(token.expiresAt / 1000),
    createTime: token.createdAt,
    user: await userInfo(store, user),
    clientType,
    forceLoginInd: 0,
    firstLogin: false,
    pwdExpired: false,
    // Passwords never expire in confpush (pwdExpired is always false).
    daysPwdAvailable: 0,
    proxyToken: null,
    delayDelete: false,
    tokenType: 0,
    refreshToken: token.refreshToken,
    refreshValidPeriod: secondsLeft(token.refreshExpiresAt),
    refreshExpireTime: Math.floor(token.refreshExpiresAt / 1000),
    refreshCreateTime: token.createdAt,
  };
}

async function userInfo(store: IdentityStore, user: User): Promise<UserInfo> {
  const spId =
    user.userType === USER_TYPE_SP_ADMIN
      ? user.corpId
      : ((await store.getCorp(user.corpId))?.spId ?? DEFAULT_SP_ID);
  return {
    userId: user.userId,
    ucloginAccount: user.account ?? `Auto-${user.userId}`,
    serviceAccount: `sip:${user.sipNumber}@${REALM}`,
    // HA1-shaped digest of the number; confpush has no SIP registrar, so no password goes into it.
    numberHA1: createHash('md5').update(`${user.sipNumber}:${REALM}:${user.userId}`).digest('hex'),
    alias1: null,
    companyId: user.corpId,
    spId,
    companyDomain: null,
    realm: REALM,
    userType: user.userType,
    adminType: user.adminType,
    name: user.name,
    nameEn: '',
    isBindPhone: user.phone !== null,
    freeUser: false,
    thirdAccount: user.thirdAccount,
    visionAccount: null,
    headPictureUrl: null,
    password: null,
    paidAccount: null,
    paidPassword: null,
    status: 0,
    weLinkUser: false,
    appId: user.appId,
    tr069Account: null,
    corpType: 0,
    cloudUserId: '',
    grayUser: false,
  };
}

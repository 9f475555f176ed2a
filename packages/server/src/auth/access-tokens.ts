/**
 * Access tokens (`X-Access-Token`): App ID authentication, account/password authentication, validation, refresh,
 * logout, and the Huawei `AccessTokenResponse` they all answer with. Every refusal is an `DomainError`; checks come
 * before writes, so a refused call changes nothing (beyond recording a nonce whose signature was valid).
 */
import { createHash } from 'node:crypto';
import { API_CLIENT_TYPE } from '@confpush/protocol';
import type { AccessTokenVerifier, Caller } from '../api/context.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { DomainError } from '../domain/errors.js';
import { digits, hex32, token as newToken } from '../ids.js';
import type { AccessToken, App, IdentityStore, User } from '../store/types.js';
import { hashPassword, isAcceptablePassword, verifyPassword } from './passwords.js';
import { parseAppAuthorization, verifyAppAuth } from './signature.js';

export interface AccessTokensOptions {
  store: IdentityStore;
  clock: Clock;
  config: Pick<Config, 'accessTokenTtlMs'>;
}

/** Body of `POST /v2/usg/acs/auth/appauth`. Empty strings count as absent (SDKs send `""` or null). */
export interface AppAuthRequest {
  appId: string;
  clientType: number;
  expireTime: number;
  nonce: string;
  corpId?: string | undefined;
  userId?: string | undefined;
  userName?: string | undefined;
  userEmail?: string | undefined;
  userPhone?: string | undefined;
}

/** Body of `POST /v1/usg/acs/auth/account`. */
export interface AccountAuthRequest {
  account: string;
  clientType: number;
  createTokenType?: number | undefined;
}

/** Body of `POST /v1/usg/acs/token/validate`. */
export interface ValidateRequest {
  token: string;
  needGenNewToken: boolean;
}

export interface NewAccount {
  account: string;
  password: string;
  name?: string | undefined;
  email?: string | undefined;
  phone?: string | undefined;
  /** An ordinary administrator of the enterprise (adminType 1) rather than a plain user. */
  admin?: boolean | undefined;
  corpId: string;
}

/** Huawei `UserInfo`. Fields confpush has no notion of are present with Huawei's neutral values. */
export interface UserInfo {
  userId: string;
  ucloginAccount: string;
  serviceAccount: string;
  numberHA1: string;
  alias1: null;
  companyId: string;
  spId: string;
  companyDomain: null;
  realm: string;
  userType: number;
  adminType: number;
  name: string;
  nameEn: string;
  isBindPhone: boolean;
  freeUser: boolean;
  thirdAccount: string | null;
  visionAccount: null;
  headPictureUrl: null;
  password: null;
  paidAccount: null;
  paidPassword: null;
  status: number;
  weLinkUser: boolean;
  appId: string | null;
  tr069Account: null;
  corpType: number;
  cloudUserId: string;
  grayUser: boolean;
}

/** Huawei `ProxyTokenDto`; confpush has no proxy authentication server, so it is always null. */
export interface ProxyToken {
  accessToken: string;
  longAccessToken: string;
  validPeriod: number;
  middleEndUrl: string;
  middleEndInnerUrl: string;
  enableRerouting: boolean;
}

/** Huawei `AccessTokenResponse`, the answer of appauth, account auth, validate and refresh. */
export interface AccessTokenResponse {
  accessToken: string;
  tokenIp: string;
  validPeriod: number;
  expireTime: number;
  createTime: number;
  user: UserInfo;
  clientType: number;
  forceLoginInd: number;
  firstLogin: boolean;
  pwdExpired: boolean;
  daysPwdAvailable: number;
  proxyToken: ProxyToken | null;
  delayDelete: boolean;
  tokenType: number;
  refreshToken: string;
  refreshValidPeriod: number;
  refreshExpireTime: number;
  refreshCreateTime: number;
}

export const REALM = 'confpush';
/** Live tokens per user with `clientType` API_CLIENT_TYPE; any other clientType keeps one. */
export const MAX_API_TOKENS_PER_USER = 64;
/** A signature with `expireTime` 0 never expires; its nonce is remembered this long. */
export const NEVER_EXPIRING_NONCE_RETENTION_MS = 7 * 24 * 3_600_000;
export const NONCE_MIN_LENGTH = 32;
export const NONCE_MAX_LENGTH = 64;
export const ACCOUNT_MAX_LENGTH = 255;

const USER_TYPE_SP_ADMIN = 1;
const USER_TYPE_ENTERPRISE = 2;
const ADMIN_TYPE_DEFAULT = 0;
const ADMIN_TYPE_ORDINARY = 1;
const ADMIN_TYPE_NONE = 2;

/** `""`, null and undefined all mean "not given" in appauth bodies. */
function given(value: string | null | undefined): string | undefined {
  return value === undefined || value === null || value === '' ? undefined : value;
}

/** Stable user ID of an implicit administrator, so that every authentication finds the same user. */
function implicitUserId(kind: 'sp-admin' | 'corp-admin', scope: string): string {
  return createHash('sha256').update(`confpush:${kind}:${scope}`).digest('hex').slice(0, 32);
}

function sipNumber(): string {
  return `+991${digits(11)}`;
}

/** `Basic base64(account:password)`; the password may contain `:`, the account may not. */
function parseBasicAuthorization(
  header: string | undefined,
): { account: string; password: string } | undefined {
  const match = header === undefined ? null : /^\s*Basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(header);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { account: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The SP a single enterprise belongs to (Huawei puts every enterprise under an SP, its own by default). */
const DEFAULT_SP_ID = 'confpush';

export class AccessTokens implements AccessTokenVerifier {
  readonly #store: IdentityStore;
  readonly #clock: Clock;
  readonly #ttlMs: number;

  constructor(options: AccessTokensOptions) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#ttlMs = options.config.accessTokenTtlMs;
  }

  /** The caller of an `X-Access-Token` header. */
  async authenticate(header: string | undefined): Promise<Caller> {
    return this.#live(header);
  }

  /** `POST /v2/usg/acs/auth/appauth`. */
  async appAuth(
    headers: { authorization?: string | undefined },
    body: AppAuthRequest,
    ip: string,
  ): Promise<AccessTokenResponse> {
    const auth = parseAppAuthorization(headers.authorization);
    if (!auth) {
      throw new DomainError(
        'APP_AUTH_FAILED',
        'Authorization must be "HMAC-SHA256 signature=<hex>,access=<base64(appId)>"',
      );
    }
    if (body.nonce.length < NONCE_MIN_LENGTH || body.nonce.length > NONCE_MAX_LENGTH) {
      throw new DomainError('NONCE_INVALID');
    }
    const app = await this.#store.getApp(body.appId);
    if (!app) throw new DomainError('APP_AUTH_FAILED');
    if (auth.accessAppId !== undefined && auth.accessAppId !== body.appId)
      throw new DomainError('APP_AUTH_FAILED', 'access does not encode appId');
    const corpId = given(body.corpId);
    const userId = given(body.userId);
    if (app.kind === 'enterprise' && corpId !== undefined) {
      throw new DomainError('CORP_NOT_ALLOWED', 'corpId must not be sent with a single-enterprise app');
    }
    if (app.kind === 'sp' && corpId === undefined && userId !== undefined) {
      throw new DomainError('USG_INVALID_PARAMETER', 'an SP app needs corpId to authenticate a userId');
    }
    const signed = {
      appId: app.appId,
      appKey: app.appKey,
      corpId: app.kind === 'sp' ? (corpId ?? '') : undefined,
      userId,
      expireTime: body.expireTime,
      nonce: body.nonce,
    };
    if (!verifyAppAuth(signed, auth.signature)) throw new DomainError('APP_AUTH_FAILED');
    const now = this.#clock.now();
    if (body.expireTime !== 0 && Math.floor(now / 1000) > body.expireTime)
      throw new DomainError('SIGNATURE_EXPIRED');
    const spId = app.spId ?? app.appId;
    if (app.kind === 'sp' && corpId !== undefined) {
      const corp = await this.#store.getCorp(corpId);
      if (corp && corp.spId !== spId)
        throw new DomainError('CORP_NOT_ALLOWED', 'corpId is not an enterprise of this SP');
    }
    const nonceKeptUntil =
      body.expireTime === 0 ? now + NEVER_EXPIRING_NONCE_RETENTION_MS : body.expireTime * 1000;
    if (!(await this.#store.useNonce(app.appId, body.nonce, nonceKeptUntil, now))) {
      throw new DomainError('NONCE_REPLAYED');
    }

    let user: User;
    if (app.kind === 'sp' && corpId === undefined) {
      user = await this.#implicitAdmin(app, USER_TYPE_SP_ADMIN, spId);
    } else {
      const enterprise = corpId ?? app.corpId;
      if (enterprise === null) throw new Error(`enterprise app ${app.appId} has no corpId`);
      if (corpId !== undefined) await this.#ensureSpCorp(corpId, spId, now);
      user =
        userId === undefined
          ? await this.#implicitAdmin(app, USER_TYPE_ENTERPRISE, enterprise)
          : await this.#appUser(app, enterprise, userId, body);
    }
    const issued = await this.#issue(user, body.clientType, ip);
    return this.#response(user, issued, body.clientType);
  }

  /** `POST /v1/usg/acs/auth/account` with `Authorization: Basic base64(account:password)`. */
  async accountAuth(
    authorization: string | undefined,
    body: AccountAuthRequest,
    ip: string,
  ): Promise<AccessTokenResponse> {
    const credentials = parseBasicAuthorization(authorization);
    if (!credentials)
      throw new DomainError('ACCOUNT_AUTH_FAILED', 'Authorization must be "Basic base64(account:password)"');
    if (credentials.account !== body.account) {
      throw new DomainError(
        'USG_INVALID_PARAMETER',
        'the account in Authorization differs from body.account',
      );
    }
    if (!isAcceptablePassword(credentials.password)) {
      throw new DomainError('USG_INVALID_PARAMETER', 'password must be 8 to 32 characters');
    }
    const user = await this.#store.findUserByAccount(body.account);
    const matches = await verifyPassword(credentials.password, user?.passwordHash);
    if (!user || !matches) throw new DomainError('ACCOUNT_AUTH_FAILED');
    if (body.createTokenType === 1) {
      const none: Omit<AccessToken, 'userId'> = {
        token: '',
        clientType: body.clientType,
        tokenIp: ip,
        createdAt: 0,
        expiresAt: 0,
        refreshToken: '',
        refreshExpiresAt: 0,
      };
      return this.#response(user, none, body.clientType);
    }
    const issued = await this.#issue(user, body.clientType, ip);
    return this.#response(user, issued, body.clientType);
  }

  /**
   * `POST /v1/usg/acs/token/validate`. With `needGenNewToken` a new token of the same user and clientType is
   * issued; the validated one stays valid within the per-user limit of that clientType (64 for 72, else 1).
   */
  async validate(body: ValidateRequest, ip?: string): Promise<AccessTokenResponse> {
    const { user, token } = await this.#live(body.token);
    if (!body.needGenNewToken) return this.#response(user, token, token.clientType);
    const issued = await this.#issue(user, token.clientType, ip ?? token.tokenIp);
    return this.#response(user, issued, token.clientType);
  }

  /** `PUT /v1/usg/acs/token`: the same token with its (and its refresh token's) lifetime restarted. */
  async refresh(header: string | undefined): Promise<AccessTokenResponse> {
    const { user, token } = await this.#live(header);
    const now = this.#clock.now();
    const renewed: AccessToken = {
      ...token,
      expiresAt: now + this.#ttlMs,
      refreshExpiresAt: now + 2 * this.#ttlMs,
    };
    await this.#store.updateAccessToken(renewed);
    return this.#response(user, renewed, renewed.clientType);
  }

  /** `DELETE /v1/usg/acs/token`. */
  async logout(header: string | undefined): Promise<void> {
    const { token } = await this.#live(header);
    await this.#store.deleteAccessToken(token.token);
  }

  /** Creates an account/password user of `corpId` (which must exist). */
  async createAccount(input: NewAccount): Promise<User> {
    const { account, password } = input;
    if (account.length < 1 || account.length > ACCOUNT_MAX_LENGTH || account.includes(':')) {
      throw new DomainError('USG_INVALID_PARAMETER', 'account must be 1 to 255 characters without ":"');
    }
    if (!isAcceptablePassword(password))
      throw new DomainError('USG_INVALID_PARAMETER', 'password must be 8 to 32 characters');
    if (!(await this.#store.getCorp(input.corpId)))
      throw new DomainError('USG_INVALID_PARAMETER', 'unknown corpId');
    if (await this.#store.findUserByAccount(account)) throw new DomainError('ACCOUNT_EXISTS');
    const user: User = {
      userId: hex32(),
      corpId: input.corpId,
      account,
      thirdAccount: null,
      appId: null,
      passwordHash: await hashPassword(password),
      name: given(input.name) ?? account,
      email: given(input.email) ?? null,
      phone: given(input.phone) ?? null,
      sipNumber: sipNumber(),
      userType: USER_TYPE_ENTERPRISE,
      adminType: input.admin ? ADMIN_TYPE_ORDINARY : ADMIN_TYPE_NONE,
      createdAt: this.#clock.now(),
    };
    try {
      await this.#store.putUser(user);
    } catch (error) {
      // Another request created the same account between the check and the write (the account is unique).
      if (await this.#store.findUserByAccount(account)) throw new DomainError('ACCOUNT_EXISTS');
      throw error;
    }
    return user;
  }

  async #live(header: string | undefined): Promise<Caller> {
    const value = header?.trim() ?? '';
    if (value === '') throw new DomainError('ACCESS_TOKEN_INVALID', 'the access token is missing');
    const token = await this.#store.getAccessToken(value);
    if (!token || token.expiresAt <= this.#clock.now()) throw new DomainError('ACCESS_TOKEN_INVALID');
    const user = await this.#store.getUser(token.userId);
    if (!user) throw new DomainError('ACCESS_TOKEN_INVALID');
    return { user, token };
  }

  /**
   * An SP app may name any enterprise of its SP; the first authentication for an unknown corpId creates it. This
   * is a local development convenience (Huawei provisions enterprises through its SP console).
   */
  async #ensureSpCorp(corpId: string, spId: string, now: number): Promise<void> {
    if (await this.#store.getCorp(corpId)) return;
    await this.#store.putCorp({ corpId, spId, name: corpId, createdAt: now });
  }

  /**
   * The user an appauth without `userId` logs in as: the SP default admin (userType 1, scoped by the SP ID, which
   * also serves as its companyId) or an enterprise's default admin (adminType 0). Created on first use.
   */
  async #implicitAdmin(app: App, userType: number, scope: string): Promise<User> {
    const userId = implicitUserId(userType === USER_TYPE_SP_ADMIN ? 'sp-admin' : 'corp-admin', scope);
    const existing = await this.#store.getUser(userId);
    if (existing) return existing;
    await this.#store.putUser({
      userId,
      corpId: scope,
      account: null,
      thirdAccount: null,
      appId: app.appId,
      passwordHash: null,
      name: userType === USER_TYPE_SP_ADMIN ? 'SP Administrator' : 'Administrator',
      email: null,
      phone: null,
      sipNumber: sipNumber(),
      userType,
      adminType: ADMIN_TYPE_DEFAULT,
      createdAt: this.#clock.now(),
    });
    // Re-read: a concurrent first login may have written the same user ID.
    const created = await this.#store.getUser(userId);
    if (!created) throw new Error(`user ${userId} was not stored`);
    return created;
  }

  /** The App ID user `thirdAccount` of `corpId`, registered on first authentication; address-book fields updated. */
  async #appUser(app: App, corpId: string, thirdAccount: string, body: AppAuthRequest): Promise<User> {
    const name = given(body.userName);
    const email = given(body.userEmail);
    const phone = given(body.userPhone);
    const existing = await this.#store.findUserByThirdAccount(corpId, app.appId, thirdAccount);
    if (existing) {
      const updated: User = {
        ...existing,
        name: name ?? existing.name,
        email: email ?? existing.email,
        phone: phone ?? existing.phone,
      };
      const changed =
        updated.name !== existing.name ||
        updated.email !== existing.email ||
        updated.phone !== existing.phone;
      if (changed) await this.#store.putUser(updated);
      return updated;
    }
    const user: User = {
      userId: hex32(),
      corpId,
      account: null,
      thirdAccount,
      appId: app.appId,
      passwordHash: null,
      name: name ?? thirdAccount,
      email: email ?? null,
      phone: phone ?? null,
      sipNumber: sipNumber(),
      userType: USER_TYPE_ENTERPRISE,
      adminType: ADMIN_TYPE_NONE,
      createdAt: this.#clock.now(),
    };
    try {
      await this.#store.putUser(user);
      return user;
    } catch (error) {
      // A concurrent first login registered the same third-party ID (unique per corp and app).
      const raced = await this.#store.findUserByThirdAccount(corpId, app.appId, thirdAccount);
      if (raced) return raced;
      throw error;
    }
  }

  async #issue(user: User, clientType: number, ip: string): Promise<AccessToken> {
    const now = this.#clock.now();
    const issued: AccessToken = {
      token: newToken('cpt'),
      userId: user.userId,
      clientType,
      tokenIp: ip,
      createdAt: now,
      expiresAt: now + this.#ttlMs,
      refreshToken: newToken('cpr'),
      refreshExpiresAt: now + 2 * this.#ttlMs,
    };
    await this.#store.putAccessToken(issued, clientType === API_CLIENT_TYPE ? MAX_API_TOKENS_PER_USER : 1);
    return issued;
  }

  async #response(
    user: User,
    token: Omit<AccessToken, 'userId'>,
    clientType: number,
  ): Promise<AccessTokenResponse> {
    const now = this.#clock.now();
    const secondsLeft = (until: number) => Math.max(0, Math.floor((until - now) / 1000));
    return {
      accessToken: token.token,
      tokenIp: token.tokenIp,
      validPeriod: secondsLeft(token.expiresAt),
      expireTime: Math.floor(token.expiresAt / 1000),
      createTime: token.createdAt,
      user: await this.#userInfo(user),
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

  async #userInfo(user: User): Promise<UserInfo> {
    const spId =
      user.userType === USER_TYPE_SP_ADMIN
        ? user.corpId
        : ((await this.#store.getCorp(user.corpId))?.spId ?? DEFAULT_SP_ID);
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
}

/**
 * Access tokens (`X-Access-Token`): App ID authentication, account/password authentication, validation, refresh,
 * logout, and the Huawei `AccessTokenResponse` they all answer with (token-response.ts). Every refusal is an `DomainError`; checks come
 * before writes, so a refused call changes nothing (beyond recording a nonce whose signature was valid).
 */
import { API_CLIENT_TYPE, type AccessTokenResponse } from '@confpush/protocol';
import type { AccountAuthRequest, AppAuthRequest, ValidateRequest } from '@confpush/protocol';
import type { AccessTokenVerifier, Caller } from '../api/context.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { DomainError } from '../domain/errors.js';
import { token as newToken } from '../ids.js';
import type { AccessToken, IdentityStore, User } from '../store/types.js';
import { verifyPassword, isAcceptablePassword } from './passwords.js';
import { parseAppAuthorization, verifyAppAuth } from './signature.js';
import { accessTokenResponse } from './token-response.js';
import {
  appUser,
  createAccount,
  ensureSpCorp,
  given,
  implicitAdmin,
  USER_TYPE_ENTERPRISE,
  USER_TYPE_SP_ADMIN,
  type NewAccount,
  type UsersDeps,
} from './users.js';

export type { AccessTokenResponse } from '@confpush/protocol';

export interface AccessTokensOptions {
  store: IdentityStore;
  clock: Clock;
  config: Pick<Config, 'accessTokenTtlMs'>;
}

/** Live tokens per user with `clientType` API_CLIENT_TYPE; any other clientType keeps one. */
export const MAX_API_TOKENS_PER_USER = 64;
/** A signature with `expireTime` 0 never expires; its nonce is remembered this long. */
export const NEVER_EXPIRING_NONCE_RETENTION_MS = 7 * 24 * 3_600_000;
export const NONCE_MIN_LENGTH = 32;
export const NONCE_MAX_LENGTH = 64;

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

export class AccessTokens implements AccessTokenVerifier {
  readonly #store: IdentityStore;
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #users: UsersDeps;

  constructor(options: AccessTokensOptions) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#ttlMs = options.config.accessTokenTtlMs;
    this.#users = { store: options.store, clock: options.clock };
  }

  /** The caller of an `X-Access-Token` header. */
  async authenticate(header: string | undefined): Promise<Caller> {
    return this.#live(header);
  }

  /** `POST /v2/usg/acs/auth/appauth`. Empty strings in the body count as absent (SDKs send `""` or null). */
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
      user = await implicitAdmin(this.#users, app, USER_TYPE_SP_ADMIN, spId);
    } else {
      const enterprise = corpId ?? app.corpId;
      if (enterprise === null) throw new Error(`enterprise app ${app.appId} has no corpId`);
      if (corpId !== undefined) await ensureSpCorp(this.#users, corpId, spId, now);
      user =
        userId === undefined
          ? await implicitAdmin(this.#users, app, USER_TYPE_ENTERPRISE, enterprise)
          : await appUser(this.#users, app, enterprise, userId, body);
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
    return createAccount(this.#users, input);
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

  #response(
    user: User,
    token: Omit<AccessToken, 'userId'>,
    clientType: number,
  ): Promise<AccessTokenResponse> {
    return accessTokenResponse(this.#store, user, token, clientType, this.#clock.now());
  }
}

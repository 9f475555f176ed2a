/**
 * The REST token chain over `fetch`: App ID or account authentication (access token, for creating meetings),
 * the meeting-control token (host password → 30 min token, kept alive by calling again with the token), and the
 * one-time WebSocket token (1 minute, single use). Every failure is a `ConfpushApiError`.
 */
import {
  type AccessTokenResponse,
  type AccountAuthRequest,
  type AppAuthRequest,
  type TokenInfo,
  API_CLIENT_TYPE,
  appAuthAuthorization,
  base64Utf8,
  ERRORS,
  HEADERS,
  isPlainObject,
  LOGIN_TYPE_PASSWORD,
  signAppAuth as signAppAuthWith,
  toNumber,
  toStringValue,
  TOKEN_TYPE_LONG_TICKET,
  webCryptoHmacSha256Hex,
} from '@confpush/protocol';
import { randomHex } from './encoding.js';
import { ConfpushApiError } from './errors.js';

export interface AppAuthIdentity {
  appId: string;
  /** Third-party user ID; empty or absent for the enterprise (or SP) default administrator. */
  userId?: string;
  /**
   * SP (multi-tenant) apps only. When present, even as `''`, the SP signature variant is used:
   * `appId:corpId:userId:expireTime:nonce` (`''` + no user = SP administrator).
   */
  corpId?: string;
}

export interface SignAppAuthInput extends AppAuthIdentity {
  appKey: string;
  /** Unix seconds after which the signed request is refused. */
  expireTime: number;
  /** 32 to 64 characters. */
  nonce: string;
}

/**
 * The `signature=` value of App ID authentication, signed with WebCrypto: hex(HMAC-SHA256(appKey, stringToSign))
 * where stringToSign is `appId:userId:expireTime:nonce` (enterprise; `appId::expireTime:nonce` for its
 * administrator) or `appId:corpId:userId:expireTime:nonce` (SP app; `appId:::expireTime:nonce` for the SP
 * administrator). See `signAppAuth` of `@confpush/protocol`.
 */
export function signAppAuth(input: SignAppAuthInput): Promise<string> {
  return signAppAuthWith(input, webCryptoHmacSha256Hex);
}

export interface AppAuthParams
  extends AppAuthIdentity, Pick<AppAuthRequest, 'userName' | 'userEmail' | 'userPhone' | 'deptCode'> {
  appKey: string;
  /** Seconds the signed request stays valid (default 600). */
  signatureTtlSeconds?: number;
  /** Default: 48 random hex characters. */
  nonce?: string;
}

export interface AccountAuthParams {
  account: string;
  password: string;
}

/**
 * The access-token response of App ID and account authentication (Huawei `AccessTokenResponse`): `accessToken`
 * is checked, the other fields are passed on as the server sent them (a server may omit some, or add more).
 */
export type AccessToken = Pick<AccessTokenResponse, 'accessToken'> &
  Partial<Omit<AccessTokenResponse, 'accessToken'>> & { [field: string]: unknown };

/**
 * `data` of the meeting-control token response (Huawei `TokenInfo`): `token`, `wsURL` and `expireTime` are
 * checked, the other fields are passed on as the server sent them. Keep the token alive with
 * `getConfToken(id, { keepAlive: token })`.
 */
export type ConfTokenInfo = Pick<TokenInfo, 'token' | 'wsURL' | 'expireTime'> &
  Partial<Omit<TokenInfo, 'token' | 'wsURL' | 'expireTime'>> & { [field: string]: unknown };

export type ConfTokenAuth =
  | string
  | {
      /** The current control token, sent as `X-Conference-Authorization` to extend its life. */
      keepAlive: string;
      /** Also sent, so that a server whose token lapsed can authenticate again and issue a new one. */
      password?: string;
    };

export interface RestClientOptions {
  /** REST base URL, for example `https://api.meeting.huaweicloud.com` or `http://localhost:8080`. */
  baseUrl: string;
  /** `fetch` implementation; default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Abort a call after this many ms (default 15 000). */
  requestTimeoutMs?: number;
  /**
   * Aborting it aborts every call in flight (answer body included) and makes later calls fail at once, each with
   * a `NETWORK_ERROR` — for an owner that stops and must not wait for a server that stopped answering.
   */
  signal?: AbortSignal;
}

export interface JsonRequestOptions {
  headers?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
}

const CONTROL = '/v1/mmc/control/conferences';

export class RestClient {
  readonly baseUrl: string;
  readonly #fetch: typeof fetch | undefined;
  readonly #timeoutMs: number;
  readonly #signal: AbortSignal | undefined;

  constructor(options: RestClientOptions) {
    if (!options.baseUrl) throw new TypeError('RestClient: baseUrl is required');
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#fetch = options.fetch;
    this.#timeoutMs = options.requestTimeoutMs ?? 15_000;
    this.#signal = options.signal;
  }

  /** `POST /v2/usg/acs/auth/appauth`: an access token for an App ID (signed with its app key). */
  async appAuth(params: AppAuthParams): Promise<AccessToken> {
    const expireTime = Math.floor(Date.now() / 1000) + (params.signatureTtlSeconds ?? 600);
    const nonce = params.nonce ?? randomHex(48);
    const signature = await signAppAuth({ ...params, expireTime, nonce });
    const body: AppAuthRequest = {
      appId: params.appId,
      clientType: API_CLIENT_TYPE,
      expireTime,
      nonce,
    };
    if (params.userId) body.userId = params.userId;
    if (params.corpId) body.corpId = params.corpId;
    for (const field of ['userName', 'userEmail', 'userPhone', 'deptCode'] as const) {
      if (params[field] !== undefined) body[field] = params[field];
    }
    const headers = {
      Authorization: appAuthAuthorization(signature, params.appId),
      [HEADERS.tokenType]: TOKEN_TYPE_LONG_TICKET,
    };
    return accessTokenOf(await this.#call('POST', '/v2/usg/acs/auth/appauth', headers, body));
  }

  /** `POST /v1/usg/acs/auth/account`: an access token for an account and password. */
  async accountAuth(params: AccountAuthParams): Promise<AccessToken> {
    const headers = { Authorization: `Basic ${base64Utf8(`${params.account}:${params.password}`)}` };
    const body: AccountAuthRequest = { account: params.account, clientType: API_CLIENT_TYPE };
    return accessTokenOf(await this.#call('POST', '/v1/usg/acs/auth/account', headers, body));
  }

  /**
   * `GET /v1/mmc/control/conferences/token`: a meeting-control token from the host password, or (with
   * `{ keepAlive: token }`) the same token with a new expiry.
   */
  async getConfToken(conferenceID: string, auth: ConfTokenAuth): Promise<ConfTokenInfo> {
    const headers: Record<string, string> = { [HEADERS.loginType]: LOGIN_TYPE_PASSWORD };
    if (typeof auth === 'string') {
      headers[HEADERS.password] = auth;
    } else {
      headers[HEADERS.conferenceAuthorization] = auth.keepAlive;
      if (auth.password !== undefined) headers[HEADERS.password] = auth.password;
    }
    const result = await this.#call(
      'GET',
      `${CONTROL}/token?conferenceID=${encodeURIComponent(conferenceID)}`,
      headers,
    );
    const data = isPlainObject(result) ? result['data'] : undefined;
    if (!isPlainObject(data)) throw badResponse('token response has no "data" object');
    const token = toStringValue(data['token']);
    const wsURL = toStringValue(data['wsURL']);
    const expireTime = toNumber(data['expireTime']);
    if (!token || !wsURL || expireTime === undefined)
      throw badResponse('token response lacks token, wsURL or expireTime');
    const info: ConfTokenInfo = { ...data, token, wsURL, expireTime };
    const role = toNumber(data['role']);
    if (role !== undefined) info.role = role;
    const lifetime = toNumber(data['confTokenExpireTime']);
    if (lifetime !== undefined) info.confTokenExpireTime = lifetime;
    const tmpWsToken = toStringValue(data['tmpWsToken']);
    if (tmpWsToken !== undefined) info.tmpWsToken = tmpWsToken;
    const types = data['supportNotifyType'];
    if (Array.isArray(types))
      info.supportNotifyType = types.filter((t): t is string => typeof t === 'string');
    return info;
  }

  /** `GET /v1/mmc/control/conferences/wsToken`: a WebSocket token (1 minute, single use). */
  async getWsToken(conferenceID: string, controlToken: string): Promise<string> {
    const result = await this.#call(
      'GET',
      `${CONTROL}/wsToken?conferenceID=${encodeURIComponent(conferenceID)}`,
      { [HEADERS.conferenceAuthorization]: controlToken },
    );
    // Huawei Cloud answers `{webSocketToken}`; the WeLink variant wraps it in `data`.
    const holder = isPlainObject(result) && isPlainObject(result['data']) ? result['data'] : result;
    const token = isPlainObject(holder) ? toStringValue(holder['webSocketToken']) : undefined;
    if (!token) throw badResponse('wsToken response has no webSocketToken');
    return token;
  }

  /**
   * One JSON call to the server (any path, for calls the SDK has no method for): `body` is sent as JSON; resolves
   * with the parsed answer (undefined when the answer is empty), throws `ConfpushApiError` for any other status
   * than 2xx (with the Huawei-style `error_code` and `error_msg`) or when no answer arrives.
   */
  async request(method: string, path: string, options: JsonRequestOptions = {}): Promise<unknown> {
    const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
    const { body } = options;
    if (body !== undefined) headers['Content-Type'] = 'application/json; charset=UTF-8';
    const doFetch = this.#fetch ?? globalThis.fetch;
    // One controller per call, for the timeout and the client's signal: combining a long-lived signal with
    // AbortSignal.any leaks in some Node versions, and a listener removed when the call ends cannot.
    const abort = new AbortController();
    const timer = setTimeout(
      () => abort.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
      this.#timeoutMs,
    );
    const owner = this.#signal;
    const onOwnerAbort = () => abort.abort(owner?.reason);
    if (owner?.aborted) onOwnerAbort();
    else owner?.addEventListener('abort', onOwnerAbort, { once: true });
    const networkError = (cause: unknown) =>
      new ConfpushApiError({
        status: 0,
        errorCode: 'NETWORK_ERROR',
        errorMsg: cause instanceof Error ? cause.message : String(cause),
        cause,
      });
    let response: Response;
    let text: string;
    try {
      try {
        response = await doFetch(`${this.baseUrl}${path}`, {
          method,
          headers,
          body: body === undefined ? null : JSON.stringify(body),
          signal: abort.signal,
        });
      } catch (cause) {
        throw networkError(cause);
      }
      try {
        text = await response.text();
      } catch (cause) {
        // A refusal whose body was cut is still that refusal; an answer whose body was cut is no answer.
        if (response.ok) throw networkError(cause);
        text = '';
      }
    } finally {
      clearTimeout(timer);
      owner?.removeEventListener('abort', onOwnerAbort);
    }
    let parsed: unknown = undefined;
    if (text !== '') {
      try {
        parsed = JSON.parse(text) as unknown;
      } catch {
        parsed = undefined;
      }
    }
    if (!response.ok) {
      const errorCode = isPlainObject(parsed) ? toStringValue(parsed['error_code']) : undefined;
      const errorMsg = isPlainObject(parsed) ? toStringValue(parsed['error_msg']) : undefined;
      throw new ConfpushApiError({
        status: response.status,
        errorCode: errorCode ?? `HTTP_${response.status}`,
        errorMsg: errorMsg ?? (response.statusText || text.slice(0, 200)),
      });
    }
    if (parsed === undefined && text !== '')
      throw badResponse(
        `${method} ${path.split('?')[0]} answered with a body that is not JSON`,
        response.status,
      );
    return parsed;
  }

  /** A call of the token chain: its answer must be a JSON body. */
  async #call(
    method: 'GET' | 'POST',
    path: string,
    headers: Record<string, string>,
    body?: unknown,
  ): Promise<unknown> {
    const parsed = await this.request(method, path, { headers, ...(body !== undefined ? { body } : {}) });
    if (parsed === undefined)
      throw badResponse(`${method} ${path.split('?')[0]} answered without a JSON body`);
    return parsed;
  }
}

function accessTokenOf(result: unknown): AccessToken {
  if (!isPlainObject(result)) throw badResponse('auth response is not an object');
  const accessToken = toStringValue(result['accessToken']);
  if (!accessToken) throw badResponse('auth response has no accessToken');
  const token: AccessToken = { ...result, accessToken };
  for (const field of ['validPeriod', 'expireTime', 'createTime'] as const) {
    const n = toNumber(result[field]);
    if (n !== undefined) token[field] = n;
  }
  return token;
}

function badResponse(message: string, status = 200): ConfpushApiError {
  return new ConfpushApiError({ status, errorCode: 'BAD_RESPONSE', errorMsg: message });
}

/** REST error codes meaning the meeting is gone or not running: reconnecting cannot help. */
const MEETING_GONE_CODES: ReadonlySet<string> = new Set(
  Object.values(ERRORS)
    .filter((spec) => spec.advice === 'meeting-gone')
    .map((spec) => spec.code),
);

/** What a failed token-chain call means for a connection. */
export type ApiFailureAdvice =
  /** Transient (network, 5xx, 429): try again later. */
  | 'retry'
  /** The control token is no longer good: authenticate again with the password. */
  | 'refresh-token'
  /** The meeting is not running any more. */
  | 'meeting-gone'
  /** Credentials or request are wrong; retrying cannot help. */
  | 'terminal';

/** Classifies an error of a token-chain call; `usedPassword` tells whether the call authenticated with it. */
export function adviseOnApiError(err: unknown, usedPassword: boolean): ApiFailureAdvice {
  if (!(err instanceof ConfpushApiError)) return 'retry';
  const { status, errorCode } = err;
  if (status === 0 || status >= 500 || status === 429 || status === 408) return 'retry';
  if (MEETING_GONE_CODES.has(errorCode)) return 'meeting-gone';
  if (errorCode === 'BAD_RESPONSE') return 'retry';
  return usedPassword ? 'terminal' : 'refresh-token';
}

/**
 * The App ID authentication signature (Huawei `CreateAppIdToken`, `POST /v2/usg/acs/auth/appauth`):
 * `Authorization: HMAC-SHA256 signature=HexEncode(HMAC-SHA256(appKey, stringToSign)),access=base64(appId)`.
 *
 * String to sign, by identity:
 * - single-enterprise app, user             `appId:userId:expireTime:nonce`
 * - single-enterprise app, enterprise admin `appId::expireTime:nonce`
 * - SP app, SP admin                        `appId:::expireTime:nonce`
 * - SP app, enterprise admin of corp X      `appId:corpId::expireTime:nonce`
 * - SP app, user of corp X                  `appId:corpId:userId:expireTime:nonce`
 * `corpId` is part of the string exactly when the app is an SP app (an empty slot for the SP admin).
 *
 * The HMAC is injected so that this module stays browser-safe: `node:crypto` on the server, WebCrypto
 * (`webCryptoHmacSha256Hex`) in browsers. The signature's type follows the implementation's: a string from a
 * synchronous HMAC, a promise from WebCrypto.
 */
import { base64Utf8 } from './bytes.js';

/** Lower-case hex of HMAC-SHA256 keyed with the UTF-8 bytes of `key` over the UTF-8 bytes of `message`. */
export type HmacSha256Hex<R extends string | Promise<string> = string | Promise<string>> = (
  key: string,
  message: string,
) => R;

export interface AppAuthSigned {
  appId: string;
  /** SP apps only: the enterprise, `''` for the SP admin. Leave undefined for a single-enterprise app. */
  corpId?: string | undefined;
  /** Third-party user ID; empty or absent for an administrator. */
  userId?: string | undefined;
  /** Unix seconds (rendered as a whole decimal number), 0 = never expires. */
  expireTime: number;
  /** 32 to 64 characters. */
  nonce: string;
}

export interface AppAuthSignInput extends AppAuthSigned {
  /** The HMAC key. */
  appKey: string;
}

/** The authentication scheme of the `Authorization` header of App ID authentication. */
export const APP_AUTH_SCHEME = 'HMAC-SHA256';

export function appAuthStringToSign(signed: AppAuthSigned): string {
  const identity = signed.corpId === undefined ? [signed.userId ?? ''] : [signed.corpId, signed.userId ?? ''];
  return [signed.appId, ...identity, String(Math.floor(signed.expireTime)), signed.nonce].join(':');
}

/** The `signature=` value: hex HMAC-SHA256 of the string to sign, keyed with the app key. */
export function signAppAuth<R extends string | Promise<string>>(
  input: AppAuthSignInput,
  hmacSha256Hex: HmacSha256Hex<R>,
): R {
  return hmacSha256Hex(input.appKey, appAuthStringToSign(input));
}

/** The `Authorization` header value that carries `signature` for `appId`. */
export function appAuthAuthorization(signature: string, appId: string): string {
  return `${APP_AUTH_SCHEME} signature=${signature},access=${base64Utf8(appId)}`;
}

/**
 * The App ID authentication signature (Huawei `CreateAppIdToken`):
 * `Authorization: HMAC-SHA256 signature=HexEncode(HMAC-SHA256(appKey, stringToSign)),access=base64(appId)`.
 *
 * String to sign, by identity:
 * - single-enterprise app, user            `appId:userId:expireTime:nonce`
 * - single-enterprise app, enterprise admin `appId::expireTime:nonce`
 * - SP app, SP admin                        `appId:::expireTime:nonce`
 * - SP app, enterprise admin of corp X      `appId:corpId::expireTime:nonce`
 * - SP app, user of corp X                  `appId:corpId:userId:expireTime:nonce`
 * `corpId` is part of the string exactly when the app is an SP app (an empty slot for the SP admin).
 */
import { createHmac } from 'node:crypto';
import { secretEquals } from './secrets.js';

export interface AppAuthSigned {
  appId: string;
  /** SP apps only: the enterprise, `''` for the SP admin. Leave undefined for a single-enterprise app. */
  corpId?: string | undefined;
  /** Third-party user ID; empty or absent for an administrator. */
  userId?: string | undefined;
  /** Unix seconds, 0 = never expires. */
  expireTime: number;
  nonce: string;
}

export function appAuthStringToSign(signed: AppAuthSigned): string {
  const identity = signed.corpId === undefined ? [signed.userId ?? ''] : [signed.corpId, signed.userId ?? ''];
  return [signed.appId, ...identity, String(signed.expireTime), signed.nonce].join(':');
}

/** The `signature=` value: lower-case hex HMAC-SHA256 of the string to sign, keyed with the app key. */
export function signAppAuth(params: AppAuthSigned & { appKey: string }): string {
  return createHmac('sha256', params.appKey).update(appAuthStringToSign(params), 'utf8').digest('hex');
}

/** A complete `Authorization` header value for `POST /v2/usg/acs/auth/appauth`. */
export function appAuthHeader(params: AppAuthSigned & { appKey: string }): string {
  return `HMAC-SHA256 signature=${signAppAuth(params)},access=${Buffer.from(params.appId, 'utf8').toString('base64')}`;
}

/** Whether `signature` (hex, either case) is the signature of `params`. Constant time. */
export function verifyAppAuth(params: AppAuthSigned & { appKey: string }, signature: string): boolean {
  return secretEquals(signAppAuth(params), signature.toLowerCase());
}

export interface AppAuthorization {
  /** Hex digest as sent (either case). */
  signature: string;
  /** The app ID that `access` decodes to; undefined when the header has no `access` (Huawei's Python SDK omits it). */
  accessAppId: string | undefined;
}

const SCHEME = /^\s*HMAC-SHA256\s+(.+?)\s*$/i;
const HEX_SHA256 = /^[0-9a-f]{64}$/i;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Parses `HMAC-SHA256 signature=<hex>,access=<base64(appId)>`: parameters in any order, spaces allowed around
 * commas, unknown parameters ignored. Undefined when the header is absent or malformed. Huawei's docs call `access`
 * mandatory, but the official Python SDK does not send it; the signed body `appId` identifies the app either way,
 * so a missing `access` is accepted and a present one must match.
 */
export function parseAppAuthorization(header: string | undefined): AppAuthorization | undefined {
  const match = header === undefined ? null : SCHEME.exec(header);
  if (!match?.[1]) return undefined;
  const params = new Map<string, string>();
  for (const part of match[1].split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return undefined;
    const name = part.slice(0, eq).trim().toLowerCase();
    if (params.has(name)) return undefined;
    params.set(name, part.slice(eq + 1).trim());
  }
  const signature = params.get('signature');
  const access = params.get('access');
  if (signature === undefined || !HEX_SHA256.test(signature)) return undefined;
  if (access === undefined) return { signature, accessAppId: undefined };
  if (!BASE64.test(access)) return undefined;
  const accessAppId = Buffer.from(access, 'base64').toString('utf8');
  if (accessAppId === '') return undefined;
  return { signature, accessAppId };
}

/**
 * App ID authentication on the server: the node:crypto HMAC behind `signAppAuth` of `@confpush/protocol` (where the
 * string to sign and its five identity variants are defined), the constant-time check of a received signature,
 * and the parser of the `Authorization: HMAC-SHA256 signature=…,access=…` header.
 */
import { createHmac } from 'node:crypto';
import { signAppAuth, type AppAuthSignInput, type HmacSha256Hex } from '@confpush/protocol';
import { secretEquals } from './secrets.js';

/** HMAC-SHA256 on node:crypto: lower-case hex. */
export const nodeHmacSha256Hex: HmacSha256Hex<string> = (key, message) =>
  createHmac('sha256', key).update(message, 'utf8').digest('hex');

/** Whether `signature` (hex, either case) is the signature of `params`. Constant time. */
export function verifyAppAuth(params: AppAuthSignInput, signature: string): boolean {
  return secretEquals(signAppAuth(params, nodeHmacSha256Hex), signature.toLowerCase());
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

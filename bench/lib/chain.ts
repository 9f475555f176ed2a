/** The Huawei REST token chain over HTTP (fetch), as a third-party application runs it. */
import { randomBytes } from 'node:crypto';
import {
  API_CLIENT_TYPE,
  appAuthAuthorization,
  HEADERS,
  LOGIN_TYPE_PASSWORD,
  signAppAuth,
} from '@confpush/protocol';
import { nodeHmacSha256Hex } from '../../packages/server/src/auth/signature.js';

export { pushSocketUrl as pushUrl } from '@confpush/protocol';

export async function http<T = unknown>(
  base: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: unknown } = {},
): Promise<T> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const res = await fetch(`${base}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

/** App ID authentication as the enterprise administrator; returns the access token. */
export async function appAuth(base: string, appId: string, appKey: string): Promise<string> {
  const expireTime = Math.floor(Date.now() / 1000) + 3600;
  const nonce = randomBytes(24).toString('hex');
  const signature = signAppAuth({ appId, appKey, expireTime, nonce }, nodeHmacSha256Hex);
  const res = await http<{ accessToken: string }>(base, 'POST', '/v2/usg/acs/auth/appauth', {
    headers: { Authorization: appAuthAuthorization(signature, appId) },
    body: { appId, clientType: API_CLIENT_TYPE, expireTime, nonce },
  });
  return res.accessToken;
}

export interface Meeting {
  conferenceID: string;
  chairPwd: string;
}

/** An instant meeting (in progress at once). */
export async function createMeeting(base: string, accessToken: string, subject: string): Promise<Meeting> {
  const res = await http<Record<string, unknown>[]>(base, 'POST', '/v1/mmc/management/conferences', {
    headers: { [HEADERS.accessToken]: accessToken },
    body: { mediaTypes: 'HDVideo', subject },
  });
  const info = res[0]!;
  const pwds = info['passwordEntry'] as { conferenceRole: string; password: string }[];
  return {
    conferenceID: info['conferenceID'] as string,
    chairPwd: pwds.find((p) => p.conferenceRole === 'chair')!.password,
  };
}

export interface ConfTokenInfo {
  token: string;
  wsURL: string;
}

export async function confToken(
  base: string,
  conferenceID: string,
  password: string,
): Promise<ConfTokenInfo> {
  const res = await http<{ data: ConfTokenInfo }>(
    base,
    'GET',
    `/v1/mmc/control/conferences/token?conferenceID=${conferenceID}`,
    { headers: { [HEADERS.password]: password, [HEADERS.loginType]: LOGIN_TYPE_PASSWORD } },
  );
  return res.data;
}

export async function wsToken(base: string, conferenceID: string, token: string): Promise<string> {
  const res = await http<{ webSocketToken: string }>(
    base,
    'GET',
    `/v1/mmc/control/conferences/wsToken?conferenceID=${conferenceID}`,
    { headers: { [HEADERS.conferenceAuthorization]: token } },
  );
  return res.webSocketToken;
}

/** The Subscribe frame, as Huawei documents it (data as a JSON string, token as `Basic base64`). */
export function subscribeFrame(confTokenValue: string, types: readonly string[], extra: object = {}): string {
  return JSON.stringify({
    sequence: '000000000000000001702459164879',
    action: 'Subscribe',
    data: JSON.stringify({
      subscribeType: types,
      confToken: `Basic ${Buffer.from(confTokenValue).toString('base64')}`,
      ...extra,
    }),
  });
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pool<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
  return out;
}

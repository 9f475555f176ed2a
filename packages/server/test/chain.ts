/** The Huawei token chain over real HTTP, for tests. */
import { randomBytes } from 'node:crypto';
import {
  API_CLIENT_TYPE,
  appAuthAuthorization,
  HEADERS,
  LOGIN_TYPE_PASSWORD,
  pushSocketUrl,
  signAppAuth,
} from '@confpush/protocol';
import { nodeHmacSha256Hex } from '../src/auth/signature.js';
import type { TestServer } from './helpers.js';
import { PushClient } from './push-client.js';

export async function http(
  server: TestServer,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: unknown } = {},
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json;charset=UTF-8';
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  }
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text === '' ? undefined : (JSON.parse(text) as unknown),
    headers: res.headers,
  };
}

/** A signed App ID authentication request for `app` (default: as its administrator, valid for 10 minutes). */
export function signedAppAuth(
  app: { appId: string; appKey: string },
  userId = '',
): { signature: string; headers: Record<string, string>; body: Record<string, unknown> } {
  const { appId, appKey } = app;
  const expireTime = Math.floor(Date.now() / 1000) + 600;
  const nonce = randomBytes(24).toString('hex');
  const signature = signAppAuth({ appId, appKey, userId, expireTime, nonce }, nodeHmacSha256Hex);
  return {
    signature,
    headers: { Authorization: appAuthAuthorization(signature, appId) },
    body: { appId, clientType: API_CLIENT_TYPE, expireTime, nonce, ...(userId ? { userId } : {}) },
  };
}

/** App ID authentication of the server's app, as the enterprise admin or a user; returns the access token. */
export async function appAuth(server: TestServer, userId = ''): Promise<string> {
  const { headers, body } = signedAppAuth(server, userId);
  const res = await http(server, 'POST', '/v2/usg/acs/auth/appauth', { headers, body });
  if (res.status !== 200) throw new Error(`appauth failed: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { accessToken: string }).accessToken;
}

export interface CreatedMeeting {
  conferenceID: string;
  chairPwd: string;
  guestPwd: string;
  info: Record<string, unknown>;
}

export async function createMeeting(
  server: TestServer,
  accessToken: string,
  body: Record<string, unknown>,
): Promise<CreatedMeeting> {
  const res = await http(server, 'POST', '/v1/mmc/management/conferences', {
    headers: { [HEADERS.accessToken]: accessToken },
    body: { mediaTypes: 'HDVideo', ...body },
  });
  if (res.status !== 200) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
  const info = (res.body as Record<string, unknown>[])[0]!;
  const pwds = info['passwordEntry'] as { conferenceRole: string; password: string }[];
  return {
    conferenceID: info['conferenceID'] as string,
    chairPwd: pwds.find((p) => p.conferenceRole === 'chair')!.password,
    guestPwd: pwds.find((p) => p.conferenceRole === 'general')!.password,
    info,
  };
}

export async function startMeeting(
  server: TestServer,
  accessToken: string,
  meeting: CreatedMeeting,
): Promise<void> {
  const res = await http(server, 'POST', '/v1/mmc/management/conferences/start', {
    headers: { [HEADERS.accessToken]: accessToken },
    body: { conferenceID: meeting.conferenceID, password: meeting.chairPwd },
  });
  if (res.status !== 200) throw new Error(`start failed: ${res.status} ${JSON.stringify(res.body)}`);
}

export interface ConfTokenInfo {
  token: string;
  tmpWsToken: string;
  wsURL: string;
  role: number;
  expireTime: number;
  confTokenExpireTime: number;
  supportNotifyType: string[];
}

export async function confToken(
  server: TestServer,
  conferenceID: string,
  password: string,
): Promise<ConfTokenInfo> {
  const res = await http(server, 'GET', `/v1/mmc/control/conferences/token?conferenceID=${conferenceID}`, {
    headers: { [HEADERS.password]: password, [HEADERS.loginType]: LOGIN_TYPE_PASSWORD },
  });
  if (res.status !== 200) throw new Error(`conf token failed: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { data: ConfTokenInfo }).data;
}

export async function wsToken(server: TestServer, conferenceID: string, token: string): Promise<string> {
  const res = await http(server, 'GET', `/v1/mmc/control/conferences/wsToken?conferenceID=${conferenceID}`, {
    headers: { [HEADERS.conferenceAuthorization]: token },
  });
  if (res.status !== 200) throw new Error(`ws token failed: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { webSocketToken: string }).webSocketToken;
}

export { pushSocketUrl as pushUrl };

/** Control token → WebSocket token → connected socket (not yet subscribed). */
export async function openPush(
  server: TestServer,
  conferenceID: string,
  password: string,
): Promise<{ client: PushClient; conf: ConfTokenInfo }> {
  const conf = await confToken(server, conferenceID, password);
  const tmp = await wsToken(server, conferenceID, conf.token);
  const client = await PushClient.connect(pushSocketUrl(conf.wsURL, conferenceID, tmp));
  return { client, conf };
}

/** A created and started meeting with its host's access token. */
export async function runningMeeting(
  server: TestServer,
  body: Record<string, unknown> = {},
): Promise<CreatedMeeting & { accessToken: string }> {
  const accessToken = await appAuth(server);
  const meeting = await createMeeting(server, accessToken, { subject: 'test meeting', ...body });
  if (meeting.info['conferenceState'] !== 'Created') await startMeeting(server, accessToken, meeting);
  return { ...meeting, accessToken };
}

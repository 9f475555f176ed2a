/** The Huawei token chain over real HTTP, for tests. */
import { createHmac, randomBytes } from 'node:crypto';
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

/** App ID authentication of the server's app, as the enterprise admin or a user; returns the access token. */
export async function appAuth(server: TestServer, userId = ''): Promise<string> {
  const expireTime = Math.floor(Date.now() / 1000) + 600;
  const nonce = randomBytes(24).toString('hex');
  const signature = createHmac('sha256', server.appKey)
    .update(`${server.appId}:${userId}:${expireTime}:${nonce}`)
    .digest('hex');
  const res = await http(server, 'POST', '/v2/usg/acs/auth/appauth', {
    headers: {
      Authorization: `HMAC-SHA256 signature=${signature},access=${Buffer.from(server.appId).toString('base64')}`,
    },
    body: { appId: server.appId, clientType: 72, expireTime, nonce, ...(userId ? { userId } : {}) },
  });
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
    headers: { 'X-Access-Token': accessToken },
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
    headers: { 'X-Access-Token': accessToken },
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
    headers: { 'X-Password': password, 'X-Login-Type': '1' },
  });
  if (res.status !== 200) throw new Error(`conf token failed: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { data: ConfTokenInfo }).data;
}

export async function wsToken(server: TestServer, conferenceID: string, token: string): Promise<string> {
  const res = await http(server, 'GET', `/v1/mmc/control/conferences/wsToken?conferenceID=${conferenceID}`, {
    headers: { 'X-Conference-Authorization': token },
  });
  if (res.status !== 200) throw new Error(`ws token failed: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { webSocketToken: string }).webSocketToken;
}

export function pushUrl(wsURL: string, conferenceID: string, tmpToken: string): string {
  return `${wsURL}/cms/open/websocket/confctl/increment/conn?confID=${conferenceID}&tmpToken=${tmpToken}`;
}

/** Control token → WebSocket token → connected socket (not yet subscribed). */
export async function openPush(
  server: TestServer,
  conferenceID: string,
  password: string,
): Promise<{ client: PushClient; conf: ConfTokenInfo }> {
  const conf = await confToken(server, conferenceID, password);
  const tmp = await wsToken(server, conferenceID, conf.token);
  const client = await PushClient.connect(pushUrl(conf.wsURL, conferenceID, tmp));
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

/**
 * A small HTTP client of a confpush node (global `fetch`), written from the published API alone so that the
 * scenario runner works against any node: App ID authentication, meetings, the control token chain, the
 * Huawei control calls the host makes, and confpush's media-plane API.
 */
import { createHmac, randomBytes } from 'node:crypto';

/** A refused call: HTTP status and the Huawei-style error body. */
export class ApiCallError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly errorCode: string,
    errorMsg: string,
  ) {
    super(`${method} ${path.split('?')[0] ?? path} → ${status} ${errorCode} ${errorMsg}`.trim());
    this.name = 'ApiCallError';
  }
}

export interface CreatedMeeting {
  conferenceID: string;
  hostPassword: string;
  guestPassword: string;
  state: string;
}

export interface ControlToken {
  token: string;
  wsURL: string;
}

const REQUEST_TIMEOUT_MS = 15_000;

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

export class ConfpushApi {
  readonly baseUrl: string;
  readonly #headers: Record<string, string>;

  /** `headers` go with every call (the demo marks its own requests with them). */
  constructor(baseUrl: string, headers: Record<string, string> = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.#headers = headers;
  }

  /** One call; resolves with the parsed body of a 2xx answer, throws ApiCallError otherwise. */
  async call(
    method: string,
    path: string,
    options: { headers?: Record<string, string>; body?: unknown } = {},
  ): Promise<unknown> {
    const headers: Record<string, string> = { ...this.#headers, ...options.headers };
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json;charset=UTF-8';
      body = JSON.stringify(options.body);
    }
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      ...(body !== undefined ? { body } : {}),
    });
    const raw = await res.text();
    let parsed: unknown = undefined;
    if (raw !== '') {
      try {
        parsed = JSON.parse(raw) as unknown;
      } catch {
        parsed = raw;
      }
    }
    if (res.status < 200 || res.status > 299) {
      const err = record(parsed);
      throw new ApiCallError(method, path, res.status, text(err['error_code']), text(err['error_msg']));
    }
    return parsed;
  }

  /**
   * App ID authentication as the enterprise administrator:
   * `HMAC-SHA256 signature=hex(HMAC-SHA256(appKey, appId + "::" + expireTime + ":" + nonce)),access=base64(appId)`.
   */
  async appAuth(appId: string, appKey: string): Promise<string> {
    const expireTime = Math.floor(Date.now() / 1000) + 600;
    const nonce = randomBytes(16).toString('hex');
    const signature = createHmac('sha256', appKey)
      .update(`${appId}::${expireTime}:${nonce}`, 'utf8')
      .digest('hex');
    const access = Buffer.from(appId, 'utf8').toString('base64');
    const body = await this.call('POST', '/v2/usg/acs/auth/appauth', {
      headers: { Authorization: `HMAC-SHA256 signature=${signature},access=${access}` },
      body: { appId, clientType: 72, expireTime, nonce },
    });
    const token = text(record(body)['accessToken']);
    if (token === '') throw new Error('appauth answered without an accessToken');
    return token;
  }

  /** Creates an instant meeting (in progress at once; started explicitly if the node says otherwise). */
  async createMeeting(accessToken: string, subject: string, lengthMinutes: number): Promise<CreatedMeeting> {
    const body = await this.call('POST', '/v1/mmc/management/conferences', {
      headers: { 'X-Access-Token': accessToken },
      body: { subject, mediaTypes: 'HDVideo', length: lengthMinutes },
    });
    const info = record(Array.isArray(body) ? body[0] : body);
    const entries = Array.isArray(info['passwordEntry']) ? info['passwordEntry'].map(record) : [];
    const pwd = (role: string) => text(entries.find((e) => e['conferenceRole'] === role)?.['password']);
    const meeting: CreatedMeeting = {
      conferenceID: text(info['conferenceID']),
      hostPassword: pwd('chair'),
      guestPassword: pwd('general'),
      state: text(info['conferenceState']),
    };
    if (meeting.conferenceID === '' || meeting.hostPassword === '') {
      throw new Error('meeting creation answered without conferenceID or host password');
    }
    if (meeting.state !== 'Created') {
      await this.call('POST', '/v1/mmc/management/conferences/start', {
        headers: { 'X-Access-Token': accessToken },
        body: { conferenceID: meeting.conferenceID, password: meeting.hostPassword },
      });
      meeting.state = 'Created';
    }
    return meeting;
  }

  /** A meeting-control token from the host password, or the same token kept alive. */
  async controlToken(
    conferenceID: string,
    auth: { password: string } | { token: string },
  ): Promise<ControlToken> {
    const headers: Record<string, string> =
      'password' in auth
        ? { 'X-Password': auth.password, 'X-Login-Type': '1' }
        : { 'X-Conference-Authorization': auth.token };
    const body = await this.call(
      'GET',
      `/v1/mmc/control/conferences/token?conferenceID=${enc(conferenceID)}`,
      {
        headers,
      },
    );
    const data = record(record(body)['data']);
    return { token: text(data['token']), wsURL: text(data['wsURL']) };
  }

  async webSocketToken(conferenceID: string, controlToken: string): Promise<string> {
    const body = await this.call(
      'GET',
      `/v1/mmc/control/conferences/wsToken?conferenceID=${enc(conferenceID)}`,
      { headers: { 'X-Conference-Authorization': controlToken } },
    );
    return text(record(body)['webSocketToken']);
  }

  /** A Huawei meeting-control call (`/v1/mmc/control/conferences/<path>`) with the control token. */
  control(
    method: string,
    conferenceID: string,
    controlToken: string,
    path: string,
    body?: unknown,
  ): Promise<unknown> {
    const sep = path.includes('?') ? '&' : '?';
    return this.call(method, `/v1/mmc/control/conferences/${path}${sep}conferenceID=${enc(conferenceID)}`, {
      headers: { 'X-Conference-Authorization': controlToken },
      ...(body !== undefined ? { body } : {}),
    });
  }

  /** A media-plane call (`/confpush/v1/media/conferences/<id>/<path>`) with the access token. */
  media(
    method: string,
    conferenceID: string,
    accessToken: string,
    path: string,
    body?: unknown,
  ): Promise<unknown> {
    return this.call(method, `/confpush/v1/media/conferences/${enc(conferenceID)}/${path}`, {
      headers: { 'X-Access-Token': accessToken },
      ...(body !== undefined ? { body } : {}),
    });
  }
}

export function enc(value: string): string {
  return encodeURIComponent(value);
}

export function readJoinAnswer(body: unknown): { pid: string; waiting: boolean } {
  const r = record(body);
  return { pid: text(r['pid']), waiting: r['waiting'] === true };
}

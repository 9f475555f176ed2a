/**
 * The REST calls of the console beyond the SDK's token chain: meetings (`X-Access-Token`) and meeting control
 * (`X-Conference-Authorization`, the control token the live session holds). Failures are `ConfpushApiError`s.
 */
import { ConfpushApiError } from '@confpush/client';
import { HEADERS } from '@confpush/protocol';

const MANAGEMENT = '/v1/mmc/management/conferences';
const CONTROL = '/v1/mmc/control/conferences';

/** `error_code` of an access token that is missing, unknown or expired. */
export const ACCESS_TOKEN_INVALID = 'USG.201040006';

/** REST codes meaning the meeting is not running (not started, ended, unknown). */
export const NOT_RUNNING_CODES: ReadonlySet<string> = new Set([
  'MMC.111070005',
  'MMC.111070011',
  'MMC.111072005',
]);

/** The `ConferenceInfo` fields the console shows. */
export interface ConferenceSummary {
  conferenceID: string;
  subject?: string;
  startTime?: string;
  endTime?: string;
  conferenceState?: string;
  confType?: string;
  scheduserName?: string;
  /** The scheduler's user ID; a relay's mirrored meetings are owned by `confpush-relay` (docs/relay.md). */
  userUUID?: string;
  size?: number;
  passwordEntry?: { conferenceRole: string; password: string }[];
}

export interface MeetingList {
  count: number;
  data: ConferenceSummary[];
}

export interface CreateMeetingInput {
  subject: string;
  /** UTC `yyyy-MM-dd HH:mm`; absent for an instant meeting. */
  startTime?: string;
  /** Minutes. */
  length?: number;
  attendees: { name: string; phone: string }[];
}

export async function call(
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<unknown> {
  const init: RequestInit = { method, headers: { Accept: 'application/json', ...headers } };
  if (body !== undefined) {
    init.headers = { ...init.headers, 'Content-Type': 'application/json; charset=UTF-8' };
    init.body = JSON.stringify(body);
  }
  let response: Response;
  try {
    response = await fetch(path, { ...init, signal: AbortSignal.timeout(15_000) });
  } catch (cause) {
    const errorMsg = cause instanceof Error ? cause.message : String(cause);
    throw new ConfpushApiError({ status: 0, errorCode: 'NETWORK_ERROR', errorMsg, cause });
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    const error = (parsed ?? {}) as { error_code?: unknown; error_msg?: unknown };
    throw new ConfpushApiError({
      status: response.status,
      errorCode: typeof error.error_code === 'string' ? error.error_code : `HTTP_${response.status}`,
      errorMsg: typeof error.error_msg === 'string' ? error.error_msg : response.statusText,
    });
  }
  return parsed;
}

export function chairPasswordOf(info: ConferenceSummary): string | undefined {
  return info.passwordEntry?.find((p) => p.conferenceRole === 'chair')?.password;
}

/** `GET /v1/mmc/management/conferences`: meetings not ended (an administrator sees the enterprise's). */
export async function listMeetings(accessToken: string): Promise<MeetingList> {
  const result = (await call('GET', `${MANAGEMENT}?offset=0&limit=200&queryAll=true`, {
    [HEADERS.accessToken]: accessToken,
  })) as Partial<MeetingList> | undefined;
  return { count: result?.count ?? 0, data: Array.isArray(result?.data) ? result.data : [] };
}

/** `POST /v1/mmc/management/conferences`: an instant or scheduled meeting. */
export async function createMeeting(
  accessToken: string,
  input: CreateMeetingInput,
): Promise<ConferenceSummary> {
  const body: Record<string, unknown> = { mediaTypes: 'HDVideo', subject: input.subject };
  if (input.startTime) body['startTime'] = input.startTime;
  if (input.length) body['length'] = input.length;
  if (input.attendees.length > 0) body['attendees'] = input.attendees.map((a) => ({ ...a, type: 'normal' }));
  const result = await call('POST', MANAGEMENT, { [HEADERS.accessToken]: accessToken }, body);
  const info = Array.isArray(result) ? (result[0] as ConferenceSummary | undefined) : undefined;
  if (!info?.conferenceID) {
    throw new ConfpushApiError({
      status: 200,
      errorCode: 'BAD_RESPONSE',
      errorMsg: 'no meeting in the answer',
    });
  }
  return info;
}

/** `POST /v1/mmc/management/conferences/start` with the host password. */
export async function startMeeting(
  accessToken: string,
  conferenceID: string,
  password: string,
): Promise<void> {
  await call(
    'POST',
    `${MANAGEMENT}/start`,
    { [HEADERS.accessToken]: accessToken },
    { conferenceID, password },
  );
}

/** Meeting control with the live session's control token (read at each call: the SDK renews it). */
export class MeetingControl {
  readonly #conferenceID: string;
  readonly #token: () => string | undefined;

  constructor(conferenceID: string, token: () => string | undefined) {
    this.#conferenceID = conferenceID;
    this.#token = token;
  }

  mute(pid: string, mute: boolean): Promise<unknown> {
    return this.#call('PUT', '/participants/mute', { isMute: mute ? 1 : 0 }, pid);
  }

  hangUp(pid: string): Promise<unknown> {
    return this.#call('POST', '/participants/delete', { bulkHangUpParticipants: [pid] });
  }

  invite(name: string, phone: string): Promise<unknown> {
    return this.#call('POST', '/participants', { attendees: [{ name, phone, type: 'normal' }] });
  }

  lock(locked: boolean): Promise<unknown> {
    return this.#call('PUT', '/lock', { isLock: locked ? 1 : 0 });
  }

  muteAll(mute: boolean): Promise<unknown> {
    return this.#call('PUT', '/mute', { isMute: mute ? 1 : 0 });
  }

  admit(pid: string | 'all'): Promise<unknown> {
    return this.#call(
      'PUT',
      '/allowWaitingParticipant',
      pid === 'all' ? { allowAll: 1 } : { participantID: pid },
    );
  }

  #call(method: 'PUT' | 'POST', path: string, body: unknown, participantID?: string): Promise<unknown> {
    const token = this.#token();
    if (!token) {
      const errorMsg = 'not connected to the meeting yet';
      return Promise.reject(new ConfpushApiError({ status: 0, errorCode: 'NOT_CONNECTED', errorMsg }));
    }
    let query = `conferenceID=${encodeURIComponent(this.#conferenceID)}`;
    if (participantID !== undefined) query += `&participantID=${encodeURIComponent(participantID)}`;
    return call(method, `${CONTROL}${path}?${query}`, { [HEADERS.conferenceAuthorization]: token }, body);
  }
}

/** A message for people: the Huawei `error_msg` and code, or the error's message. */
export function describeError(error: unknown): string {
  if (error instanceof ConfpushApiError) {
    if (error.status === 0) return `The server could not be reached (${error.errorMsg}).`;
    return `${error.errorMsg || 'Request failed'} (${error.errorCode})`;
  }
  return error instanceof Error ? error.message : String(error);
}

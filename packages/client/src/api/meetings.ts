/**
 * Meeting management with an access token (App ID or account authentication): create a meeting, start it.
 * Huawei's `/v1/mmc/management/conferences` calls; every failure is a `ConfpushApiError`.
 */
import {
  HEADERS,
  isPlainObject,
  toStringValue,
  type RestScheduleConf,
  type StartRequest,
} from '@confpush/protocol';
import { ConfpushApiError } from '../errors.js';
import type { RestClient } from '../rest.js';

const MANAGEMENT = '/v1/mmc/management/conferences';

/**
 * The body of `POST /v1/mmc/management/conferences` (Huawei `RestScheduleConfDTO`; fields beyond the documented
 * ones pass through).
 */
export type CreateMeetingBody = RestScheduleConf & { [field: string]: unknown };

/** What the SDK reads of a created meeting (`ConferenceInfo`); the whole answer is in `info`. */
export interface CreatedMeeting {
  conferenceID: string;
  /** The chair's password (`passwordEntry` of role `chair`). */
  hostPassword: string;
  /** The guests' password (`passwordEntry` of role `general`), when the meeting has one. */
  guestPassword: string | undefined;
  /** `conferenceState`: `Schedule`, `Created` (in progress) … */
  state: string;
  info: Readonly<Record<string, unknown>>;
}

export class MeetingManagement {
  readonly #rest: RestClient;
  readonly #accessToken: () => string;

  /** `accessToken`: the token, or a function returning the current one (when it is renewed). */
  constructor(rest: RestClient, accessToken: string | (() => string)) {
    this.#rest = rest;
    this.#accessToken = typeof accessToken === 'string' ? () => accessToken : accessToken;
  }

  /** `POST /v1/mmc/management/conferences`. */
  async create(body: CreateMeetingBody): Promise<CreatedMeeting> {
    const answer = await this.#rest.request('POST', MANAGEMENT, { headers: this.#headers(), body });
    const info = Array.isArray(answer) ? (answer[0] as unknown) : answer;
    if (!isPlainObject(info)) throw badAnswer('meeting creation answered without a ConferenceInfo');
    const entries = Array.isArray(info['passwordEntry']) ? info['passwordEntry'].filter(isPlainObject) : [];
    const password = (role: string) =>
      toStringValue(entries.find((e) => e['conferenceRole'] === role)?.['password']);
    const conferenceID = toStringValue(info['conferenceID']);
    const hostPassword = password('chair');
    if (!conferenceID || !hostPassword)
      throw badAnswer('meeting creation answered without conferenceID or host password');
    return {
      conferenceID,
      hostPassword,
      guestPassword: password('general'),
      state: toStringValue(info['conferenceState']) ?? '',
      info,
    };
  }

  /** `POST /v1/mmc/management/conferences/start`: starts a scheduled meeting with its host password. */
  async start(conferenceID: string, hostPassword: string): Promise<void> {
    await this.#rest.request('POST', `${MANAGEMENT}/start`, {
      headers: this.#headers(),
      body: { conferenceID, password: hostPassword } satisfies StartRequest,
    });
  }

  #headers(): Record<string, string> {
    return { [HEADERS.accessToken]: this.#accessToken() };
  }
}

function badAnswer(message: string): ConfpushApiError {
  return new ConfpushApiError({ status: 200, errorCode: 'BAD_RESPONSE', errorMsg: message });
}

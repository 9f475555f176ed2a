/**
 * Huawei meeting control over REST (`/v1/mmc/control/conferences/…?conferenceID=…`) with the meeting-control
 * token in `X-Conference-Authorization`. Every failure is a `ConfpushApiError`.
 */
import {
  HEADERS,
  type AllowWaitingRequest,
  type DeleteAttendeesRequest,
  type InviteAttendee,
  type InviteRequest,
  type LockRequest,
  type MuteAllRequest,
} from '@confpush/protocol';
import type { RestClient } from '../rest.js';

const CONTROL = '/v1/mmc/control/conferences';

/** An invited site (Huawei `Attendee`): `name`, `phone` and `type` are required. */
export type InvitedAttendee = InviteAttendee;

export class MeetingControl {
  readonly conferenceID: string;
  readonly #rest: RestClient;
  readonly #token: () => string;

  /**
   * `controlToken`: the meeting-control token, or a function returning the current one (for example
   * `() => connection.controlToken!.token`, kept alive by a `PushConnection`).
   */
  constructor(rest: RestClient, conferenceID: string, controlToken: string | (() => string)) {
    this.#rest = rest;
    this.conferenceID = conferenceID;
    this.#token = typeof controlToken === 'string' ? () => controlToken : controlToken;
  }

  /** Any control call: `method` on `/v1/mmc/control/conferences/<path>?conferenceID=…` with a JSON `body`. */
  call(method: string, path: string, body?: unknown): Promise<unknown> {
    const sep = path.includes('?') ? '&' : '?';
    return this.#rest.request(
      method,
      `${CONTROL}/${path}${sep}conferenceID=${encodeURIComponent(this.conferenceID)}`,
      {
        headers: { [HEADERS.conferenceAuthorization]: this.#token() },
        ...(body !== undefined ? { body } : {}),
      },
    );
  }

  /** `POST participants`: invites sites into the meeting (they are called). */
  async invite(attendees: readonly InvitedAttendee[]): Promise<void> {
    await this.call('POST', 'participants', { attendees: [...attendees] } satisfies InviteRequest);
  }

  /** `POST attendees/delete`: removes sites, by number, from the attendee list. */
  async deleteAttendees(numbers: readonly string[]): Promise<void> {
    await this.call('POST', 'attendees/delete', {
      bulkDelAttendInfo: numbers.map((number) => ({ number })),
    } satisfies DeleteAttendeesRequest);
  }

  /** `PUT allowWaitingParticipant`: admits a site from the waiting room. */
  async allowWaitingParticipant(participantID: string): Promise<void> {
    await this.call('PUT', 'allowWaitingParticipant', { participantID } satisfies AllowWaitingRequest);
  }

  /** `PUT lock`: locks (`true`) or unlocks the meeting. */
  async lock(locked: boolean): Promise<void> {
    await this.call('PUT', 'lock', { isLock: locked ? 1 : 0 } satisfies LockRequest);
  }

  /** `PUT mute`: mutes (`true`) or unmutes every participant. */
  async muteAll(muted: boolean): Promise<void> {
    await this.call('PUT', 'mute', { isMute: muted ? 1 : 0 } satisfies MuteAllRequest);
  }
}

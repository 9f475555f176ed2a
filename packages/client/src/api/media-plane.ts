/**
 * confpush's media-plane API (`/confpush/v1/media/conferences/<id>/…`, an access token in `X-Access-Token`): what
 * a media plane reports of a meeting — sites join and leave, speak, mute, raise hands, share, turn the camera,
 * report network quality, produce captions. The server turns each call into pushed changes. Not a Huawei API:
 * only confpush serves it (docs/rest-api.md). Every failure is a `ConfpushApiError`.
 */
import {
  HEADERS,
  isPlainObject,
  type CaptionReport,
  type JoinAnswer,
  type JoiningSite,
  type LeaveReason,
  type NetQualityReport,
  type VolumeSample,
} from '@confpush/protocol';
import type { RestClient } from '../rest.js';

/** The bodies and answers, defined once with the server's schemas (`@confpush/protocol`, rest/media.ts). */
export type { CaptionReport, JoinAnswer, JoiningSite, LeaveReason, NetQualityReport, VolumeSample };

const MEDIA = '/confpush/v1/media/conferences';

export class MediaPlane {
  readonly conferenceID: string;
  readonly #rest: RestClient;
  readonly #accessToken: () => string;

  /** `accessToken`: the token, or a function returning the current one (when it is renewed). */
  constructor(rest: RestClient, conferenceID: string, accessToken: string | (() => string)) {
    this.#rest = rest;
    this.conferenceID = conferenceID;
    this.#accessToken = typeof accessToken === 'string' ? () => accessToken : accessToken;
  }

  /** Any media-plane call: `method` on `…/conferences/<id>/<path>` with a JSON `body`. */
  call(method: string, path: string, body?: unknown): Promise<unknown> {
    return this.#rest.request(method, `${MEDIA}/${encodeURIComponent(this.conferenceID)}/${path}`, {
      headers: { [HEADERS.accessToken]: this.#accessToken() },
      ...(body !== undefined ? { body } : {}),
    });
  }

  /** A site joins by itself: into the meeting, or its waiting room. */
  async join(site: JoiningSite): Promise<JoinAnswer> {
    const answer = await this.call('POST', 'participants', site);
    const pid = isPlainObject(answer) ? answer['pid'] : undefined;
    if (typeof pid !== 'string') throw new TypeError('the join answer has no pid');
    return { pid, waiting: isPlainObject(answer) && answer['waiting'] === true };
  }

  /** A site leaves (with one of the documented leave reasons; default 11076010, left by itself), or leaves the waiting room. */
  async leave(pid: string, reason?: LeaveReason): Promise<void> {
    await this.call('POST', `${site(pid)}/leave`, reason === undefined ? {} : { reason });
  }

  /** Speaking volumes; the server derives the top speakers. */
  async reportVolumes(samples: readonly VolumeSample[]): Promise<void> {
    await this.call('POST', 'volumes', { samples });
  }

  async reportNetQuality(reports: readonly NetQualityReport[]): Promise<void> {
    await this.call('POST', 'net-quality', { reports });
  }

  /** A caption (live captions must be on). */
  async caption(caption: CaptionReport): Promise<void> {
    await this.call('POST', 'captions', caption);
  }

  async setMute(pid: string, mute: boolean): Promise<void> {
    await this.call('PUT', `${site(pid)}/mute`, { mute });
  }

  async setHand(pid: string, raised: boolean): Promise<void> {
    await this.call('PUT', `${site(pid)}/hand`, { raised });
  }

  async setShare(pid: string, sharing: boolean): Promise<void> {
    await this.call('PUT', `${site(pid)}/share`, { sharing });
  }

  async setCamera(pid: string, on: boolean): Promise<void> {
    await this.call('PUT', `${site(pid)}/camera`, { on });
  }
}

function site(pid: string): string {
  return `participants/${encodeURIComponent(pid)}`;
}

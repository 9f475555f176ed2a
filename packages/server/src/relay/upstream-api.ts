/**
 * The relay's management calls to the upstream (Huawei Cloud Meeting, or anything that speaks its API): App ID
 * authentication as an enterprise administrator (through the SDK, which signs it the one documented way), the list
 * of meetings in progress, a meeting's details (with its host password), and any call forwarded as is.
 */
import { ConfpushApiError, RestClient } from '@confpush/client';
import { HEADERS, isPlainObject, toNumber, toStringValue } from '@confpush/protocol';
import type { Clock } from '../clock.js';

const MANAGEMENT = '/v1/mmc/management/conferences';
/** Largest page of the online list (Huawei: `limit` ≤ 500). */
const PAGE = 500;
/** Renew the access token this long before it expires. */
const ACCESS_MARGIN_MS = 60_000;

export interface UpstreamApiOptions {
  baseUrl: string;
  appId: string;
  appKey: string;
  clock: Clock;
  fetch?: typeof fetch;
}

/** The upstream refused the relay's App ID credential (wrong or revoked): retrying the same cannot help. */
export class UpstreamAuthError extends Error {
  override readonly name = 'UpstreamAuthError';
  constructor(override readonly cause: ConfpushApiError) {
    super(`upstream refused the App ID credential: ${cause.status} ${cause.errorCode} ${cause.errorMsg}`);
  }
}

/** What the relay reads of an upstream meeting's details (`ConferenceInfo`, kept whole in `info`). */
export interface UpstreamMeeting {
  conferenceID: string;
  hostPassword: string;
  info: Record<string, unknown>;
}

export class UpstreamApi {
  readonly rest: RestClient;
  readonly #o: UpstreamApiOptions;
  #access: { token: string; renewAt: number } | undefined;
  readonly #closed = new AbortController();

  constructor(options: UpstreamApiOptions) {
    this.#o = options;
    this.rest = new RestClient({
      baseUrl: options.baseUrl,
      signal: this.#closed.signal,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  }

  /**
   * Aborts every upstream call in flight and refuses later ones, so that a stopping node does not wait for an
   * upstream that stopped answering (a call otherwise gives up only after its 15 s timeout).
   */
  close(): void {
    this.#closed.abort(new Error('the relay is stopping'));
  }

  /** The current access token, authenticating when there is none or it is about to expire. */
  async accessToken(): Promise<string> {
    const now = this.#o.clock.now();
    if (this.#access && this.#access.renewAt > now) return this.#access.token;
    this.#access = undefined;
    let answer;
    try {
      answer = await this.rest.appAuth({ appId: this.#o.appId, appKey: this.#o.appKey });
    } catch (error) {
      if (
        error instanceof ConfpushApiError &&
        error.status >= 400 &&
        error.status < 500 &&
        error.status !== 429
      )
        throw new UpstreamAuthError(error);
      throw error;
    }
    const lifetimeMs = (answer.validPeriod ?? 3600) * 1000;
    const renewAt = now + Math.max(lifetimeMs / 2, lifetimeMs - ACCESS_MARGIN_MS);
    this.#access = { token: answer.accessToken, renewAt };
    return answer.accessToken;
  }

  /** Conference IDs of every meeting of the enterprise in progress. */
  async onlineMeetings(): Promise<string[]> {
    const ids: string[] = [];
    for (let offset = 0; ; offset += PAGE) {
      const page = await this.#managed(
        'GET',
        `${MANAGEMENT}/online?queryAll=true&offset=${offset}&limit=${PAGE}`,
      );
      const data = isPlainObject(page) && Array.isArray(page['data']) ? page['data'] : [];
      for (const info of data) {
        const id = isPlainObject(info) ? toStringValue(info['conferenceID']) : undefined;
        if (id) ids.push(id);
      }
      const count = isPlainObject(page) ? (toNumber(page['count']) ?? 0) : 0;
      if (data.length < PAGE || offset + PAGE >= count) return ids;
    }
  }

  /** A meeting's details, with the host password the relay follows it with. */
  async meeting(conferenceID: string): Promise<UpstreamMeeting> {
    const answer = await this.#managed(
      'GET',
      `${MANAGEMENT}/confDetail?conferenceID=${encodeURIComponent(conferenceID)}&limit=1`,
    );
    const info = isPlainObject(answer) ? answer['conferenceData'] : undefined;
    if (!isPlainObject(info)) throw new Error(`upstream details of ${conferenceID} have no conferenceData`);
    const entries = Array.isArray(info['passwordEntry']) ? info['passwordEntry'].filter(isPlainObject) : [];
    const hostPassword = toStringValue(entries.find((e) => e['conferenceRole'] === 'chair')?.['password']);
    if (!hostPassword)
      throw new Error(
        `upstream details of ${conferenceID} carry no host password (is the App ID an administrator?)`,
      );
    return { conferenceID, hostPassword, info };
  }

  /** A management call with the access token; a token the upstream no longer knows is renewed once. */
  async #managed(method: string, path: string, body?: unknown): Promise<unknown> {
    const call = async () =>
      this.rest.request(method, path, {
        headers: { [HEADERS.accessToken]: await this.accessToken() },
        ...(body !== undefined ? { body } : {}),
      });
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof ConfpushApiError) || error.status !== 401) throw error;
      this.#access = undefined;
      return call();
    }
  }
}

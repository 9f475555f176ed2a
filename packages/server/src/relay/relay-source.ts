/**
 * The relay in front of Huawei Cloud Meeting, as a source (src/sources/source.ts): it finds the meetings to follow
 * (the configured list, or every meeting of the enterprise in progress, read every `upstreamPollMs`), keeps one
 * follower per meeting, forwards control calls of mirrored meetings upstream (REST, forward.ts, and the socket's
 * `ConfControl`), and reports its state (`/readyz`, `/metrics`, `GET /confpush/v1/relay/status`). Built by
 * sources/builtin.ts only when `upstreamUrl` is set.
 *
 * In a cluster, one node follows each meeting (a lease in Redis, lease.ts); any node forwards control calls.
 *
 * A refused App ID credential is logged once (and once more when it works again) and makes the node not ready;
 * the relay keeps trying at the poll interval, and meetings already followed keep being followed (their control
 * tokens come from the host password, not from the App ID).
 */
import type { WebSocketConstructor } from '@confpush/client';
import { REPLY_CODES } from '@confpush/protocol';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { MeetingTokens } from '../auth/meeting-tokens.js';
import type { AccessTokenVerifier } from '../api/context.js';
import type { TimerHandle } from '../clock.js';
import type { Config } from '../config.js';
import { DomainError } from '../domain/errors.js';
import { isMirrored } from '../domain/mirror.js';
import type {
  ConfControlAnswer,
  ConfControlRequest,
  Source,
  SourceHealth,
  SourcePort,
} from '../sources/source.js';
import type { Store } from '../store/types.js';
import { Follower, type FollowerStatus } from './follower.js';
import { addForwarding, type ForwardDeps } from './forward.js';
import { type FollowLease, openLease } from './lease.js';
import { RelayMetrics } from './metrics.js';
import { UpstreamApi, UpstreamAuthError } from './upstream-api.js';
import { sendConfControlUpstream } from './upstream-conf-control.js';

/** A meeting's lease lasts this many discovery passes: a dead holder is replaced within it. */
const LEASE_POLLS = 3;

export interface RelayStatus {
  upstream: string;
  authenticated: boolean;
  /** Why the relay cannot do its work (refused credential, unreachable upstream), null when it can. */
  problem: string | null;
  meetings: FollowerStatus[];
}

export interface RelaySourceOptions {
  config: Config;
  store: Store;
  /** Checks the access token of a management call forwarded upstream. */
  accessTokens: AccessTokenVerifier;
  /** WebSocket constructor of the upstream connections (default: the SDK's choice). */
  WebSocket?: WebSocketConstructor;
}

export class RelaySource implements Source {
  readonly name = 'upstream';
  readonly routes: FastifyPluginAsync;
  readonly #o: RelaySourceOptions;
  readonly #followers = new Map<string, Follower>();
  #port: SourcePort | undefined;
  #tokens: MeetingTokens | undefined;
  readonly #controlTokens = new Map<string, { token: string; renewAt: number }>();
  #api: UpstreamApi | undefined;
  #metrics: RelayMetrics | undefined;
  #timer: TimerHandle | undefined;
  #lease: FollowLease = openLease({ redisUrl: '', prefix: '', nodeId: '', ttlMs: 0 });
  #polling: Promise<void> | undefined;
  #authProblem: string | null = null;
  #problem: string | null = null;
  #stopped = false;

  constructor(options: RelaySourceOptions) {
    this.#o = options;
    const forwarding: ForwardDeps = {
      upstreamUrl: options.config.upstreamUrl,
      tokens: () => {
        if (!this.#port) throw new DomainError('UNAVAILABLE', 'the relay is starting');
        this.#tokens ??= new MeetingTokens({
          store: options.store,
          clock: this.#port.clock,
          confTokenTtlMs: options.config.confTokenTtlMs,
          wsTokenTtlMs: options.config.wsTokenTtlMs,
        });
        return this.#tokens;
      },
      mirrored: (id) => this.#mirrored(id),
      controlToken: (id) => this.#controlToken(id),
      accessTokens: options.accessTokens,
      corpId: options.config.corpId,
      upstreamAccessToken: async () => {
        if (!this.#api) throw new DomainError('UNAVAILABLE', 'the relay is starting');
        try {
          return await this.#api.accessToken();
        } catch (error) {
          throw new DomainError('UNAVAILABLE', error instanceof Error ? error.message : String(error));
        }
      },
    };
    // Not encapsulated: the forwarding hook applies to every route of the API.
    this.routes = fp(async (app) => {
      addForwarding(app, forwarding);
      app.get('/confpush/v1/relay/status', { schema: { hide: true } }, async () => this.status());
    });
  }

  /** The follower of a meeting (tests and the status endpoint). */
  follower(conferenceID: string): Follower | undefined {
    return this.#followers.get(conferenceID);
  }

  async start(port: SourcePort): Promise<void> {
    this.#port = port;
    const { config } = this.#o;
    this.#api = new UpstreamApi({
      baseUrl: config.upstreamUrl,
      appId: config.upstreamAppId,
      appKey: config.upstreamAppKey,
      clock: port.clock,
    });
    this.#metrics = new RelayMetrics(port.registry, {
      followers: () => this.status().meetings,
      authOk: () => this.#authProblem === null,
    });
    this.#lease = openLease({
      redisUrl: config.redisUrl,
      prefix: config.redisPrefix,
      nodeId: port.nodeId,
      ttlMs: LEASE_POLLS * config.upstreamPollMs,
    });
    port.logger.info({ upstream: config.upstreamUrl }, 'relay: mirroring meetings of the upstream');
    this.#polling = this.#poll();
    this.#timer = port.clock.setInterval(() => {
      if (!this.#polling) this.#polling = this.#poll();
    }, config.upstreamPollMs);
  }

  /** Runs one discovery pass now (tests; otherwise every `upstreamPollMs`). */
  async pollNow(): Promise<void> {
    while (this.#polling) await this.#polling;
    this.#polling = this.#poll();
    await this.#polling;
  }

  health(): SourceHealth {
    const status = this.status();
    if (this.#authProblem === null) return { ready: true, detail: status };
    return { ready: false, reason: this.#authProblem, detail: status };
  }

  /**
   * A socket `ConfControl` of a mirrored meeting goes upstream on the socket of its follower, with the relay's
   * control token (a node of a cluster that does not follow the meeting opens a short-lived upstream connection of
   * its own); the upstream's reply is the answer, and the change comes back as a push. It is refused with
   * UPSTREAM_UNAVAILABLE while the follower's socket is not live, when the upstream cannot be reached, or when it
   * does not answer in time. Undefined: not a mirrored meeting.
   */
  async confControl(request: ConfControlRequest): Promise<ConfControlAnswer | undefined> {
    const record = (await this.#port?.read(request.conferenceID))?.record;
    if (!record || !isMirrored(record)) return undefined;
    const unavailable = (why: string): ConfControlAnswer => ({
      returnCode: REPLY_CODES.UPSTREAM_UNAVAILABLE.code,
      returnDesc: REPLY_CODES.UPSTREAM_UNAVAILABLE.desc,
      message: why,
    });
    const follower = this.#followers.get(request.conferenceID);
    const api = this.#api;
    const send = follower
      ? () => follower.confControl(request.type, request.data)
      : api
        ? () =>
            sendConfControlUpstream({
              api,
              conferenceID: request.conferenceID,
              hostPassword: record.chairPwd,
              type: request.type,
              data: request.data,
              WebSocket: this.#o.WebSocket,
            })
        : undefined;
    if (!send) return unavailable('the relay is starting');
    try {
      const reply = await send();
      const message = reply.data['message'];
      return {
        returnCode: reply.returnCode,
        returnDesc: reply.returnDesc,
        ...(typeof message === 'string' ? { message } : {}),
      };
    } catch (error) {
      return unavailable(`not forwarded upstream: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  status(): RelayStatus {
    return {
      upstream: this.#o.config.upstreamUrl,
      authenticated: this.#authProblem === null,
      problem: this.#authProblem ?? this.#problem,
      meetings: [...this.#followers.values()].map((f) => f.status()),
    };
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#port?.clock.clearInterval(this.#timer);
    for (const follower of this.#followers.values()) follower.stop();
    this.#api?.close();
    await this.#polling;
    for (const id of this.#followers.keys()) await this.#lease.release(id).catch(() => undefined);
    await this.#lease.close();
  }

  async #poll(): Promise<void> {
    try {
      await this.#discover();
    } finally {
      this.#polling = undefined;
    }
  }

  async #discover(): Promise<void> {
    const api = this.#api;
    if (!api || this.#stopped) return;
    const configured = this.#o.config.upstreamMeetings
      .split(',')
      .map((id) => id.trim())
      .filter((id) => id !== '');
    let wanted: string[];
    try {
      wanted = configured.length > 0 ? configured : await api.onlineMeetings();
      if (configured.length > 0) await api.accessToken();
      this.#authRecovered();
    } catch (error) {
      this.#failed(error);
      if (configured.length === 0) return;
      wanted = configured;
    }
    for (const [id, follower] of this.#followers) {
      const finished = follower.state === 'ended' || follower.state === 'failed';
      if (finished && (!wanted.includes(id) || follower.state === 'failed')) this.#followers.delete(id);
    }
    for (const id of wanted) {
      if (this.#stopped) return;
      let held: boolean;
      try {
        held = await this.#lease.hold(id);
      } catch (error) {
        this.#failed(error, id);
        continue;
      }
      const follower = this.#followers.get(id);
      if (held && !follower) await this.#follow(api, id);
      if (!held && follower) {
        // Another node of the cluster follows it now.
        follower.stop();
        this.#followers.delete(id);
      }
    }
  }

  async #follow(api: UpstreamApi, conferenceID: string): Promise<void> {
    const port = this.#port!;
    const follower = new Follower({
      conferenceID,
      api,
      port,
      corpId: this.#o.config.corpId,
      ...(this.#o.WebSocket ? { WebSocket: this.#o.WebSocket } : {}),
      onCommitted: (commit) => this.#metrics?.committed(commit),
    });
    this.#followers.set(conferenceID, follower);
    try {
      await follower.start();
      port.logger.info({ conferenceID }, 'relay: following a meeting upstream');
    } catch (error) {
      follower.fail(error);
      this.#failed(error, conferenceID);
    }
  }

  async #mirrored(conferenceID: string): Promise<boolean> {
    const record = (await this.#port?.read(conferenceID))?.record;
    return record !== undefined && isMirrored(record);
  }

  /**
   * The relay's control token of a mirrored meeting upstream: its follower's, or (no follower on this node) one
   * obtained with the host password the mirrored record keeps, reused until shortly before it expires.
   */
  async #controlToken(conferenceID: string): Promise<string> {
    const own = this.#followers.get(conferenceID)?.controlToken;
    if (own) return own;
    const now = this.#port?.clock.now() ?? Date.now();
    const cached = this.#controlTokens.get(conferenceID);
    if (cached && cached.renewAt > now) return cached.token;
    const record = (await this.#port?.read(conferenceID))?.record;
    if (!this.#api || !record) throw new DomainError('UNAVAILABLE', 'the relay is starting');
    try {
      const info = await this.#api.rest.getConfToken(conferenceID, record.chairPwd);
      this.#controlTokens.set(conferenceID, { token: info.token, renewAt: (now + info.expireTime) / 2 });
      return info.token;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new DomainError('UNAVAILABLE', `no control token of this meeting upstream: ${reason}`);
    }
  }

  #failed(error: unknown, conferenceID?: string): void {
    // Stopping: calls in flight were aborted on purpose.
    if (this.#stopped) return;
    const port = this.#port!;
    if (error instanceof UpstreamAuthError) {
      if (this.#authProblem === null)
        port.logger.error(
          `relay: ${error.message}; check upstreamAppId/upstreamAppKey (CONFPUSH_UPSTREAM_APP_ID/_KEY). ` +
            `Not ready; retrying every ${this.#o.config.upstreamPollMs} ms`,
        );
      this.#authProblem = error.message;
      return;
    }
    const message = `${conferenceID ? `meeting ${conferenceID}: ` : ''}${error instanceof Error ? error.message : String(error)}`;
    if (message !== this.#problem)
      port.logger.warn(`relay: ${message}; retrying every ${this.#o.config.upstreamPollMs} ms`);
    this.#problem = message;
  }

  #authRecovered(): void {
    if (this.#authProblem !== null)
      this.#port?.logger.info('relay: the upstream accepts the App ID credential again');
    this.#authProblem = null;
    this.#problem = null;
  }
}

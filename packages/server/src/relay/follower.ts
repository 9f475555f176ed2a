/**
 * Follows one upstream meeting and mirrors it locally.
 *
 *   details upstream (host password) ──► local meeting created (once) ──► PushConnection (SDK): control token kept
 *   alive, a new WebSocket token per connect, Subscribe to every category, HeartBeat, reconnect with backoff and
 *   jitter ──► upstream replica ──► mirror queue ──► `mirror` commands through the port
 *
 * After an upstream reconnect the full messages replace the upstream replica; the queue compares them with the
 * committed state and commits only what differs. When the meeting ends upstream it is stopped locally (subscribers
 * get `Destroyed` and the close).
 *
 * The local record (subject, times, passwords: what `confDetail` answers) is read again from the upstream's details
 * whenever its `ConfBasicInfoNotify` changes (which includes the full message after every connect), one read at a
 * time; only the fields that differ are committed (`mirrorRecord`).
 */
import {
  PushConnection,
  type ConfControlReply,
  type ConnectionState,
  type WebSocketConstructor,
} from '@confpush/client';
import { CLOSE_CODES } from '@confpush/protocol';
import { DomainError } from '../domain/errors.js';
import type { SourcePort } from '../sources/source.js';
import { MirrorQueue } from './mirror-queue.js';
import { mirroredRecord, mirroredRecordPatch } from './record.js';
import type { UpstreamApi } from './upstream-api.js';
import { UpstreamReplica } from './upstream-replica.js';

export type FollowerState = 'starting' | ConnectionState | 'ended' | 'failed';

export interface FollowerStatus {
  conferenceID: string;
  state: FollowerState;
  connects: number;
  reconnects: number;
  /** Upstream frames that skipped a version or named an unknown participant (each led to a new subscription). */
  resubscribes: number;
  framesReceived: number;
  commits: number;
  /** Epoch ms of the last frame received upstream. */
  lastMessageAt: number | null;
  /** Upstream `createTime` → local commit of the last commit, ms. */
  lagMs: number | null;
  lastError: string | null;
}

export interface FollowerOptions {
  conferenceID: string;
  api: UpstreamApi;
  port: SourcePort;
  corpId: string;
  WebSocket?: WebSocketConstructor;
  /**
   * Observes each commit once its changes are written downstream: ms from the arrival here of its oldest upstream
   * step, how many steps it covers, and ms from its oldest upstream `createTime` (when given).
   */
  onCommitted?(commit: { relayMs: number; steps: number; upstreamMs: number | undefined }): void;
}

const RETRY_COMMIT_MS = 500;

export class Follower {
  readonly conferenceID: string;
  readonly #o: FollowerOptions;
  readonly #replica: UpstreamReplica;
  readonly #queue: MirrorQueue;
  #connection: PushConnection | undefined;
  #state: FollowerState = 'starting';
  #stopped = false;
  #commits = 0;
  #lastMessageAt: number | null = null;
  #lagMs: number | null = null;
  #lastError: string | null = null;
  /** A mirror commit failed and none succeeded since (logged once per run of failures). */
  #commitFailing = false;
  /** The record is being read again upstream; `again`: its basic info changed meanwhile, read once more. */
  #recordRefresh: { again: boolean; done: Promise<void> } | undefined;
  #recordFailing = false;
  /** Settles when the follower is done (ended, failed or stopped). */
  readonly done: Promise<void>;
  #finish!: () => void;

  constructor(options: FollowerOptions) {
    this.#o = options;
    this.conferenceID = options.conferenceID;
    const { port } = options;
    this.#replica = new UpstreamReplica((touched) => {
      this.#queue.touch(touched);
      if (touched.category === 'ConfBasicInfoNotify') this.#refreshRecord();
    });
    this.#queue = new MirrorQueue({
      replica: this.#replica,
      // The time spent here is an interval of this process, judged against a few milliseconds: a monotonic clock
      // with sub-millisecond readings, not the injected epoch-millisecond one.
      now: () => performance.now(),
      commit: async (targets) => {
        await port.execute(this.conferenceID, { type: 'mirror', targets });
      },
      committed: ({ receivedAt, createTime, steps }) => {
        this.#commitFailing = false;
        const now = port.clock.now();
        this.#commits++;
        this.#lagMs = createTime === undefined ? null : now - createTime;
        options.onCommitted?.({
          relayMs: performance.now() - receivedAt,
          steps,
          upstreamMs: createTime === undefined ? undefined : now - createTime,
        });
      },
      failed: (error) => this.#onCommitFailure(error),
      schedule: (fn, ms) => port.clock.setTimeout(fn, ms),
      retryMs: RETRY_COMMIT_MS,
    });
    this.done = new Promise((resolve) => (this.#finish = resolve));
  }

  get state(): FollowerState {
    return this.#state;
  }

  /** The upstream copy (what the mirror converges to). */
  get replica(): UpstreamReplica {
    return this.#replica;
  }

  /** The relay's current control token of this meeting upstream (for forwarded control calls). */
  get controlToken(): string | undefined {
    return this.#connection?.controlToken?.token;
  }

  /** Resolves once nothing upstream is waiting to be committed. */
  async settled(): Promise<void> {
    await this.#queue.idle();
    await this.#recordRefresh?.done;
  }

  /**
   * Sends a `ConfControl` request on the upstream socket (with the relay's control token) and resolves with the
   * upstream's reply; rejects when the socket is not live or no reply comes in time.
   */
  confControl(type: string, data: Readonly<Record<string, unknown>>): Promise<ConfControlReply> {
    if (!this.#connection || this.#state !== 'live')
      return Promise.reject(new Error(`the upstream connection is ${this.#state}`));
    return this.#connection.confControl(type, data);
  }

  /** Reads the meeting upstream, creates it locally when needed, and connects. Rejects when it cannot start. */
  async start(): Promise<void> {
    const { api, port } = this.#o;
    const meeting = await api.meeting(this.conferenceID);
    const local = await port.read(this.conferenceID);
    if (!local) {
      await port.createMeeting(
        mirroredRecord(meeting, { corpId: this.#o.corpId, now: port.clock.now() }),
        [],
      );
    } else if (local.record.state !== 'Created') {
      throw new Error(
        `meeting ${this.conferenceID} exists here and is not in progress (${local.record.state})`,
      );
    }
    if (this.#stopped) return;
    const connection = new PushConnection({
      rest: api.rest,
      conferenceID: this.conferenceID,
      password: meeting.hostPassword,
      replica: this.#replica,
      // Huawei cannot resume; every reconnect brings full messages, which the mirror reconciles by diff.
      resume: false,
      // Huawei's `version` is a timestamp (reference §8.3 example), so from a server that does not number its
      // streams a skip says nothing; a server that does (epoch and seq) still has its gaps detected.
      acceptGapsWithoutExtensions: true,
      maxInitialAttempts: Infinity,
      ...(this.#o.WebSocket ? { WebSocket: this.#o.WebSocket } : {}),
    });
    this.#connection = connection;
    connection.on('state', ({ newState }) => {
      if (this.#state !== 'ended' && this.#state !== 'failed') this.#state = newState;
    });
    connection.on('frame', () => (this.#lastMessageAt = port.clock.now()));
    connection.on('error', (error) => (this.#lastError = error.message));
    connection.on('closed', (code, reason) => void this.#onClosed(code, reason));
    void connection.start().catch(() => undefined);
  }

  status(): FollowerStatus {
    const stats = this.#connection?.stats;
    return {
      conferenceID: this.conferenceID,
      state: this.#state,
      connects: stats?.connects ?? 0,
      reconnects: stats?.reconnects ?? 0,
      resubscribes: stats?.gaps ?? 0,
      framesReceived: stats?.framesReceived ?? 0,
      commits: this.#commits,
      lastMessageAt: this.#lastMessageAt,
      lagMs: this.#lagMs,
      lastError: this.#lastError,
    };
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#connection?.close();
    this.#queue.close();
    this.#finish();
  }

  /** Marks the follower failed (it can be started again by a new follower). */
  fail(error: unknown): void {
    this.#lastError = error instanceof Error ? error.message : String(error);
    this.#state = 'failed';
    this.stop();
  }

  async #onClosed(code: number, reason: string): Promise<void> {
    if (this.#stopped) return;
    if (code !== CLOSE_CODES.MEETING_ENDED.code) {
      this.fail(new Error(`upstream connection ended: ${code} ${reason}`));
      return;
    }
    await this.#queue.idle();
    try {
      await this.#o.port.execute(this.conferenceID, { type: 'stop' });
    } catch (error) {
      if (!(error instanceof DomainError) || error.code !== 'CONF_NOT_STARTED')
        this.#o.port.logger.warn(
          { err: error, conferenceID: this.conferenceID },
          'relay: the meeting ended upstream but could not be stopped here',
        );
    }
    this.#state = 'ended';
    this.#o.port.logger.info({ conferenceID: this.conferenceID }, 'relay: the meeting ended upstream');
    this.stop();
  }

  /** Reads the upstream's details again and commits what differs in the record; one read at a time. */
  #refreshRecord(): void {
    if (this.#recordRefresh) {
      this.#recordRefresh.again = true;
      return;
    }
    const run = { again: false, done: Promise.resolve() };
    this.#recordRefresh = run;
    run.done = (async () => {
      do {
        run.again = false;
        if (this.#stopped) break;
        try {
          const { api, port } = this.#o;
          const meeting = await api.meeting(this.conferenceID);
          const current = await port.read(this.conferenceID);
          if (current && !this.#stopped)
            await port.execute(this.conferenceID, {
              type: 'mirrorRecord',
              patch: mirroredRecordPatch(meeting, current.record),
            });
          this.#recordFailing = false;
        } catch (error) {
          this.#onRecordFailure(error);
        }
      } while (run.again);
      this.#recordRefresh = undefined;
    })();
  }

  #onRecordFailure(error: unknown): void {
    // Stopped, or ended here meanwhile: nothing left to refresh.
    if (this.#stopped) return;
    if (error instanceof DomainError && (error.code === 'CONF_NOT_STARTED' || error.code === 'CONF_ENDED'))
      return;
    this.#lastError = error instanceof Error ? error.message : String(error);
    if (this.#recordFailing) return;
    this.#recordFailing = true;
    this.#o.port.logger.warn(
      { err: error, conferenceID: this.conferenceID },
      'relay: the meeting details could not be read again upstream; retried when its basic info changes',
    );
  }

  #onCommitFailure(error: unknown): void {
    this.#lastError = error instanceof Error ? error.message : String(error);
    if (
      error instanceof DomainError &&
      (error.code === 'CONF_NOT_STARTED' || error.code === 'CONF_ENDED' || error.code === 'CONF_NOT_EXIST')
    ) {
      // Ended (or removed) here: nothing left to mirror into.
      this.fail(error);
      return;
    }
    if (this.#commitFailing) return;
    this.#commitFailing = true;
    this.#o.port.logger.warn(
      { err: error, conferenceID: this.conferenceID },
      'relay: a mirror commit failed; retrying until one succeeds',
    );
  }
}

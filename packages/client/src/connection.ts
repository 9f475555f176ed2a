/**
 * `PushConnection`: one meeting's push socket, kept subscribed across failures.
 *
 *   idle ──start()──► connecting ──socket open, Subscribe sent──► subscribing ──reply + promised streams──► live
 *                        ▲  │                                        │                                     │
 *                        │  └──────── transient failure ─────────────┴────────► reconnecting ◄─────────────┘
 *                        └─────────────────── backoff timer ──────────────────────────┘
 *   any state ──close() / terminal close code / meeting ended / attempts exhausted──► closed
 *
 * Every connect takes a fresh WebSocket token (single use). A gap in a stream's incremental sequence drops the
 * socket and resumes from the last position applied, so nothing is silently lost.
 */
import {
  CLOSE_CODES,
  decodeData,
  isPlainObject,
  isPushCategory,
  pushSocketUrl,
  trimKeys,
  type PushCategory,
} from '@confpush/protocol';
import { backoffDelay, type ReconnectOptions } from './backoff.js';
import { ConfControlReplies, confControlFrame, type ConfControlReply } from './conf-control.js';
import {
  closeCodeSpec,
  emptySocketStats,
  TRANSITIONS,
  type SocketStats,
  type ConnectionEvents,
  type ConnectionState,
  type ConnectionStats,
} from './connection-state.js';
import { TypedEmitter } from './emitter.js';
import { NamedTimers } from './timers.js';
import { nextSequence } from './encoding.js';
import { ConfpushCloseError, ConfpushProtocolError, ConfpushSubscribeError } from './errors.js';
import { MeetingReplica } from './meeting.js';
import {
  resolveSettings,
  reconnectOptionsOf,
  type PushConnectionInit,
  type PushConnectionSettings,
} from './options.js';
import type { ConfTokenInfo, RestClient } from './rest.js';
import * as sockets from './socket.js';
import { subscribeRefusal, SubscriptionSync, type SyncEvent } from './sync.js';
import { ChainFailure, TokenChain } from './token-chain.js';

export type { PushConnectionInit, PushConnectionSettings } from './options.js';

/** Closed with this code when the REST API or a `Subscribe` reply says the meeting is not in progress. */
const MEETING_ENDED = CLOSE_CODES.MEETING_ENDED;
type TimerName = 'retry' | 'open' | 'subscribe' | 'heartbeat';

/**
 * `closed(code, reason)`: `code` is the server's close code when a terminal close ended the connection, 4005
 * when the meeting ended (seen in a close, a `Subscribe` reply, a REST answer or the status stream), and 1000
 * when `close()` was called or a fatal error ended it (the `error` event before it says which).
 */
export class PushConnection extends TypedEmitter<ConnectionEvents> {
  readonly conferenceID: string;
  readonly replica: MeetingReplica;
  readonly rest: RestClient;
  readonly #o: Readonly<PushConnectionSettings>;
  readonly #reconnect: ReconnectOptions;
  readonly #tokens: TokenChain;
  #state: ConnectionState = 'idle';
  #socket: sockets.WebSocketLike | undefined;
  #sync: SubscriptionSync | undefined;
  #attempt = 0;
  #failures = 0;
  #everLive = false;
  #lastReceivedAt = 0;
  readonly #gapped = new Set<PushCategory>();
  readonly #noResume = new Set<PushCategory>();
  readonly #timers = new NamedTimers<TimerName>();
  #started: { resolve: () => void; reject: (err: Error) => void } | undefined;
  readonly #stats: SocketStats = emptySocketStats();
  readonly #replies = new ConfControlReplies();

  constructor(init: PushConnectionInit) {
    super();
    const { rest, conferenceID, password, replica, ...settings } = init;
    if (!conferenceID) throw new TypeError('PushConnection: conferenceID is required');
    this.conferenceID = conferenceID;
    this.rest = rest;
    this.replica = replica ?? new MeetingReplica();
    this.#o = resolveSettings(settings);
    this.#reconnect = reconnectOptionsOf(this.#o);
    this.#tokens = new TokenChain({
      rest,
      conferenceID,
      password,
      refreshMarginMs: this.#o.tokenRefreshMarginMs,
      retryDelay: (failures) => backoffDelay(failures, this.#reconnect),
      onKeepAliveFailure: (failure) => this.#onChainFailure(failure, false),
    });
  }

  get state(): ConnectionState {
    return this.#state;
  }

  get stats(): Readonly<ConnectionStats> {
    return { ...this.#stats, controlTokens: this.#tokens.controlTokens, keepAlives: this.#tokens.keepAlives };
  }

  /** Whether a reconnect attempt is waiting for its backoff delay (never once closed). */
  get reconnectScheduled(): boolean {
    return this.#timers.has('retry');
  }

  /** The current meeting-control token response (undefined until obtained). */
  get controlToken(): Readonly<ConfTokenInfo> | undefined {
    return this.#tokens.control;
  }

  /** Connects and subscribes; resolves once the first subscription is live, rejects if it never gets there. */
  start(): Promise<void> {
    if (this.#state !== 'idle') throw new Error(`PushConnection.start: already ${this.#state}`);
    const started = new Promise<void>((resolve, reject) => (this.#started = { resolve, reject }));
    this.#connect();
    return started;
  }

  /**
   * Sends a `ConfControl` frame of `type` on the live socket (`data` gets the meeting's `conferenceID` and the
   * current control token as `confToken`) and resolves with its reply; rejects when not live, or when no reply
   * comes (the socket closed, or `subscribeTimeoutMs` passed).
   */
  confControl(type: string, data: Readonly<Record<string, unknown>> = {}): Promise<ConfControlReply> {
    const socket = this.#socket;
    const token = this.#tokens.control?.token;
    if (this.#state !== 'live' || !socket || token === undefined)
      return Promise.reject(
        new ConfpushProtocolError(`ConfControl needs a live connection (${this.#state})`),
      );
    const frame = confControlFrame(type, { conferenceID: this.conferenceID, confToken: token, ...data });
    const reply = this.#replies.expect(frame.sequence, this.#o.subscribeTimeoutMs);
    this.#send(socket, frame);
    return reply;
  }

  /** Ends the connection; no reconnect follows. */
  close(code = 1000, reason = 'closed by client'): void {
    this.#finish(code, reason);
  }

  // --- state ----------------------------------------------------------------------------------------------------

  #setState(next: ConnectionState): void {
    const oldState = this.#state;
    if (!TRANSITIONS[oldState].includes(next)) {
      throw new Error(`PushConnection: illegal transition ${oldState} → ${next}`);
    }
    this.#state = next;
    this.emit('state', { oldState, newState: next });
  }

  // --- connecting -----------------------------------------------------------------------------------------------

  #connect(): void {
    this.#setState('connecting');
    const attempt = ++this.#attempt;
    const stale = (): boolean => attempt !== this.#attempt || this.#state !== 'connecting';
    void (async () => {
      try {
        const wsToken = await this.#tokens.wsToken();
        const Ctor = await sockets.resolveWebSocket(this.#o.WebSocket);
        if (stale()) return;
        this.#stats.connects++;
        this.#wire(sockets.openSocket(Ctor, pushSocketUrl(wsToken.wsURL, this.conferenceID, wsToken.token)));
        this.#timers.set('open', this.#o.connectTimeoutMs, () =>
          this.#drop(new ConfpushProtocolError(`socket did not open within ${this.#o.connectTimeoutMs} ms`)),
        );
      } catch (err) {
        if (stale()) return;
        this.#onChainFailure(err instanceof ChainFailure ? err : new ChainFailure(err, 'retry'), true);
      }
    })();
  }

  /** A token-chain call failed; `reconnect` when it failed a connection attempt (not a keep-alive). */
  #onChainFailure(failure: ChainFailure, reconnect: boolean): void {
    if (this.#state === 'closed') return;
    const error = failure.error;
    if (failure.advice === 'meeting-gone') return this.#meetingEnded(error);
    if (failure.advice === 'terminal') return this.#finish(1000, error.message, error);
    if (failure.advice === 'refresh-token') this.#tokens.invalidate();
    this.emit('error', error, false);
    if (reconnect) this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#state === 'closed') return;
    this.#failures++;
    const limit = this.#everLive ? this.#o.reconnectMaxAttempts : this.#o.maxInitialAttempts;
    if (this.#failures >= limit) {
      const error = new ConfpushProtocolError(`gave up after ${this.#failures} failed connection attempts`);
      return this.#finish(1000, error.message, error);
    }
    this.#setState('reconnecting');
    this.#stats.reconnects++;
    this.#timers.set('retry', backoffDelay(this.#failures, this.#reconnect), () => this.#connect());
  }

  // --- the socket -----------------------------------------------------------------------------------------------

  /** Where the socket's events are wired; each handler ignores a socket that is no longer the current one. */
  #wire(socket: sockets.WebSocketLike): void {
    this.#socket = socket;
    socket.onopen = () => this.#socketOnOpen(socket);
    socket.onmessage = (event) => this.#socketOnMessage(socket, event.data);
    socket.onclose = (event) => this.#socketOnClose(socket, event.code, event.reason);
    // Errors are always followed by a close event, which decides what happens.
    socket.onerror = () => undefined;
  }

  #socketOnOpen(socket: sockets.WebSocketLike): void {
    const control = this.#tokens.control;
    if (socket !== this.#socket || this.#state !== 'connecting' || !control) return;
    this.#timers.clear('open');
    this.#lastReceivedAt = Date.now();
    this.#setState('subscribing');
    this.#sync = new SubscriptionSync({
      replica: this.replica,
      categories: this.#o.categories,
      resume: this.#o.resume,
      gapped: this.#gapped,
      noResume: this.#noResume,
    });
    const data = this.#sync.subscribeData(control.token);
    this.#send(socket, { sequence: nextSequence(), action: 'Subscribe', data: JSON.stringify(data) });
    this.#timers.set('subscribe', this.#o.subscribeTimeoutMs, () =>
      this.#drop(new ConfpushProtocolError(`subscription incomplete after ${this.#o.subscribeTimeoutMs} ms`)),
    );
    const interval = this.#o.heartbeatIntervalMs;
    const silenceLimit = Math.max(this.#o.heartbeatTimeoutMs, 2 * interval);
    this.#timers.set('heartbeat', interval, () => this.#beat(socket, silenceLimit), true);
  }

  /** One heartbeat interval: a `HeartBeat` frame, or the socket dropped after `silenceLimit` ms of silence. */
  #beat(socket: sockets.WebSocketLike, silenceLimit: number): void {
    if (socket !== this.#socket) return;
    if (Date.now() - this.#lastReceivedAt > silenceLimit)
      return this.#drop(new ConfpushProtocolError(`nothing received for ${silenceLimit} ms`));
    if (this.#send(socket, { sequence: nextSequence(), action: 'HeartBeat' })) this.#stats.heartbeatsSent++;
  }

  #socketOnMessage(socket: sockets.WebSocketLike, data: unknown): void {
    if (socket !== this.#socket) return;
    this.#lastReceivedAt = Date.now();
    const parsed = sockets.parseFrame(data);
    if (!parsed) {
      this.emit('error', new ConfpushProtocolError('received a frame that is not a JSON object'), false);
      return;
    }
    this.#stats.framesReceived++;
    this.emit('frame', parsed);
    const frame = trimKeys(parsed) as Record<string, unknown>;
    const action = frame['action'];
    if (action === 'Subscribe') this.#onSubscribeReply(frame);
    else if (action === 'ConfControl') this.#replies.settle(frame);
    else if (isPushCategory(action)) this.#onPush(frame);
  }

  #socketOnClose(socket: sockets.WebSocketLike, code: number, reason: string): void {
    if (socket !== this.#socket) return;
    this.#releaseSocket();
    const error = new ConfpushCloseError(code, reason);
    const advice = closeCodeSpec(code)?.advice;
    if (advice === 'terminal') return this.#finish(code, reason, error);
    if (advice === 'refresh-token') this.#tokens.invalidate();
    this.emit('error', error, false);
    this.#scheduleReconnect();
  }

  #send(socket: sockets.WebSocketLike, frame: Record<string, unknown>): boolean {
    const failure = sockets.sendFrame(socket, frame);
    if (failure) this.emit('error', failure, false);
    return failure === undefined && socket.readyState === sockets.WS_OPEN;
  }

  /** Forgets the current socket (closing it if still open) and its timers. */
  #releaseSocket(reason = 'closed by client'): void {
    const socket = this.#socket;
    this.#socket = undefined;
    this.#sync = undefined;
    this.#replies.rejectAll(new ConfpushProtocolError('the push socket closed before the ConfControl reply'));
    for (const name of ['open', 'subscribe', 'heartbeat'] as const) this.#timers.clear(name);
    if (socket) sockets.closeQuietly(socket, reason);
  }

  /** Drops the current socket after a transient failure and reconnects. */
  #drop(error: Error, reason = 'resync'): void {
    if (this.#state === 'closed') return;
    this.#releaseSocket(reason);
    this.emit('error', error, false);
    this.#scheduleReconnect();
  }

  // --- frames ---------------------------------------------------------------------------------------------------

  #onSubscribeReply(frame: Record<string, unknown>): void {
    const sync = this.#sync;
    if (this.#state !== 'subscribing' || !sync || sync.replied) return;
    const data = trimKeys(decodeData(frame['data']));
    if (!isPlainObject(data)) {
      return this.#drop(new ConfpushProtocolError('Subscribe reply has no data object'));
    }
    const verdict = sync.onReply(data);
    if (!verdict.ok) {
      return this.#onSubscribeRefused(new ConfpushSubscribeError(verdict.returnCode, verdict.returnDesc));
    }
    this.#emitSync(verdict.events);
    if (verdict.inconsistent.length > 0) {
      for (const category of verdict.inconsistent) this.#noResume.add(category);
      return this.#drop(
        new ConfpushProtocolError(`server cannot resume ${verdict.inconsistent.join(', ')} as answered`),
      );
    }
    this.#checkLive();
  }

  #onSubscribeRefused(error: ConfpushSubscribeError): void {
    const outcome = subscribeRefusal(error.returnCode);
    if (outcome === 'meeting-ended') return this.#meetingEnded(error);
    if (outcome === 'fatal') return this.#finish(1000, error.message, error);
    // Token refused (or a code this SDK does not know): authenticate again and retry.
    this.#tokens.invalidate();
    this.#drop(error, 'subscribe refused');
  }

  #onPush(frame: Record<string, unknown>): void {
    const sync = this.#sync;
    if (!sync) return;
    const category = frame['action'] as PushCategory;
    const acceptGap =
      this.#o.acceptGapsWithoutExtensions &&
      !sync.extensions &&
      this.replica.stream(category).epoch === undefined;
    // The changes are worked out only for someone to hear them, and for the status (the meeting's end is one).
    const describe = this.listenerCount('change') > 0 || category === 'ConfDynamicInfoNotify';
    const result = this.replica.applyFrame(frame, { acceptGap, describe });
    if (result.outcome === 'gap') {
      this.#stats.gaps++;
      this.#gapped.add(category);
      return this.#drop(new ConfpushProtocolError(`sequence gap in ${category}`), 'gap');
    }
    if (result.outcome === 'duplicate') this.#stats.duplicates++;
    if (result.outcome !== 'applied') return;
    let ended = false;
    for (const change of result.changes) {
      if (change.type === 'meetingEnded') ended = true;
      this.emit('change', change);
    }
    if (this.#state === 'closed') return;
    this.#emitSync(sync.onApplied(result));
    if (ended) return this.#meetingEnded(new ConfpushCloseError(MEETING_ENDED.code, MEETING_ENDED.reason));
    this.#checkLive();
  }

  #emitSync(events: readonly SyncEvent[]): void {
    for (const event of events) {
      if (event.kind === 'rebuilt') {
        this.#stats.rebuilds++;
        this.emit('rebuilt', event.category, event.reason);
      } else {
        this.#stats.resumes++;
        this.emit('resumed', event.category, event.from, event.to);
      }
    }
  }

  #checkLive(): void {
    if (this.#state !== 'subscribing' || !this.#sync?.complete) return;
    this.#timers.clear('subscribe');
    this.#failures = 0;
    this.#gapped.clear();
    this.#noResume.clear();
    this.#everLive = true;
    this.#setState('live');
    this.#started?.resolve();
    this.#started = undefined;
  }

  #meetingEnded(error: Error): void {
    this.#finish(MEETING_ENDED.code, MEETING_ENDED.reason, error);
  }

  #finish(code: number, reason: string, error?: Error): void {
    if (this.#state === 'closed') return;
    this.#releaseSocket(code === MEETING_ENDED.code ? MEETING_ENDED.reason : 'closed by client');
    this.#timers.clearAll();
    this.#tokens.stop();
    this.#setState('closed');
    if (error) this.emit('error', error, true);
    this.emit('closed', code, reason);
    this.#started?.reject(error ?? new Error(`connection closed before it was live: ${reason}`));
    this.#started = undefined;
  }
}

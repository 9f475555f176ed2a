/**
 * One push socket: its state machine, the frames it receives, and where bytes are written to it.
 *
 *   open ──Subscribe──► open (subscribed to n categories) ──meeting ended / timeout / slow / shutdown──► closing ─► closed
 *
 * Outbound flow control: `deliver` writes pre-encoded bytes unless the socket's queue (`bufferedAmount`) is past
 * the soft limit; then the category is marked stale and, once the queue drains, one fresh full message replaces
 * everything that was skipped. Past the hard limit the socket is closed with SLOW_CONSUMER.
 *
 * A session is kept small (it exists once per connection): categories are bit sets, no per-session logger or
 * listener closures (the gateway's listeners are shared and find the session through the socket).
 */
import {
  buildReply,
  CATEGORY_SPECS,
  CLOSE_CODES,
  encodeHeartBeat,
  isPushCategory,
  parseClientFrame,
  REPLY_CODES,
  type CloseCodeSpec,
  type ConfControlFrame,
  type PushCategory,
  type ReplyCodeSpec,
  type SubscribeFrame,
  type SubscribeStreamInfo,
} from '@confpush/protocol';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocket } from 'ws';
import type { MeetingTokens } from '../auth/meeting-tokens.js';
import type { Clock } from '../clock.js';
import { isInProgress } from '../domain/meeting.js';
import type { Engine } from '../engine/engine.js';
import type { RecentChange } from '../engine/recent.js';
import type { MeetingRuntime } from '../engine/runtime.js';
import { CATEGORY_BIT, type Hub, type Subscriber } from '../hub/hub.js';
import { payloadLength, textFrame, type WireFrame } from '../hub/wire.js';
import type { ConfToken } from '../store/types.js';
import type { TokenRate } from '../limits/index.js';
import { ABNORMAL_CLOSE, type FrameKind, type SessionMetrics } from '../metrics.js';
import { handleConfControl, type ConfControlContext } from './conf-control.js';
import { subscribeTokenRefusal } from './refusals.js';
import { categoriesIn, resumable } from './resume.js';
import type { ConnectionSlots } from './gateway.js';
import { writeFrame } from './socket-writes.js';

/** Written only for its callback: called once the bytes queued before it are flushed. */
const EMPTY = Buffer.alloc(0);

export type SessionState = 'open' | 'closing' | 'closed';

export interface SessionContext {
  engine: Engine;
  hub: Hub;
  tokens: MeetingTokens;
  clock: Clock;
  logger: Logger;
  softLimitBytes: number;
  hardLimitBytes: number;
  /** How long a socket may outlive the expiry of its control token before it is closed (4006). */
  tokenGraceMs: number;
  metrics?: SessionMetrics | undefined;
  /** Takes `ConfControl` requests of meetings decided elsewhere (a relay's mirrored meetings). */
  forwardConfControl?: ConfControlContext['forward'];
}

export class Session implements Subscriber {
  #state: SessionState = 'open';
  readonly #ws: WebSocket;
  /** The TCP socket the WebSocket runs on: push frames are written to it directly (hub/wire.ts). */
  readonly #socket: Duplex;
  readonly #ctx: SessionContext;
  /** Categories this socket receives (CATEGORY_BIT set). */
  #subscribed = 0;
  /** Categories whose incrementals were skipped under backpressure: a full message is owed (CATEGORY_BIT set). */
  #stale = 0;
  /** A 'drain' (or flush) of the socket is awaited for the stale categories. */
  #awaitingDrain = false;
  #runtime: MeetingRuntime | undefined;
  lastHeartbeatAt: number;
  #token: string | undefined;
  #tokenExpiresAt = Number.POSITIVE_INFINITY;
  #nextTokenCheckAt = 0;
  #tokenChecking = false;
  /** Set by every pong; cleared when a ping is sent. */
  alive = true;
  /** The connection-limit slots this connection holds, given back by the gateway when it closes. */
  slots: ConnectionSlots | undefined;
  /** Frame-rate bucket of this connection (BucketState of the shared rule), when a limit is configured. */
  bucketTokens = 0;
  bucketLast = 0;
  readonly #rate: TokenRate | undefined;
  readonly #controls = new Set<Promise<void>>();

  constructor(
    ws: WebSocket,
    socket: Duplex,
    readonly confId: string,
    ctx: SessionContext,
    rate?: TokenRate,
  ) {
    this.#ws = ws;
    this.#socket = socket;
    this.#ctx = ctx;
    this.#rate = rate;
    rate?.fill(this, performance.now());
    this.lastHeartbeatAt = ctx.clock.now();
  }

  isSubscribed(category: PushCategory): boolean {
    return (this.#subscribed & CATEGORY_BIT[category]) !== 0;
  }

  /** Counts one inbound frame against the frame-rate limit; false when the connection is over it. */
  takeFrame(now: number): boolean {
    return this.#rate ? this.#rate.take(this, now) : true;
  }

  get #log(): Logger {
    return this.#ctx.logger;
  }

  get state(): SessionState {
    return this.#state;
  }

  get bufferedAmount(): number {
    return this.#ws.bufferedAmount;
  }

  // --- inbound --------------------------------------------------------------------------------------------------

  /** Where a frame is parsed and dispatched. */
  receive(text: string): void {
    if (this.#state !== 'open') return;
    const parsed = parseClientFrame(text);
    if (!parsed.ok) {
      const fault = parsed.fault;
      if (fault.kind === 'close') {
        this.close(CLOSE_CODES.BAD_FRAME, fault.message);
        return;
      }
      this.#sendJson(
        buildReply(fault.action, fault.sequence, fault.code, { type: fault.type, message: fault.message }),
      );
      return;
    }
    const frame = parsed.frame;
    switch (frame.action) {
      case 'HeartBeat':
        this.lastHeartbeatAt = this.#ctx.clock.now();
        this.#sendRaw(textFrame(encodeHeartBeat(frame.sequence)), 'heartbeat');
        return;
      case 'Subscribe':
        void this.#subscribe(frame).catch((err: unknown) => this.#fail('Subscribe', frame.sequence, err));
        return;
      case 'ConfControl':
        this.#confControl(frame);
        return;
    }
  }

  async #subscribe(frame: SubscribeFrame): Promise<void> {
    const { data, sequence } = frame;
    const reply = (code: ReplyCodeSpec, message?: string): void =>
      this.#sendJson(buildReply('Subscribe', sequence, code, message ? { message } : undefined));
    if (data.conferenceID !== undefined && data.conferenceID !== '' && data.conferenceID !== this.confId) {
      reply(REPLY_CODES.CONF_TOKEN_WRONG_MEETING, 'conferenceID is not the meeting of this socket');
      return;
    }
    const held = await this.#checkConfToken(data.confToken);
    if ('code' in held) {
      reply(held);
      return;
    }
    const runtime = await this.#ctx.engine.load(this.confId);
    if (this.#state !== 'open') return;
    if (!runtime || !isInProgress(runtime.committed.record)) {
      reply(REPLY_CODES.MEETING_NOT_IN_PROGRESS);
      this.close(CLOSE_CODES.MEETING_ENDED);
      return;
    }
    this.#runtime = runtime;
    this.#holdToken(held);
    // From here to the end everything is synchronous: the snapshot and the subscription are one atomic step.
    const accepted: PushCategory[] = [];
    const ignored: string[] = [];
    for (const name of data.subscribeType) {
      if (!isPushCategory(name)) ignored.push(name);
      else if (!this.isSubscribed(name) && !accepted.includes(name)) accepted.push(name);
    }
    const streams: Partial<Record<PushCategory, SubscribeStreamInfo>> = {};
    const replays = new Map<PushCategory, RecentChange[]>();
    for (const category of accepted) {
      const replica = runtime.committed.streams[category];
      const epoch = replica.epoch ?? '';
      const seq = replica.seq ?? 0;
      const replay = resumable(runtime, category, data.resume?.[category], epoch, seq);
      if (replay) replays.set(category, replay);
      if (data.resume?.[category]) this.#ctx.metrics?.resume(replay ? 'resumed' : 'full');
      streams[category] = { epoch, seq, delivery: replay ? 'resumed' : 'full' };
    }
    this.#sendJson(buildReply('Subscribe', sequence, REPLY_CODES.SUCCESS, { streams, ignored }));
    for (const category of accepted) {
      this.#subscribed |= CATEGORY_BIT[category];
      this.#ctx.hub.subscribe(this.confId, category, this);
      const replay = replays.get(category);
      if (!replay) this.#sendRaw(this.#ctx.hub.fullFrame(runtime, category), 'full');
      else
        for (const change of replay)
          this.#sendRaw(this.#ctx.hub.incrementalFrame(this.confId, change), 'incremental');
    }
  }

  /** The live control token of this meeting that `value` names, or the reply code saying why it is not one. */
  async #checkConfToken(value: string): Promise<ConfToken | ReplyCodeSpec> {
    try {
      return await this.#ctx.tokens.checkConfToken(value, this.confId);
    } catch (err) {
      return subscribeTokenRefusal(err);
    }
  }

  /** The control token behind the subscription: the latest one Subscribe or REFRESHTOKEN presented. */
  #holdToken(token: ConfToken): void {
    this.#token = token.token;
    this.#tokenExpiresAt = token.expiresAt;
    this.#nextTokenCheckAt = 0;
  }

  /**
   * Token lifetime on a live socket. Called by the gateway's sweep. When the control token behind the
   * subscription has expired, the store is asked once whether it was kept alive meanwhile (REST keep-alive); if
   * not, the socket has `tokenGraceMs` to renew it (REST keep-alive or REFRESHTOKEN) before it is closed with
   * CONF_TOKEN_EXPIRED (4006).
   */
  checkTokenLifetime(now: number): void {
    if (this.#state !== 'open' || this.#token === undefined || now < this.#tokenExpiresAt) return;
    if (this.#tokenChecking || now < this.#nextTokenCheckAt) return;
    this.#tokenChecking = true;
    const token = this.#token;
    this.#ctx.tokens.peek(token).then(
      (held) => {
        this.#tokenChecking = false;
        if (this.#token !== token) return;
        if (held && held.expiresAt > now) {
          this.#tokenExpiresAt = held.expiresAt;
          return;
        }
        const expiredAt = held?.expiresAt ?? this.#tokenExpiresAt;
        if (now >= expiredAt + this.#ctx.tokenGraceMs) this.close(CLOSE_CODES.CONF_TOKEN_EXPIRED);
        else this.#nextTokenCheckAt = now + Math.max(50, Math.min(5000, this.#ctx.tokenGraceMs / 4));
      },
      (err: unknown) => {
        this.#tokenChecking = false;
        this.#log.error({ err, confId: this.confId }, 'control token check failed');
      },
    );
  }

  #confControl(frame: ConfControlFrame): void {
    const ctx = {
      confId: this.confId,
      tokens: this.#ctx.tokens,
      engine: this.#ctx.engine,
      forward: this.#ctx.forwardConfControl,
      onTokenRenewed: (token: ConfToken) => {
        if (this.#token === undefined || this.#token === token.token) this.#holdToken(token);
      },
    };
    const work = handleConfControl(frame, ctx).then(
      (reply) => {
        if (this.#state === 'open') this.#sendJson(reply);
      },
      (err: unknown) => this.#fail('ConfControl', frame.sequence, err),
    );
    this.#controls.add(work);
    void work.finally(() => this.#controls.delete(work));
  }

  /** Waits for the ConfControl requests this socket has started (a close may have cut their replies off). */
  async settled(): Promise<void> {
    while (this.#controls.size > 0) await Promise.allSettled([...this.#controls]);
  }

  #fail(action: string, sequence: string | undefined, err: unknown): void {
    this.#log.error({ err, confId: this.confId }, `${action} failed`);
    if (this.#state === 'open') {
      this.#sendJson(buildReply(action, sequence, REPLY_CODES.INVALID_DATA, { message: 'internal error' }));
    }
  }

  // --- outbound -------------------------------------------------------------------------------------------------

  deliver(category: PushCategory, _seq: number, frame: WireFrame): void {
    if (this.#state !== 'open' || (this.#stale & CATEGORY_BIT[category]) !== 0) return;
    const queued = this.#ws.bufferedAmount;
    if (queued >= this.#ctx.softLimitBytes) {
      if (queued >= this.#ctx.hardLimitBytes) {
        this.close(CLOSE_CODES.SLOW_CONSUMER);
        return;
      }
      this.#stale |= CATEGORY_BIT[category];
      this.#watchDrain();
      return;
    }
    this.#sendRaw(frame, CATEGORY_SPECS[category].fullOnly ? 'full' : 'incremental');
  }

  /**
   * Waits for the socket to flush its queue, then sends the owed full messages (or waits again while the queue is
   * still past half the soft limit). Below the socket's own high-water mark no 'drain' event comes: the callback of
   * an empty write, called once everything written before it is flushed, stands in for it.
   */
  #watchDrain(): void {
    if (this.#awaitingDrain || !this.#socket.writable) return;
    this.#awaitingDrain = true;
    const drained = () => this.#drained();
    if (this.#socket.writableNeedDrain) this.#socket.once('drain', drained);
    else this.#socket.write(EMPTY, drained);
  }

  #drained(): void {
    this.#awaitingDrain = false;
    if (this.#state !== 'open' || this.#stale === 0) return;
    if (this.#ws.bufferedAmount > this.#ctx.softLimitBytes / 2 || !this.#runtime) return this.#watchDrain();
    const owed = this.#stale;
    this.#stale = 0;
    for (const category of categoriesIn(owed)) {
      this.#sendRaw(this.#ctx.hub.fullFrame(this.#runtime, category), 'full');
      this.#ctx.metrics?.backpressureCollapse();
    }
  }

  meetingEnded(): void {
    this.close(CLOSE_CODES.MEETING_ENDED);
  }

  meetingLost(): void {
    this.close(CLOSE_CODES.MEETING_NOT_FOUND);
  }

  /** Where bytes are written to the socket. Nothing is queued past the hard limit: the socket is closed instead. */
  #sendRaw(frame: WireFrame, kind: FrameKind): void {
    if (this.#state !== 'open' || this.#ws.readyState !== WebSocket.OPEN) return;
    if (this.#ws.bufferedAmount + frame.length > this.#ctx.hardLimitBytes) {
      this.close(CLOSE_CODES.SLOW_CONSUMER);
      return;
    }
    this.#ctx.metrics?.frameSent(kind, payloadLength(frame));
    writeFrame(this.#socket, frame);
  }

  #sendJson(value: unknown): void {
    this.#sendRaw(textFrame(JSON.stringify(value)), 'reply');
  }

  close(code: CloseCodeSpec, detail?: string): void {
    if (this.#state !== 'open') return;
    this.#state = 'closing';
    this.#ctx.metrics?.closed(code.code);
    this.#ctx.hub.unsubscribeAll(this.confId, this);
    const reason = detail ? `${code.reason}: ${detail}` : code.reason;
    this.#ws.close(code.code, Buffer.byteLength(reason) > 123 ? code.reason : reason);
  }

  /** Drops a peer that stopped answering (no close handshake is possible). */
  terminate(): void {
    if (this.#state === 'closed') return;
    if (this.#state === 'open') this.#ctx.metrics?.closed(ABNORMAL_CLOSE);
    this.#state = 'closing';
    this.#ctx.hub.unsubscribeAll(this.confId, this);
    this.#ws.terminate();
  }

  /** Called when the socket is gone. */
  closed(): void {
    this.#state = 'closed';
    this.#ctx.hub.unsubscribeAll(this.confId, this);
  }

  ping(): void {
    this.alive = false;
    this.#ws.ping();
  }
}

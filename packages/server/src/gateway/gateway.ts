/**
 * The WebSocket endpoint `PUSH_PATH?confID=…&tmpToken=…` (`/cms/open/websocket/confctl/increment/conn`).
 *
 * The WebSocket token is checked before the handshake completes; when it fails, the handshake still completes
 * and the socket is closed at once with a documented close code, so that browsers (which cannot read an HTTP
 * refusal) learn why. The gateway also runs the heartbeat sweep and the ping/pong liveness check.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { CLOSE_CODES, PUSH_PATH, type CloseCodeSpec } from '@confpush/protocol';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { TimerHandle } from '../clock.js';
import { isInProgress } from '../domain/meeting.js';
import type { Limits } from '../limits/index.js';
import { Session, type SessionContext } from './session.js';

/** The connection-limit slots one connection holds, and the socket listener giving them back before it opens. */
export interface ConnectionSlots {
  address: string | undefined;
  meeting: string | undefined;
  release: (() => void) | undefined;
}

/** The WebSocket of a push connection. It carries its session, so the shared socket listeners need no lookup. */
class PushSocket extends WebSocket {
  session: Session | undefined = undefined;
}

/** The session of a socket the gateway's server made (every one is a PushSocket). */
function sessionOf(ws: WebSocket): Session | undefined {
  return (ws as PushSocket).session;
}

export interface GatewayOptions extends SessionContext {
  maxFrameBytes: number;
  heartbeatTimeoutMs: number;
  pingIntervalMs: number;
  /** Connections per client address and per meeting, frames per second per connection; none when absent. */
  limits?: Limits | undefined;
}

export class Gateway {
  readonly #options: GatewayOptions;
  readonly #wss: WebSocketServer;
  readonly sessions = new Set<Session>();
  readonly #timers: TimerHandle[] = [];
  /** Called when the last session has gone (set while `close` waits for that). */
  #onEmpty: (() => void) | undefined;
  #accepting = true;
  readonly #listeners: {
    message(this: WebSocket, data: RawData, isBinary: boolean): void;
    pong(this: WebSocket): void;
    error(this: WebSocket, err: Error): void;
    close(this: WebSocket, code: number): void;
  };

  constructor(options: GatewayOptions) {
    this.#options = options;
    this.#wss = new WebSocketServer({
      WebSocket: PushSocket,
      noServer: true,
      maxPayload: options.maxFrameBytes,
      perMessageDeflate: false,
      clientTracking: false,
    });
    const sweepEvery = Math.max(25, Math.min(1000, Math.floor(options.heartbeatTimeoutMs / 4)));
    const { clock } = options;
    this.#timers.push(clock.setInterval(() => this.#sweepHeartbeats(), sweepEvery));
    this.#timers.push(clock.setInterval(() => this.#pingAll(), options.pingIntervalMs));
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the listeners' `this` is the socket
    const gateway = this;
    this.#listeners = {
      message(data, isBinary) {
        const session = sessionOf(this);
        if (session) gateway.#onMessage(session, data, isBinary);
      },
      pong() {
        const session = sessionOf(this);
        if (session) session.alive = true;
      },
      error(err) {
        // ws closes with 1009 for oversized frames and 1002 for protocol errors by itself; log and let it close.
        gateway.#options.logger.debug({ err, confId: sessionOf(this)?.confId }, 'socket error');
      },
      close(code) {
        const session = sessionOf(this);
        if (!session) return;
        // Closed by the peer (or by ws itself, e.g. 1009): the server's own closes were counted when sent.
        if (session.state === 'open') gateway.#options.metrics?.closed(code);
        session.closed();
        if (session.slots) gateway.#releaseSlots(session.slots);
        gateway.sessions.delete(session);
        (this as PushSocket).session = undefined;
        if (gateway.sessions.size === 0) gateway.#onEmpty?.();
      },
    };
  }

  /** Handles an HTTP upgrade request; returns false when the path is not the push endpoint. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== PUSH_PATH) return false;
    const connections = this.#options.limits?.connections;
    // The slots a connection holds (per address, per meeting) are given back together when the TCP socket closes
    // (by the session's close listener once it is open: one listener fewer on every open socket).
    const slots: ConnectionSlots = { address: undefined, meeting: undefined, release: undefined };
    if (connections) {
      // The address slot is taken before anything else.
      const address = req.socket.remoteAddress ?? '';
      if (!connections.acquireAddress(address)) {
        this.#refuse(req, socket, head, CLOSE_CODES.TOO_MANY_CONNECTIONS);
        return true;
      }
      slots.address = address;
      slots.release = () => this.#releaseSlots(slots);
      socket.on('close', slots.release);
    }
    void this.#accept(req, socket, head, url, slots).catch((err: unknown) => {
      this.#options.logger.error({ err }, 'WebSocket upgrade failed');
      socket.destroy();
    });
    return true;
  }

  async #accept(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    url: URL,
    slots: ConnectionSlots,
  ): Promise<void> {
    const confId = url.searchParams.get('confID') ?? '';
    const tmpToken = url.searchParams.get('tmpToken') ?? '';
    let verdict = await this.#authenticate(confId, tmpToken);
    const connections = this.#options.limits?.connections;
    // (A socket the client already dropped while the token was checked takes no slot: its 'close' may be past.)
    if (connections && !('refuse' in verdict) && !socket.destroyed) {
      if (!connections.acquireMeeting(verdict.confId)) verdict = { refuse: CLOSE_CODES.TOO_MANY_CONNECTIONS };
      else slots.meeting = verdict.confId;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      if ('refuse' in verdict) {
        this.#options.metrics?.closed(verdict.refuse.code);
        ws.close(verdict.refuse.code, verdict.refuse.reason);
        return;
      }
      this.#open(ws, socket, verdict.confId, slots);
    });
  }

  /** Completes the handshake only to close at once with `spec` (a browser cannot read an HTTP refusal). */
  #refuse(req: IncomingMessage, socket: Duplex, head: Buffer, spec: CloseCodeSpec): void {
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      this.#options.metrics?.closed(spec.code);
      ws.close(spec.code, spec.reason);
    });
  }

  async #authenticate(
    confId: string,
    tmpToken: string,
  ): Promise<{ confId: string } | { refuse: CloseCodeSpec }> {
    if (!this.#accepting) return { refuse: CLOSE_CODES.SERVER_SHUTDOWN };
    if (confId === '' || tmpToken === '') return { refuse: CLOSE_CODES.WS_TOKEN_INVALID };
    const wsToken = await this.#options.tokens.consumeWsToken(tmpToken);
    if (!wsToken) return { refuse: CLOSE_CODES.WS_TOKEN_INVALID };
    if (wsToken.confId !== confId) return { refuse: CLOSE_CODES.FORBIDDEN };
    const runtime = await this.#options.engine.load(confId);
    if (!runtime) return { refuse: CLOSE_CODES.MEETING_NOT_FOUND };
    if (!isInProgress(runtime.committed.record)) return { refuse: CLOSE_CODES.MEETING_ENDED };
    // The meeting's own ID string, shared by all its sessions (not one parsed from each URL).
    return { confId: runtime.confId };
  }

  #open(ws: WebSocket, socket: Duplex, confId: string, slots: ConnectionSlots): void {
    const session = new Session(ws, socket, confId, this.#options, this.#options.limits?.frameRate);
    if (slots.release) {
      socket.removeListener('close', slots.release);
      slots.release = undefined;
      session.slots = slots;
    }
    this.sessions.add(session);
    (ws as PushSocket).session = session;
    ws.on('message', this.#listeners.message);
    ws.on('pong', this.#listeners.pong);
    ws.on('error', this.#listeners.error);
    ws.on('close', this.#listeners.close);
  }

  #releaseSlots(slots: ConnectionSlots): void {
    const connections = this.#options.limits?.connections;
    if (slots.address !== undefined) connections?.releaseAddress(slots.address);
    if (slots.meeting !== undefined) connections?.releaseMeeting(slots.meeting);
    slots.address = slots.meeting = undefined;
  }

  #onMessage(session: Session, data: RawData, isBinary: boolean): void {
    if (!session.takeFrame(performance.now())) {
      if (session.state === 'open') {
        this.#options.limits?.frameRateExceeded();
        session.close(CLOSE_CODES.RATE_LIMITED);
      }
      return;
    }
    session.receive(isBinary ? '' : rawToString(data));
  }

  /** Heartbeat timeouts and control-token lifetimes, checked together for every socket. */
  #sweepHeartbeats(): void {
    const now = this.#options.clock.now();
    const deadline = now - this.#options.heartbeatTimeoutMs;
    for (const session of this.sessions) {
      if (session.state !== 'open') continue;
      if (session.lastHeartbeatAt < deadline) session.close(CLOSE_CODES.HEARTBEAT_TIMEOUT);
      else session.checkTokenLifetime(now);
    }
  }

  #pingAll(): void {
    for (const session of this.sessions) {
      if (session.state !== 'open') continue;
      if (!session.alive) session.terminate();
      else session.ping();
    }
  }

  /** Stops accepting, closes every socket with SERVER_SHUTDOWN and waits (bounded) for them to close. */
  async close(timeoutMs = 2000): Promise<void> {
    this.#accepting = false;
    const { clock } = this.#options;
    for (const timer of this.#timers) clock.clearInterval(timer);
    for (const session of this.sessions) session.close(CLOSE_CODES.SERVER_SHUTDOWN);
    if (this.sessions.size > 0) {
      await new Promise<void>((resolve) => {
        const bound = clock.setTimeout(() => resolve(), timeoutMs);
        this.#onEmpty = () => {
          clock.clearTimeout(bound);
          resolve();
        };
      });
      this.#onEmpty = undefined;
    }
    for (const session of this.sessions) session.terminate();
    this.#wss.close();
  }
}

function rawToString(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

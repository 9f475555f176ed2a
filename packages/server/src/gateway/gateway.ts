/**
 * The WebSocket endpoint `/cms/open/websocket/confctl/increment/conn?confID=…&tmpToken=…`.
 *
 * The WebSocket token is checked before the handshake completes; when it fails, the handshake still completes
 * and the socket is closed at once with a documented close code, so that browsers (which cannot read an HTTP
 * refusal) learn why. The gateway also runs the heartbeat sweep and the ping/pong liveness check.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { CLOSE_CODES, type CloseCodeSpec } from '@confpush/protocol';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { isInProgress } from '../domain/meeting.js';
import type { Limits } from '../limits/index.js';
import { Session, type SessionContext } from './session.js';

export const WS_PATH = '/cms/open/websocket/confctl/increment/conn';

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
  readonly #timers: NodeJS.Timeout[] = [];
  #accepting = true;

  constructor(options: GatewayOptions) {
    this.#options = options;
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxFrameBytes,
      perMessageDeflate: false,
      clientTracking: false,
    });
    const sweepEvery = Math.max(25, Math.min(1000, Math.floor(options.heartbeatTimeoutMs / 4)));
    this.#timers.push(setInterval(() => this.#sweepHeartbeats(), sweepEvery).unref());
    this.#timers.push(setInterval(() => this.#pingAll(), options.pingIntervalMs).unref());
  }

  /** Handles an HTTP upgrade request; returns false when the path is not the push endpoint. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== WS_PATH) return false;
    const connections = this.#options.limits?.connections;
    if (connections) {
      // The address slot is taken before anything else and given back when the TCP socket closes.
      const address = req.socket.remoteAddress ?? '';
      if (!connections.acquireAddress(address)) {
        this.#refuse(req, socket, head, CLOSE_CODES.TOO_MANY_CONNECTIONS);
        return true;
      }
      socket.once('close', () => connections.releaseAddress(address));
    }
    void this.#accept(req, socket, head, url).catch((err: unknown) => {
      this.#options.logger.error({ err }, 'WebSocket upgrade failed');
      socket.destroy();
    });
    return true;
  }

  async #accept(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): Promise<void> {
    const confId = url.searchParams.get('confID') ?? '';
    const tmpToken = url.searchParams.get('tmpToken') ?? '';
    let verdict = await this.#authenticate(confId, tmpToken);
    const connections = this.#options.limits?.connections;
    // (A socket the client already dropped while the token was checked takes no slot: its 'close' may be past.)
    if (connections && !('refuse' in verdict) && !socket.destroyed) {
      if (!connections.acquireMeeting(confId)) verdict = { refuse: CLOSE_CODES.TOO_MANY_CONNECTIONS };
      else socket.once('close', () => connections.releaseMeeting(confId));
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      if ('refuse' in verdict) {
        this.#options.metrics?.closed(verdict.refuse.code);
        ws.close(verdict.refuse.code, verdict.refuse.reason);
        return;
      }
      this.#open(ws, confId, verdict.confToken);
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
  ): Promise<{ confToken: string } | { refuse: CloseCodeSpec }> {
    if (!this.#accepting) return { refuse: CLOSE_CODES.SERVER_SHUTDOWN };
    if (confId === '' || tmpToken === '') return { refuse: CLOSE_CODES.WS_TOKEN_INVALID };
    const wsToken = await this.#options.tokens.consumeWsToken(tmpToken);
    if (!wsToken) return { refuse: CLOSE_CODES.WS_TOKEN_INVALID };
    if (wsToken.confId !== confId) return { refuse: CLOSE_CODES.FORBIDDEN };
    const runtime = await this.#options.engine.load(confId);
    if (!runtime) return { refuse: CLOSE_CODES.MEETING_NOT_FOUND };
    if (!isInProgress(runtime.committed.record)) return { refuse: CLOSE_CODES.MEETING_ENDED };
    return { confToken: wsToken.confToken };
  }

  #open(ws: WebSocket, confId: string, confToken: string): void {
    const session = new Session(ws, confId, confToken, this.#options);
    this.sessions.add(session);
    const bucket = this.#options.limits?.frameBucket();
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (bucket && !bucket.take(performance.now())) {
        if (session.state === 'open') {
          this.#options.limits?.frameRateExceeded();
          session.close(CLOSE_CODES.RATE_LIMITED);
        }
        return;
      }
      session.receive(isBinary ? '' : rawToString(data));
    });
    ws.on('pong', () => {
      session.alive = true;
    });
    ws.on('error', (err) => {
      // ws closes with 1009 for oversized frames and 1002 for protocol errors by itself; log and let it close.
      this.#options.logger.debug({ err, confId }, 'socket error');
    });
    ws.on('close', (code: number) => {
      // Closed by the peer (or by ws itself, e.g. 1009): the server's own closes were counted when sent.
      if (session.state === 'open') this.#options.metrics?.closed(code);
      session.closed();
      this.sessions.delete(session);
    });
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
    for (const timer of this.#timers) clearInterval(timer);
    for (const session of this.sessions) session.close(CLOSE_CODES.SERVER_SHUTDOWN);
    const deadline = Date.now() + timeoutMs;
    while (this.sessions.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    for (const session of this.sessions) session.terminate();
    this.#wss.close();
  }
}

function rawToString(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

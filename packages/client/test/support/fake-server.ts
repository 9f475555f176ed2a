/**
 * A protocol-level fake of the meeting service for SDK tests: the two token calls over HTTP and the push socket,
 * on real sockets (127.0.0.1, port 0). Tests script the socket frame by frame, so every reconnect and resume
 * scenario is deterministic.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PUSH_PATH } from '@confpush/protocol';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { waitFor } from './wait.js';

export const CONFERENCE_ID = '900487914';
export const HOST_PASSWORD = 'host-pass';

export interface RestCall {
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
}

export type Frame = Record<string, unknown>;

/** One accepted push socket, seen from the server side. */
export class FakeSocket {
  /** Frames the client sent, parsed. */
  readonly received: Frame[] = [];
  closed: { code: number; reason: string } | undefined;
  /** Echo `HeartBeat` frames as the real service does. */
  echoHeartbeats = true;
  #cursor = 0;

  constructor(
    readonly ws: WebSocket,
    readonly url: URL,
  ) {
    ws.on('message', (data: RawData) => {
      const frame = JSON.parse(rawText(data)) as Frame;
      this.received.push(frame);
      if (frame['action'] === 'HeartBeat' && this.echoHeartbeats) this.send(frame);
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
    });
  }

  /** The next frame of `action` the client sent (after the ones already returned). */
  async next(action: string): Promise<Frame> {
    let found: Frame | undefined;
    await waitFor(() => {
      const index = this.received.findIndex((f, i) => i >= this.#cursor && f['action'] === action);
      if (index < 0) return false;
      this.#cursor = index + 1;
      found = this.received[index];
      return true;
    }, `a ${action} frame from the client`);
    return found as Frame;
  }

  /** The decoded `data` of the next `Subscribe` frame, with the frame's sequence. */
  async nextSubscribe(): Promise<{ sequence: string; data: Frame; frame: Frame }> {
    const frame = await this.next('Subscribe');
    return { sequence: String(frame['sequence']), data: JSON.parse(String(frame['data'])) as Frame, frame };
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  close(code: number, reason = ''): void {
    this.ws.close(code, reason);
  }

  /** Cuts the TCP connection without a close frame (the client sees 1006). */
  cut(): void {
    this.ws.terminate();
  }

  async waitClosed(): Promise<{ code: number; reason: string }> {
    await waitFor(() => this.closed !== undefined, 'the socket to close');
    return this.closed as { code: number; reason: string };
  }
}

export interface FakeServerOptions {
  /** Lifetime of control tokens, ms (default 30 min). */
  tokenLifetimeMs?: number;
}

export class FakeMeetingServer {
  readonly tokenCalls: RestCall[] = [];
  readonly wsTokenCalls: RestCall[] = [];
  readonly sockets: FakeSocket[] = [];
  readonly issuedWsTokens: string[] = [];
  readonly usedWsTokens: string[] = [];
  tokenLifetimeMs: number;
  /** When set, both token calls answer that the meeting is not in progress. */
  meetingEnded = false;
  readonly #controlTokens = new Map<string, number>();
  readonly #openWsTokens = new Set<string>();
  #tokenCounter = 0;
  #socketCursor = 0;

  private constructor(
    private readonly http: Server,
    private readonly wss: WebSocketServer,
    options: FakeServerOptions,
  ) {
    this.tokenLifetimeMs = options.tokenLifetimeMs ?? 30 * 60_000;
  }

  static async start(options: FakeServerOptions = {}): Promise<FakeMeetingServer> {
    const wss = new WebSocketServer({ noServer: true });
    const http = createServer();
    const server = new FakeMeetingServer(http, wss, options);
    http.on('request', (req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const { status, body } = server.#rest(url, req.headers);
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    });
    http.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname !== PUSH_PATH) return socket.destroy();
      wss.handleUpgrade(req, socket, head, (ws) => server.#accept(ws, url));
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    return server;
  }

  get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Forgets every control token (the next keep-alive or wsToken call with one fails). */
  revokeControlTokens(): void {
    this.#controlTokens.clear();
  }

  /** The n-th socket the client opened (0-based, in order), waiting for it. */
  async socket(index: number): Promise<FakeSocket> {
    await waitFor(() => this.sockets.length > index, `socket #${index}`);
    return this.sockets[index] as FakeSocket;
  }

  /** The next socket not yet returned by this method. */
  async nextSocket(): Promise<FakeSocket> {
    return this.socket(this.#socketCursor++);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.ws.terminate();
    this.wss.close();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  #rest(url: URL, headers: IncomingHttpHeaders): { status: number; body: unknown } {
    const call = { path: url.pathname, query: url.searchParams, headers };
    if (url.searchParams.get('conferenceID') !== CONFERENCE_ID)
      return error(400, 'MMC.111072065', 'CONF_NOT_FOUND_OR_AUTH_FAILED');
    if (url.pathname === '/v1/mmc/control/conferences/token') {
      this.tokenCalls.push(call);
      if (this.meetingEnded) return error(400, 'MMC.111072005', 'CONF_NOT_STARTED_OR_ENDED');
      const existing = header(headers, 'x-conference-authorization');
      const now = Date.now();
      if (existing !== undefined && (this.#controlTokens.get(existing) ?? 0) > now) {
        return this.#tokenResponse(existing, now);
      }
      if (header(headers, 'x-password') !== HOST_PASSWORD)
        return error(400, 'MMC.111072065', 'CONF_NOT_FOUND_OR_AUTH_FAILED');
      return this.#tokenResponse(`ctl-${++this.#tokenCounter}`, now);
    }
    if (url.pathname === '/v1/mmc/control/conferences/wsToken') {
      this.wsTokenCalls.push(call);
      if (this.meetingEnded) return error(400, 'MMC.111072005', 'CONF_NOT_STARTED_OR_ENDED');
      const token = header(headers, 'x-conference-authorization') ?? '';
      const expires = this.#controlTokens.get(token);
      if (expires === undefined) return error(400, 'MMC.111072065', 'CONF_NOT_FOUND_OR_AUTH_FAILED');
      if (expires <= Date.now()) return error(401, 'MMC.111072066', 'CONF_TOKEN_EXPIRED');
      const wsToken = `ws-${this.issuedWsTokens.length + 1}`;
      this.issuedWsTokens.push(wsToken);
      this.#openWsTokens.add(wsToken);
      return { status: 200, body: { webSocketToken: wsToken } };
    }
    return error(404, 'APIGW.0101', 'API_NOT_FOUND');
  }

  #tokenResponse(token: string, now: number): { status: number; body: unknown } {
    const expireTime = now + this.tokenLifetimeMs;
    this.#controlTokens.set(token, expireTime);
    return {
      status: 200,
      body: {
        data: {
          token,
          tmpWsToken: 'unused-tmp',
          wsURL: `ws://127.0.0.1:${this.port}`,
          role: 1,
          expireTime,
          confTokenExpireTime: String(Math.round(this.tokenLifetimeMs / 1000)),
          supportNotifyType: ['ParticipantsNotify'],
        },
        addressToken: 'addr',
        gloablPublicIP: '127.0.0.1',
      },
    };
  }

  #accept(ws: WebSocket, url: URL): void {
    const token = url.searchParams.get('tmpToken') ?? '';
    if (!this.#openWsTokens.delete(token) || url.searchParams.get('confID') !== CONFERENCE_ID) {
      ws.close(4001, 'WS_TOKEN_INVALID');
      return;
    }
    this.usedWsTokens.push(token);
    this.sockets.push(new FakeSocket(ws, url));
  }
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' ? value : undefined;
}

function error(status: number, code: string, msg: string): { status: number; body: unknown } {
  return { status, body: { error_code: code, error_msg: msg } };
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

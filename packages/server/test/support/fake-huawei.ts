/**
 * A scripted stand-in for Huawei Cloud Meeting, just what the relay calls: App ID authentication, the online list,
 * a meeting's details, the control and WebSocket tokens, and the push socket. Every `Subscribe` is answered with
 * the reply given, then the test sends frames (`send`) to every open socket, or waits for the next subscription.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PUSH_PATH } from '@confpush/protocol';
import { WebSocketServer, type WebSocket } from 'ws';

export interface FakeHuaweiOptions {
  conferenceID: string;
  hostPassword: string;
  subscribeReply: unknown;
}

export class FakeHuawei {
  readonly #http: Server;
  readonly #wss: WebSocketServer;
  readonly #o: FakeHuaweiOptions;
  readonly #sockets = new Set<WebSocket>();
  /** Subscriptions answered so far, and who waits for the next one. */
  subscriptions = 0;
  #waiters: { count: number; resolve: () => void }[] = [];

  private constructor(options: FakeHuaweiOptions) {
    this.#o = options;
    this.#wss = new WebSocketServer({ noServer: true });
    this.#http = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const body = this.#answer(req.method ?? 'GET', url, req.headers['x-password']);
      res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body ?? { error_code: 'NOT_FOUND', error_msg: url.pathname }));
    });
    this.#http.on('upgrade', (req, socket, head) => {
      if (!(req.url ?? '').startsWith(PUSH_PATH)) return socket.destroy();
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws));
    });
  }

  static async start(options: FakeHuaweiOptions): Promise<FakeHuawei> {
    const fake = new FakeHuawei(options);
    await new Promise<void>((resolve) => fake.#http.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#http.address() as AddressInfo).port}`;
  }

  /** Sends a frame to every open push socket. */
  send(frame: unknown): void {
    for (const ws of this.#sockets) ws.send(JSON.stringify(frame));
  }

  /** Resolves once `count` subscriptions have been answered in all. */
  subscribed(count: number): Promise<void> {
    if (this.subscriptions >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }

  /** Ends the meeting: every socket is closed as Huawei does when a meeting ends. */
  endMeeting(): void {
    for (const ws of this.#sockets) ws.close(4005, 'meeting ended');
  }

  async close(): Promise<void> {
    for (const ws of this.#sockets) ws.terminate();
    this.#wss.close();
    this.#http.closeAllConnections();
    await new Promise<void>((resolve) => this.#http.close(() => resolve()));
  }

  #answer(method: string, url: URL, password: string | string[] | undefined): unknown {
    const { conferenceID, hostPassword } = this.#o;
    const path = url.pathname;
    if (method === 'POST' && path === '/v2/usg/acs/auth/appauth')
      return { accessToken: 'fake-access', validPeriod: 3600, expireTime: Date.now() / 1000 + 3600 };
    if (path === '/v1/mmc/management/conferences/online')
      return { offset: 0, limit: 500, count: 1, data: [{ conferenceID, conferenceState: 'Created' }] };
    if (path === '/v1/mmc/management/conferences/confDetail')
      return {
        conferenceData: {
          conferenceID,
          subject: 'huawei meeting',
          conferenceState: 'Created',
          mediaTypes: 'Voice,Video',
          startTime: '2021-01-30 06:00',
          endTime: '2021-01-30 08:00',
          passwordEntry: [
            { conferenceRole: 'chair', password: hostPassword },
            { conferenceRole: 'general', password: '246800' },
          ],
        },
      };
    if (path === '/v1/mmc/control/conferences/token') {
      if (password !== hostPassword) return undefined;
      return {
        data: {
          token: 'fake-control',
          wsURL: this.url.replace('http', 'ws'),
          expireTime: Date.now() + 1_800_000,
        },
      };
    }
    if (path === '/v1/mmc/control/conferences/wsToken') return { webSocketToken: `fake-ws-${Date.now()}` };
    return undefined;
  }

  #accept(ws: WebSocket): void {
    this.#sockets.add(ws);
    ws.on('close', () => this.#sockets.delete(ws));
    ws.on('message', (raw) => {
      const frame = JSON.parse(String(raw)) as Record<string, unknown>;
      if (frame['action'] === 'HeartBeat') ws.send(JSON.stringify(frame));
      if (frame['action'] !== 'Subscribe') return;
      ws.send(JSON.stringify(this.#o.subscribeReply));
      this.subscriptions++;
      const ready = this.#waiters.filter((w) => w.count <= this.subscriptions);
      this.#waiters = this.#waiters.filter((w) => w.count > this.subscriptions);
      for (const waiter of ready) waiter.resolve();
    });
  }
}

/**
 * A client of Janus's WebSocket API (subprotocol `janus-protocol`) holding one session with one VideoRoom handle:
 * every request carries a transaction and resolves with Janus's answer; the session is kept alive; a lost
 * connection (Janus restarted, network) is re-established with a growing back-off, a new session and handle, and
 * `onConnected` runs again so that the owner can reconcile.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import type { Clock, TimerHandle } from '../clock.js';

export const VIDEOROOM = 'janus.plugin.videoroom';

/** What the VideoRoom plugin answered to a synchronous request (`plugindata.data`). */
export type PluginData = Record<string, unknown>;

export class JanusError extends Error {
  constructor(
    message: string,
    readonly code?: number,
  ) {
    super(message);
    this.name = 'JanusError';
  }
}

export interface JanusClientOptions {
  url: string;
  logger: Logger;
  clock: Clock;
  /** Runs after every (re)connection, once the VideoRoom handle is attached. */
  onConnected: () => Promise<void> | void;
  /** How long one request may take, ms. */
  requestTimeoutMs?: number;
  /** Janus drops a session without traffic after 60 s by default. */
  keepAliveMs?: number;
}

interface Pending {
  resolve: (message: Record<string, unknown>) => void;
  reject: (error: Error) => void;
  timer: TimerHandle;
}

const RETRY_MIN_MS = 200;
const RETRY_MAX_MS = 5000;

export class JanusClient {
  readonly #options: Required<Omit<JanusClientOptions, 'logger'>> & { logger: Logger };
  readonly #pending = new Map<string, Pending>();
  #socket: WebSocket | undefined;
  #session: number | undefined;
  #handle: number | undefined;
  #keepAlive: TimerHandle | undefined;
  #retry: TimerHandle | undefined;
  #retryMs = RETRY_MIN_MS;
  #closed = false;
  #connected = false;
  /** Connections made so far (a number above 1 means Janus or the link came back). */
  connections = 0;

  constructor(options: JanusClientOptions) {
    this.#options = { requestTimeoutMs: 10_000, keepAliveMs: 25_000, ...options };
  }

  /** Connected, with a session and a VideoRoom handle. */
  get connected(): boolean {
    return this.#connected;
  }

  /** Starts connecting; resolves after the first attempt (connected or not: it keeps trying). */
  async start(): Promise<void> {
    await this.#connect();
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    try {
      const socket = await this.#open();
      this.#socket = socket;
      const session = await this.#send({ janus: 'create' });
      this.#session = Number((session['data'] as { id: number }).id);
      const attached = await this.#send({ janus: 'attach', plugin: VIDEOROOM, session_id: this.#session });
      this.#handle = Number((attached['data'] as { id: number }).id);
      this.#connected = true;
      this.#retryMs = RETRY_MIN_MS;
      this.connections += 1;
      this.#scheduleKeepAlive();
      this.#options.logger.info({ url: this.#options.url, session: this.#session }, 'connected to Janus');
      await this.#options.onConnected();
    } catch (error) {
      this.#options.logger.warn({ err: error, url: this.#options.url }, 'Janus connection failed');
      this.#socket?.terminate();
    }
  }

  #open(): Promise<WebSocket> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(this.#options.url, 'janus-protocol');
      socket.once('open', () => resolve(socket));
      socket.once('error', reject);
      socket.on('message', (data) => this.#receive(String(data)));
      socket.once('close', () => this.#lost(socket));
    });
  }

  #lost(socket: WebSocket): void {
    if (socket !== this.#socket && this.#socket !== undefined) return;
    this.#socket = undefined;
    this.#connected = false;
    this.#session = undefined;
    this.#handle = undefined;
    if (this.#keepAlive !== undefined) this.#options.clock.clearTimeout(this.#keepAlive);
    for (const [id, pending] of this.#pending) {
      this.#options.clock.clearTimeout(pending.timer);
      pending.reject(new JanusError('connection to Janus lost'));
      this.#pending.delete(id);
    }
    if (this.#closed) return;
    const delay = this.#retryMs;
    this.#retryMs = Math.min(this.#retryMs * 2, RETRY_MAX_MS);
    this.#retry = this.#options.clock.setTimeout(() => {
      this.#retry = undefined;
      void this.#connect();
    }, delay);
  }

  #scheduleKeepAlive(): void {
    this.#keepAlive = this.#options.clock.setTimeout(() => {
      if (!this.#connected) return;
      this.#send({ janus: 'keepalive', session_id: this.#session })
        .catch((error: unknown) => this.#options.logger.warn({ err: error }, 'Janus keepalive failed'))
        .finally(() => {
          if (this.#connected) this.#scheduleKeepAlive();
        });
    }, this.#options.keepAliveMs);
  }

  #receive(text: string): void {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    const transaction = message['transaction'];
    if (typeof transaction !== 'string') return;
    // Asynchronous plugin requests are first acknowledged ('ack'); the answer follows with the same transaction.
    if (message['janus'] === 'ack') return;
    const pending = this.#pending.get(transaction);
    if (!pending) return;
    this.#pending.delete(transaction);
    this.#options.clock.clearTimeout(pending.timer);
    if (message['janus'] === 'error') {
      const error = message['error'] as { code?: number; reason?: string } | undefined;
      pending.reject(new JanusError(error?.reason ?? 'Janus error', error?.code));
    } else {
      pending.resolve(message);
    }
  }

  #send(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const socket = this.#socket;
    if (!socket || socket.readyState !== WebSocket.OPEN)
      return Promise.reject(new JanusError('not connected to Janus'));
    const transaction = randomUUID();
    return new Promise((resolve, reject) => {
      const timer = this.#options.clock.setTimeout(() => {
        this.#pending.delete(transaction);
        reject(new JanusError(`Janus did not answer ${String(body['janus'])} in time`));
      }, this.#options.requestTimeoutMs);
      this.#pending.set(transaction, { resolve, reject, timer });
      socket.send(JSON.stringify({ ...body, transaction }));
    });
  }

  /**
   * A synchronous VideoRoom request (create, destroy, allowed, moderate, kick, listparticipants, exists, list).
   * Resolves with the plugin's data; rejects with a `JanusError` carrying the plugin's `error_code` when it refused.
   */
  async videoroom(request: Record<string, unknown>): Promise<PluginData> {
    if (!this.#connected) throw new JanusError('not connected to Janus');
    const answer = await this.#send({
      janus: 'message',
      session_id: this.#session,
      handle_id: this.#handle,
      body: request,
    });
    const data = (answer['plugindata'] as { data?: PluginData } | undefined)?.data ?? {};
    if (data['videoroom'] === 'event' && typeof data['error_code'] === 'number') {
      throw new JanusError(String(data['error'] ?? 'VideoRoom error'), data['error_code']);
    }
    return data;
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retry !== undefined) this.#options.clock.clearTimeout(this.#retry);
    const socket = this.#socket;
    if (!socket) return;
    if (this.#connected) {
      await this.#send({ janus: 'destroy', session_id: this.#session }).catch(() => undefined);
    }
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.close();
    });
  }
}

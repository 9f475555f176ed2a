/**
 * A webhook receiver for tests: HTTPS on loopback with a certificate made at test time. It checks every request's
 * signature the way the reference documents it (HMAC-SHA256 of appID + timestamp + nonce + the eventInfo text as
 * sent, keyed with the subscriber key), echoes the nonce of `meeting.verify`, records the deliveries, and can be
 * told to answer 500, to hang, or to be down (and back on the same port).
 */
import { createHmac } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { selfSigned } from './certificate.js';

export interface Received {
  requestId: string;
  appID: string;
  nonce: string;
  signatureValid: boolean;
  eventInfo: {
    event: string;
    timestamp: number;
    payload?: { meetingInfo: { meetingID: string } } & Record<string, unknown>;
  };
  headers: Record<string, string | string[] | undefined>;
}

export type Mode = 'ok' | 'fail' | 'hang' | 'wrong-nonce';

export class WebhookReceiver extends EventEmitter {
  readonly received: Received[] = [];
  readonly certFile: string;
  mode: Mode = 'ok';
  /** Requests being answered now, and the most there were at once. */
  concurrent = 0;
  maxConcurrent = 0;
  #server: Server | undefined;
  #port = 0;
  readonly #tls: { cert: Buffer; key: Buffer };
  readonly #hanging = new Set<import('node:http').ServerResponse>();

  private constructor(
    readonly subscriberKey: string,
    files: { cert: string; key: string },
  ) {
    super();
    this.certFile = files.cert;
    this.#tls = { cert: readFileSync(files.cert), key: readFileSync(files.key) };
  }

  static async start(subscriberKey: string): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver(subscriberKey, selfSigned());
    await receiver.up();
    return receiver;
  }

  get url(): string {
    return `https://127.0.0.1:${this.#port}/openapi/meetingevent`;
  }

  /**
   * Delivered events (answered 200), not verifications, each once: a retry of an attempt whose answer the sender
   * missed (at-least-once) carries the same X-Request-ID, which is how a receiver recognises it.
   */
  events(): Received[] {
    const seen = new Set<string>();
    return this.received.filter((r) => {
      if (r.eventInfo.event === 'meeting.verify' || seen.has(r.requestId)) return false;
      seen.add(r.requestId);
      return true;
    });
  }

  async up(): Promise<void> {
    const server = createServer(this.#tls, (req, res) => {
      this.maxConcurrent = Math.max(this.maxConcurrent, ++this.concurrent);
      res.on('close', () => {
        this.concurrent--;
        if (!res.writableFinished) this.emit('aborted'); // the sender gave up (its timeout)
      });
      let raw = '';
      req.on('data', (d: Buffer) => (raw += d.toString()));
      req.on('end', () => {
        if (this.mode === 'hang') {
          this.#hanging.add(res);
          this.emit('hung');
          return;
        }
        if (this.mode === 'fail') {
          res.writeHead(500).end();
          this.emit('failed');
          return;
        }
        const body = JSON.parse(raw) as Omit<Received, 'signatureValid' | 'headers' | 'requestId'> & {
          signature: string;
          timestamp: number;
        };
        const eventInfoText = raw.slice(
          raw.indexOf('"eventInfo":') + '"eventInfo":'.length,
          raw.lastIndexOf('}'),
        );
        const expected = createHmac('sha256', this.subscriberKey)
          .update(body.appID + String(body.timestamp) + body.nonce + eventInfoText)
          .digest('hex');
        const received: Received = {
          requestId: String(req.headers['x-request-id'] ?? ''),
          appID: body.appID,
          nonce: body.nonce,
          signatureValid: expected === body.signature,
          eventInfo: body.eventInfo,
          headers: req.headers,
        };
        if (body.eventInfo.event === 'meeting.verify') {
          const nonce = this.mode === 'wrong-nonce' ? `${body.nonce}x` : body.nonce;
          res.writeHead(200, { 'content-type': 'application/json;charset=UTF-8' });
          res.end(JSON.stringify({ event: 'meeting.verify', nonce }));
        } else {
          res.writeHead(200).end();
        }
        this.received.push(received);
        this.emit('received', received);
      });
    });
    await new Promise<void>((resolve) => server.listen(this.#port, '127.0.0.1', resolve));
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  /** Stops listening (connections refused) until `up()`. */
  async down(): Promise<void> {
    for (const res of this.#hanging) res.destroy();
    this.#hanging.clear();
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Resolves once `count` events (beyond verifications) have been received. */
  async waitForEvents(count: number, timeoutMs = 15_000): Promise<Received[]> {
    if (this.events().length >= count) return this.events();
    return new Promise<Received[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('received', check);
        reject(
          new Error(
            `${this.events().length} of ${count} events arrived: ${this.events()
              .map((e) => e.eventInfo.event)
              .join(', ')}`,
          ),
        );
      }, timeoutMs);
      const check = () => {
        if (this.events().length < count) return;
        clearTimeout(timer);
        this.off('received', check);
        resolve(this.events());
      };
      this.on('received', check);
    });
  }

  /** Resolves at the next occurrence of `event` ('failed', 'hung', 'received'). */
  next(event: 'failed' | 'hung' | 'aborted' | 'received'): Promise<void> {
    return new Promise((resolve) => this.once(event, () => resolve()));
  }
}

/**
 * The Redis broker: one subscriber connection per node, one channel per loaded meeting (`<p>{m:<confId>}:ch`).
 * The commit script publishes every entry on it in commit order (see `broker.ts` for the contract).
 */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { RedisKeys } from '../store/redis-keys.js';
import type { Broker, BrokerEntry } from './broker.js';

export interface RedisBrokerOptions {
  url: string;
  prefix: string;
  logger?: Logger | undefined;
}

export class RedisBroker implements Broker {
  readonly #sub: Redis;
  readonly #keys: RedisKeys;
  readonly #logger: Logger | undefined;
  /** channel → handler */
  readonly #handlers = new Map<string, (entry: BrokerEntry) => void>();
  readonly #reconnectHandlers: (() => void)[] = [];
  #connectedOnce = false;

  constructor(options: RedisBrokerOptions) {
    this.#keys = new RedisKeys(options.prefix);
    this.#logger = options.logger;
    this.#sub = new Redis(options.url, {
      lazyConnect: true,
      connectionName: 'confpush-broker',
      retryStrategy: (times) => Math.min(50 * times, 1000),
      autoResubscribe: true,
    });
    this.#sub.on('message', (channel: string, message: string) => this.#onMessage(channel, message));
    this.#sub.on('ready', () => this.#onReady());
    this.#sub.on('error', (err: Error) =>
      this.#logger?.warn({ err: err.message }, 'redis broker connection error'),
    );
  }

  async open(): Promise<void> {
    await this.#sub.connect();
  }

  async subscribe(confId: string, onEntry: (entry: BrokerEntry) => void): Promise<void> {
    const channel = this.#keys.channel(confId);
    this.#handlers.set(channel, onEntry);
    await this.#sub.subscribe(channel);
  }

  async unsubscribe(confId: string): Promise<void> {
    const channel = this.#keys.channel(confId);
    if (!this.#handlers.delete(channel)) return;
    await this.#sub.unsubscribe(channel);
  }

  onReconnect(handler: () => void): void {
    this.#reconnectHandlers.push(handler);
  }

  #onMessage(channel: string, message: string): void {
    const handler = this.#handlers.get(channel);
    if (!handler) return;
    let entry: BrokerEntry;
    try {
      entry = JSON.parse(message) as BrokerEntry;
    } catch (err) {
      this.#logger?.error({ err, channel }, 'unreadable broker message');
      return;
    }
    handler(entry);
  }

  /** After a reconnect (ioredis has re-subscribed every channel): a PING answered means the SUBSCRIBE is in place. */
  #onReady(): void {
    if (!this.#connectedOnce) {
      this.#connectedOnce = true;
      return;
    }
    this.#sub.ping().then(
      () => {
        for (const handler of this.#reconnectHandlers) handler();
      },
      (err: unknown) => this.#logger?.warn({ err }, 'broker ping after reconnect failed'),
    );
  }

  async close(): Promise<void> {
    this.#handlers.clear();
    this.#sub.disconnect(false);
  }
}

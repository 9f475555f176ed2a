/**
 * A confpush node: wiring and lifecycle. Opens the store, registers the start-up app credential, builds the
 * engine, hub, gateway and REST API, and listens. `close()` shuts down in order: stop accepting, close sockets
 * with SERVER_SHUTDOWN, finish pending commits, close the store.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import pino, { type Logger } from 'pino';
import { buildApi } from './api/app.js';
import type { Api } from './api/context.js';
import { AccessTokens } from './auth/access-tokens.js';
import { MeetingTokens } from './auth/meeting-tokens.js';
import { systemClock, type Clock } from './clock.js';
import { ConfigError, type Config } from './config.js';
import { Engine } from './engine/engine.js';
import { Gateway } from './gateway/gateway.js';
import { Hub } from './hub/hub.js';
import { hex32 } from './ids.js';
import { SqliteStore } from './store/sqlite.js';

export interface NodeOptions {
  config: Config;
  clock?: Clock;
  logger?: Logger;
}

export interface AppCredential {
  appId: string;
  appKey: string;
  corpId: string;
  generated: boolean;
}

export class ConfpushNode {
  readonly config: Config;
  readonly store: SqliteStore;
  readonly engine: Engine;
  readonly hub: Hub;
  readonly gateway: Gateway;
  readonly api: Api;
  readonly logger: Logger;
  readonly clock: Clock;
  credential: AppCredential | undefined;
  #url = '';
  #housekeeping: NodeJS.Timeout | undefined;

  private constructor(options: NodeOptions) {
    this.config = options.config;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? pino({ level: this.config.logLevel, base: { service: 'confpush' } });
    this.store = new SqliteStore({
      dataDir: this.config.dataDir,
      syncMode: this.config.syncMode,
      logRetention: this.config.logRetention,
    });
    this.engine = new Engine({
      store: this.store,
      clock: this.clock,
      logger: this.logger,
      recentCapacity: this.config.logRetention,
    });
    this.hub = new Hub(this.clock);
    this.engine.addListener(this.hub);
    const meetingTokens = new MeetingTokens({
      store: this.store,
      clock: this.clock,
      confTokenTtlMs: this.config.confTokenTtlMs,
      wsTokenTtlMs: this.config.wsTokenTtlMs,
    });
    const accessTokens = new AccessTokens({ store: this.store, clock: this.clock, config: this.config });
    this.gateway = new Gateway({
      engine: this.engine,
      hub: this.hub,
      tokens: meetingTokens,
      clock: this.clock,
      logger: this.logger,
      softLimitBytes: this.config.queueSoftLimitBytes,
      hardLimitBytes: this.config.queueHardLimitBytes,
      maxFrameBytes: this.config.maxFrameBytes,
      heartbeatTimeoutMs: this.config.heartbeatTimeoutMs,
      pingIntervalMs: this.config.pingIntervalMs,
    });
    const https =
      this.config.tlsCert !== ''
        ? { cert: readFileSync(this.config.tlsCert), key: readFileSync(this.config.tlsKey) }
        : undefined;
    this.api = buildApi(
      {
        config: this.config,
        store: this.store,
        engine: this.engine,
        meetingTokens,
        accessTokens,
        clock: this.clock,
        publicUrl: () => this.publicUrl,
      },
      { logger: this.logger, ...(https ? { https } : {}) },
    );
    this.api.server.on('upgrade', (req, socket, head) => {
      if (!this.gateway.handleUpgrade(req, socket, head)) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      }
    });
  }

  static async start(options: NodeOptions): Promise<ConfpushNode> {
    if (options.config.redisUrl !== '') {
      throw new ConfigError([
        'redisUrl (CONFPUSH_REDIS_URL): cluster mode on Redis is not available in this version',
      ]);
    }
    const node = new ConfpushNode(options);
    try {
      node.credential = await node.#registerApp();
      await node.api.listen({ port: node.config.port, host: node.config.host });
    } catch (error) {
      await node.store.close();
      throw error;
    }
    const address = node.api.server.address() as AddressInfo;
    const scheme = node.config.tlsCert !== '' ? 'https' : 'http';
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const reachable = host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host;
    node.#url = `${scheme}://${reachable}:${address.port}`;
    node.#housekeeping = setInterval(() => node.store.purgeExpired(node.clock.now()), 60_000).unref();
    return node;
  }

  /** Where this node listens, e.g. `http://127.0.0.1:8080`. */
  get url(): string {
    return this.#url;
  }

  /** The configured public base URL, or the listening URL. No trailing slash. */
  get publicUrl(): string {
    return (this.config.publicUrl || this.#url).replace(/\/+$/, '');
  }

  async #registerApp(): Promise<AppCredential | undefined> {
    const { config } = this;
    let credential: AppCredential | undefined;
    if (config.appId !== '') {
      credential = { appId: config.appId, appKey: config.appKey, corpId: config.corpId, generated: false };
    } else if (config.dev) {
      const file = join(config.dataDir, 'dev-credential.json');
      if (existsSync(file)) {
        credential = { ...(JSON.parse(readFileSync(file, 'utf8')) as AppCredential), generated: false };
      } else {
        credential = { appId: hex32(), appKey: hex32(), corpId: config.corpId, generated: true };
        writeFileSync(
          file,
          JSON.stringify({ appId: credential.appId, appKey: credential.appKey, corpId: credential.corpId }),
          {
            mode: 0o600,
          },
        );
      }
    }
    if (!credential) return undefined;
    const now = this.clock.now();
    if (!(await this.store.getCorp(credential.corpId))) {
      await this.store.putCorp({ corpId: credential.corpId, spId: null, name: 'confpush', createdAt: now });
    }
    await this.store.putApp({
      appId: credential.appId,
      appKey: credential.appKey,
      kind: 'enterprise',
      corpId: credential.corpId,
      spId: null,
      createdAt: now,
    });
    return credential;
  }

  async close(): Promise<void> {
    if (this.#housekeeping) clearInterval(this.#housekeeping);
    await this.gateway.close();
    await this.api.close();
    await this.engine.drain();
    await this.store.close();
  }
}

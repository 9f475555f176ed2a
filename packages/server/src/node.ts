/**
 * A confpush node: wiring and lifecycle. Opens the store, registers the start-up app credential, builds the
 * engine, hub, gateway and REST API, and listens. `close()` shuts down in order: stop accepting, close sockets
 * with SERVER_SHUTDOWN, finish pending commits, close the store.
 *
 * The store (`openStore`) is the embedded SQLite file, a one-node cluster with an in-memory broker, or, when
 * `redisUrl` is set (cluster mode), Redis plus a Redis broker: any number of nodes then serve the same meetings
 * (docs/cluster.md).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { buildApi } from './api/app.js';
import { DEMO_REQUEST_HEADER } from './api/request-log.js';
import type { Api } from './api/context.js';
import { AccessTokens } from './auth/access-tokens.js';
import { MeetingTokens } from './auth/meeting-tokens.js';
import { systemClock, type Clock, type TimerHandle } from './clock.js';
import type { Config } from './config.js';
import type { Broker } from './broker/broker.js';
import { Engine } from './engine/engine.js';
import { Gateway } from './gateway/gateway.js';
import { Hub } from './hub/hub.js';
import type { MediaTimers } from './media/timers.js';
import { hex32, newEpoch, secretHex } from './ids.js';
import { Limits } from './limits/index.js';
import { createLogger } from './logger.js';
import { Metrics } from './metrics.js';
import { startOwnDemo, type Demo } from './simulator/demo.js';
import { builtinSources } from './sources/builtin.js';
import { sourcePort, sourcesConfControl, sourcesHealth } from './sources/port.js';
import type { Source } from './sources/source.js';
import { openStore } from './store/open.js';
import type { Store } from './store/types.js';

export interface NodeOptions {
  config: Config;
  clock?: Clock;
  logger?: Logger;
  /** Time of the media plane (speaker coalescing, simulated callees) when not `clock`; tests inject `ManualTimers`. */
  mediaTimers?: MediaTimers;
  /**
   * Sources and sinks beyond the built-in ones (src/sources/source.ts): started after the engine, stopped before
   * it drains, their routes served by the API and their health part of `/readyz`.
   */
  sources?: readonly Source[];
}

export interface AppCredential {
  appId: string;
  appKey: string;
  corpId: string;
  generated: boolean;
}

export class ConfpushNode {
  readonly config: Config;
  /** SQLite (embedded) or Redis (cluster mode). */
  readonly store: Store;
  /** The fan-out of changes between nodes (in memory for the embedded store). */
  readonly broker: Broker;
  /** Identifies this process among the nodes of a cluster (new at every start). */
  readonly nodeId = newEpoch();
  readonly engine: Engine;
  readonly hub: Hub;
  readonly gateway: Gateway;
  readonly api: Api;
  readonly logger: Logger;
  readonly metrics = new Metrics();
  /** Abuse limits (src/limits/, SECURITY.md). */
  readonly limits: Limits;
  readonly clock: Clock;
  /** Everything that feeds meetings besides the control API, or reads their changes (src/sources/). */
  readonly sources: readonly Source[];
  credential: AppCredential | undefined;
  /** The demo meeting's scenario (`demo` setting); undefined when it could not start. */
  demo: Demo | undefined;
  #url = '';
  /** Marks the demo's own requests, which the request log writes at debug. */
  readonly #demoRequestToken = secretHex();
  #housekeeping: TimerHandle | undefined;
  /** True from the end of `start()` until `close()` begins (`/readyz`). */
  #ready = false;

  private constructor(options: NodeOptions & { logger: Logger }, opened: { store: Store; broker: Broker }) {
    this.config = options.config;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger;
    this.limits = new Limits({ config: this.config, clock: this.clock, reporter: this.metrics });
    this.store = opened.store;
    this.broker = opened.broker;
    const accessTokens = new AccessTokens({
      store: this.store.identity,
      clock: this.clock,
      config: this.config,
    });
    // Before the engine: a sink may commit outbox messages with every change (its commit extension).
    this.sources = [
      ...builtinSources({
        config: this.config,
        store: this.store,
        accessTokens,
        authAttempts: this.limits.authAttempts,
        mediaTimers: options.mediaTimers,
      }),
      ...(options.sources ?? []),
    ];
    this.engine = new Engine({
      store: this.store.meetings,
      broker: this.broker,
      nodeId: this.nodeId,
      inUse: (confId) => this.hub.hasSubscribers(confId),
      clock: this.clock,
      logger: this.logger,
      recentCapacity: this.config.logRetention,
      metrics: this.metrics,
      extensions: this.sources.flatMap((source) => (source.commitExtension ? [source.commitExtension] : [])),
    });
    this.hub = new Hub(this.clock);
    this.engine.addListener(this.hub);
    const meetingTokens = new MeetingTokens({
      store: this.store,
      clock: this.clock,
      confTokenTtlMs: this.config.confTokenTtlMs,
      wsTokenTtlMs: this.config.wsTokenTtlMs,
      wsTokenBudget: this.limits.wsTokens,
    });
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
      tokenGraceMs: this.config.confTokenGraceMs,
      pingIntervalMs: this.config.pingIntervalMs,
      metrics: this.metrics,
      limits: this.limits,
      forwardConfControl: (request) => sourcesConfControl(this.sources, request),
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
        authAttempts: this.limits.authAttempts,
        quotas: this.limits.quotas({
          store: this.store.meetings,
          meetingState: async (confId) => (await this.engine.load(confId))?.working,
        }),
      },
      {
        logger: this.logger,
        ready: () => {
          if (!this.#ready) return { ready: false };
          const { ready, reason } = sourcesHealth(this.sources);
          return ready ? { ready } : { ready, reason };
        },
        metrics: this.metrics,
        demoRequestToken: this.#demoRequestToken,
        sourceRoutes: this.sources.flatMap((source) => (source.routes ? [source.routes] : [])),
        ...(https ? { https } : {}),
      },
    );
    this.api.server.on('upgrade', (req, socket, head) => {
      if (!this.gateway.handleUpgrade(req, socket, head)) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      }
    });
    this.metrics.bind({
      sockets: () => this.gateway.sessions,
      subscriptions: () => this.hub.subscriptionCounts(),
      meetingsLoaded: () => this.engine.meetingsLoaded,
    });
  }

  static async start(options: NodeOptions): Promise<ConfpushNode> {
    const logger = options.logger ?? createLogger(options.config);
    const opened = await openStore(options.config, {
      clock: options.clock,
      logger,
      backgroundCheckpoint: true,
    });
    let node: ConfpushNode;
    try {
      node = new ConfpushNode({ ...options, logger }, opened);
    } catch (error) {
      await opened.broker.close();
      await opened.store.close();
      throw error;
    }
    try {
      // Another Redis incarnation may have lost data: register the start-up credential again.
      node.store.onIncarnationChange?.(() => {
        node
          .#registerApp()
          .catch((err: unknown) => node.logger.error({ err }, 'registering the app credential again failed'));
      });
      node.credential = await node.#registerApp();
      for (const source of node.sources) {
        await source.start(
          sourcePort(node.engine, {
            logger: node.logger,
            clock: node.clock,
            name: source.name,
            registry: node.metrics.registry,
          }),
        );
      }
      await node.api.listen({ port: node.config.port, host: node.config.host });
    } catch (error) {
      for (const source of node.sources) await source.stop().catch(() => undefined);
      await node.engine.close();
      await node.store.close();
      throw error;
    }
    const address = node.api.server.address() as AddressInfo;
    const scheme = node.config.tlsCert !== '' ? 'https' : 'http';
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const reachable = host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host;
    node.#url = `${scheme}://${reachable}:${address.port}`;
    node.#housekeeping = node.clock.setInterval(() => void node.store.purgeExpired(node.clock.now()), 60_000);
    node.#ready = true;
    if (node.config.demo && node.credential) {
      node.demo = await startOwnDemo({
        node: {
          api: node.api,
          url: node.url,
          publicUrl: node.publicUrl,
          certificate: node.config.tlsCert !== '' ? readFileSync(node.config.tlsCert) : undefined,
          requestHeaders: { [DEMO_REQUEST_HEADER]: node.#demoRequestToken },
        },
        credential: node.credential,
        dataDir: node.config.dataDir,
        logger: node.logger,
      });
    }
    return node;
  }

  /** Listening and not shutting down (`GET /readyz`). */
  get ready(): boolean {
    return this.#ready;
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
        credential = { appId: hex32(), appKey: secretHex(), corpId: config.corpId, generated: true };
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
    if (!(await this.store.identity.getCorp(credential.corpId))) {
      await this.store.identity.putCorp({
        corpId: credential.corpId,
        spId: null,
        name: 'confpush',
        createdAt: now,
      });
    }
    await this.store.identity.putApp({
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
    this.#ready = false;
    if (this.#housekeeping) this.clock.clearInterval(this.#housekeeping);
    await this.demo?.stop();
    for (const source of this.sources) await source.stop();
    await this.gateway.close();
    await this.api.close();
    await this.engine.drain();
    await this.engine.close();
    await this.store.close();
    this.limits.close();
  }
}

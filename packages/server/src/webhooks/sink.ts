/**
 * The enterprise event push as a sink on the sources seam (src/sources/source.ts): its commit extension writes the
 * webhook events of every change into the store's outbox in the same step as the change (so an event is durable
 * before the change is visible), its deliverer sends them (`deliverer.ts`), and its routes are the configuration
 * API, the delivery log and replay (`routes.ts`). Settings: `webhook*` in config.ts; docs/webhooks.md.
 */
import { readFileSync } from 'node:fs';
import type { AccessTokenVerifier } from '../api/context.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { CommitExtension } from '../engine/commit-extension.js';
import type { Source, SourceHealth, SourcePort } from '../sources/source.js';
import { sinkStoreOf, type SinkStore } from '../store/outbox.js';
import type { Store } from '../store/types.js';
import { DeliveryThread } from './delivery-thread.js';
import { ListeningCorps } from './listening-corps.js';
import { meetingEvents } from './events.js';
import { TOPIC } from './model.js';
import { closeConnections, type PostOptions } from './post.js';
import { HUAWEI_RETRY_MS, parseRetryMs } from './retry.js';
import { webhookRoutes } from './routes.js';
import { WebhookService } from './service.js';
import { WebhookMetrics } from './metrics.js';

export interface WebhookSinkOptions {
  config: Config;
  store: Store;
  accessTokens: AccessTokenVerifier;
}

export class WebhookSink implements Source {
  readonly name = 'webhooks';
  readonly commitExtension: CommitExtension;
  readonly routes;
  readonly #options: WebhookSinkOptions;
  readonly #post: PostOptions;
  #thread: DeliveryThread | undefined;
  #service: WebhookService | undefined;
  #stopObserving: (() => void) | undefined;
  #clock: Clock | undefined;
  /** This node staged outbox messages since the deliverer last looked. */
  #written = false;
  #listening: ListeningCorps | undefined;
  #sink: SinkStore | undefined;
  /** Outbox messages this node's commits wrote, and events it left out because no configuration could take them. */
  readonly #outbox = { written: 0, skipped: 0 };

  constructor(options: WebhookSinkOptions) {
    this.#options = options;
    const { config } = options;
    this.#post = {
      allowHttp: config.webhookAllowHttp,
      allowPrivate: config.webhookAllowPrivate,
      timeoutMs: config.webhookTimeoutMs,
      ...(config.webhookCaFile !== '' ? { ca: [readFileSync(config.webhookCaFile, 'utf8')] } : {}),
    };
    this.commitExtension = {
      messagesFor: (before, change) => {
        const now = this.#clock?.now() ?? Date.now();
        const all = meetingEvents(before, change, now);
        // Before start (no reader yet) every event is kept.
        const events = all.filter((event) => this.#listening?.mayReceive(event.corpId) ?? true);
        this.#outbox.skipped += all.length - events.length;
        this.#outbox.written += events.length;
        if (events.length > 0) this.#written = true;
        return events.map((event) => ({
          topic: TOPIC,
          body: JSON.stringify(event),
          at: now,
        }));
      },
    };
    this.routes = webhookRoutes(() => {
      if (!this.#service) throw new Error('the webhook sink is not started');
      return this.#service;
    });
  }

  async start(port: SourcePort): Promise<void> {
    const { config, store } = this.#options;
    this.#clock = port.clock;
    const sink = sinkStoreOf(store);
    this.#sink = sink;
    const metrics = new WebhookMetrics(
      port.registry,
      () => thread.status.queued,
      () => this.#outbox,
    );
    // The deliverer runs on a thread of its own, started once there is something to deliver: a configuration.
    const thread = new DeliveryThread(
      {
        store: config,
        nodeId: port.nodeId,
        retryMs: parseRetryMs(config.webhookRetryMs) ?? HUAWEI_RETRY_MS,
        giveUpMs: config.webhookGiveUpMs,
        maxInFlight: config.webhookInFlight,
        post: this.#post,
        logLevel: port.logger.level,
        nice: config.webhookThreadNice,
      },
      port.logger,
      (attempts) => metrics.attempted(attempts),
    );
    this.#thread = thread;
    const listening = new ListeningCorps({
      sink,
      logger: port.logger,
      shared: sink.shared,
      onConfigured: () => thread.start(),
    });
    await listening.refresh();
    listening.start();
    this.#listening = listening;
    this.#service = new WebhookService({
      store,
      sink,
      accessTokens: this.#options.accessTokens,
      clock: port.clock,
      logger: port.logger,
      post: this.#post,
      nudge: () => thread.nudge(),
      listening,
    });
    // This node's commits wrote to the outbox: look at it now rather than at the next poll.
    this.#stopObserving = port.observe(
      {
        onCommitted: () => {
          if (!this.#written) return;
          this.#written = false;
          thread.nudge();
        },
      },
      { remote: false },
    );
  }

  /** The thread the deliverer runs on (diagnostics and tests). */
  get deliveryThread(): DeliveryThread | undefined {
    return this.#thread;
  }

  health(): SourceHealth {
    return {
      ready: true,
      detail: {
        ...this.#thread?.status,
        thread: this.#thread?.running ?? false,
        threadNice: this.#thread?.nice ?? null,
        outbox: { ...this.#outbox, fresh: this.#listening?.fresh ?? false },
      },
    };
  }

  async stop(): Promise<void> {
    this.#stopObserving?.();
    this.#listening?.stop();
    await this.#thread?.stop();
    await this.#sink?.close?.();
    closeConnections(this.#post);
  }
}

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
import { Deliverer } from './deliverer.js';
import { ListeningCorps } from './listening-corps.js';
import { meetingEvents } from './events.js';
import { TOPIC } from './model.js';
import { closeConnections, type PostOptions } from './post.js';
import { PostThread } from './post-thread.js';
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
  #postThread: PostThread | undefined;
  #deliverer: Deliverer | undefined;
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
    const listening = new ListeningCorps({ sink, logger: port.logger, shared: sink.shared });
    await listening.refresh();
    listening.start();
    this.#listening = listening;
    const postThread = new PostThread(this.#post);
    this.#postThread = postThread;
    const deliverer = new Deliverer({
      store: sink,
      clock: port.clock,
      logger: port.logger,
      nodeId: port.nodeId,
      retryMs: parseRetryMs(config.webhookRetryMs) ?? HUAWEI_RETRY_MS,
      giveUpMs: config.webhookGiveUpMs,
      maxInFlight: config.webhookInFlight,
      post: (url, body, headers) => postThread.post(url, body, headers),
    });
    const metrics = new WebhookMetrics(
      port.registry,
      () => deliverer.status.queued,
      () => this.#outbox,
    );
    deliverer.onAttempt = (attempt) => metrics.attempted(attempt);
    this.#deliverer = deliverer;
    this.#service = new WebhookService({
      store,
      sink,
      accessTokens: this.#options.accessTokens,
      clock: port.clock,
      logger: port.logger,
      post: this.#post,
      deliverer: () => deliverer,
      listening,
    });
    // This node's commits wrote to the outbox: look at it now rather than at the next poll.
    this.#stopObserving = port.observe(
      {
        onCommitted: () => {
          if (!this.#written) return;
          this.#written = false;
          deliverer.nudge();
        },
      },
      { remote: false },
    );
    deliverer.start();
  }

  health(): SourceHealth {
    return {
      ready: true,
      detail: {
        ...this.#deliverer?.status,
        outbox: { ...this.#outbox, fresh: this.#listening?.fresh ?? false },
      },
    };
  }

  async stop(): Promise<void> {
    this.#stopObserving?.();
    this.#listening?.stop();
    await this.#deliverer?.stop();
    await this.#postThread?.close();
    await this.#sink?.close?.();
    closeConnections(this.#post);
  }
}

/**
 * Which enterprises have an event push configuration, so that a commit writes no outbox message that nobody could
 * receive (the commit extension asks synchronously, on the hot commit path).
 *
 * The rule (docs/webhooks.md, "The outbox rule"): every event committed after the call that created the
 * enterprise's configuration answered is kept in the outbox, on every node. A node skips an enterprise's events only
 * on the strength of a read of the configurations that started less than `freshMs` ago and found none for it;
 * without such a read it keeps every event. In a cluster the creating call therefore waits `freshMs` after storing
 * the configuration before it answers: by then every read from before the store write has gone stale on every node,
 * and reads started after it see the configuration (the store is one Redis primary). Ages are measured on each
 * node's own monotonic clock, so no clock agreement between nodes is needed. On the embedded store the node is the
 * only one and learns of the new configuration before the call answers, with no wait.
 */
import type { Logger } from 'pino';
import type { SinkStore } from '../store/outbox.js';
import { NS, type WebhookConfig } from './model.js';

export interface ListeningCorpsOptions {
  sink: SinkStore;
  logger: Logger;
  /** Whether other nodes share the store (Redis): then creating a configuration waits `freshMs`. */
  shared: boolean;
  freshMs?: number;
  /** Called whenever a read finds a configuration, or one is created through this node. */
  onConfigured?: () => void;
}

const FRESH_MS = 1_000;

export class ListeningCorps {
  readonly #o: ListeningCorpsOptions;
  readonly #freshMs: number;
  #corps = new Set<string>();
  /** Created through this node: kept even if a read that started before the store write says otherwise. */
  readonly #created = new Set<string>();
  /** When the read behind `#corps` started (performance.now()); -Infinity before the first one. */
  #readAt = -Infinity;
  #reading: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: ListeningCorpsOptions) {
    this.#o = options;
    this.#freshMs = options.freshMs ?? FRESH_MS;
  }

  /** Keeps the read fresh: re-read every quarter of `freshMs`. */
  start(): void {
    void this.refresh();
    this.#timer = setInterval(() => void this.refresh(), this.#freshMs / 4);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }

  get fresh(): boolean {
    return performance.now() - this.#readAt < this.#freshMs;
  }

  /** False only when a fresh read found no configuration of the enterprise. */
  mayReceive(corpId: string): boolean {
    if (this.#corps.has(corpId) || this.#created.has(corpId)) return true;
    if (this.fresh) return false;
    void this.refresh();
    return true;
  }

  refresh(): Promise<void> {
    this.#reading ??= (async () => {
      const startedAt = performance.now();
      try {
        const configs = await this.#o.sink.list(NS.configs);
        this.#corps = new Set(configs.map((r) => (JSON.parse(r.value) as WebhookConfig).corpId));
        this.#readAt = startedAt;
        if (this.#corps.size > 0) this.#o.onConfigured?.();
      } catch (err) {
        this.#o.logger.warn({ err }, 'webhook configurations could not be read; keeping every event');
      } finally {
        this.#reading = undefined;
      }
    })();
    return this.#reading;
  }

  /** The enterprise's configuration is stored: from now on this node keeps its events; see the rule above. */
  async created(corpId: string): Promise<void> {
    this.#created.add(corpId);
    this.#o.onConfigured?.();
    if (this.#o.shared) await new Promise((resolve) => setTimeout(resolve, this.#freshMs));
  }

  /** Its configuration is deleted: its events are no longer needed (other nodes notice at their next read). */
  deleted(corpId: string): void {
    this.#created.delete(corpId);
    this.#corps.delete(corpId);
  }
}

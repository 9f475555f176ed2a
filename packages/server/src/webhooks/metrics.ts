/** The webhook sink's Prometheus series, on the node's registry (docs/rest-api.md, "Operations"). */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { AttemptSummary } from './delivery-thread.js';

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class WebhookMetrics {
  readonly #attempts: Counter<'outcome'>;
  readonly #seconds: Histogram;

  constructor(registry: Registry, queued: () => number, outbox: () => { written: number; skipped: number }) {
    const registers = [registry];
    this.#attempts = new Counter({
      name: 'confpush_webhook_attempts_total',
      help: 'Webhook delivery attempts by outcome: delivered, failed (non-2xx or network), timeout, refused (non-public address), dead.',
      labelNames: ['outcome'],
      registers,
    });
    this.#seconds = new Histogram({
      name: 'confpush_webhook_attempt_duration_seconds',
      help: 'Duration of webhook delivery attempts.',
      buckets: BUCKETS,
      registers,
    });
    new Counter({
      name: 'confpush_webhook_outbox_events_total',
      help: "Webhook events of this node's commits: written to the outbox, or skipped (their enterprise has no configuration).",
      labelNames: ['result'],
      registers,
      collect() {
        const counts = outbox();
        this.reset();
        this.inc({ result: 'written' }, counts.written);
        this.inc({ result: 'skipped' }, counts.skipped);
      },
    });
    new Gauge({
      name: 'confpush_webhook_queued',
      help: 'Webhook deliveries waiting on this node (the lease holder; 0 on the others), sampled at scrape.',
      registers,
      collect() {
        this.set(queued());
      },
    });
  }

  attempted(attempts: readonly AttemptSummary[]): void {
    for (const attempt of attempts) {
      this.#attempts.inc({ outcome: attempt.outcome });
      this.#seconds.observe(attempt.durationMs / 1000);
    }
  }
}

/**
 * The deliverer (`deliverer.ts`) runs on a thread of its own (`delivery-worker.ts`), with its own connection to the
 * store: expanding the outbox, signing, TLS and HTTP, and recording outcomes take the node's event loop — which the
 * socket push shares — none of its time (docs/benchmarks.md, section 9, measured 60 % of it busy at 2,000
 * deliveries/s before). This side starts the thread, wakes it when this node's commits wrote to the outbox, and
 * takes back, every `REPORT_MS`, the attempts made (for the metrics) and the deliverer's status. The thread is
 * started at the first need (a webhook configuration exists) and started again, after `RESTART_MS`, if it dies:
 * everything it had not recorded is in the store and is attempted again (same X-Request-ID).
 */
import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { startWorker } from '../start-worker.js';
import type { SinkStoreSettings } from '../store/outbox.js';
import type { Outcome } from './model.js';
import type { PostOptions } from './post.js';

/** What the delivery thread is started with (structured-cloned into it). */
export interface DeliverySettings {
  store: SinkStoreSettings;
  nodeId: string;
  retryMs: readonly number[];
  giveUpMs: number;
  maxInFlight: number;
  post: PostOptions;
  logLevel: string;
  /** The thread's nice value (Linux). */
  nice: number;
}

export interface DelivererStatus {
  leased: boolean;
  queued: number;
  delivered: number;
  failed: number;
  dead: number;
}

export interface AttemptSummary {
  outcome: Outcome;
  durationMs: number;
}

export type ToDeliveryThread = { type: 'nudge' } | { type: 'stop' };
export type FromDeliveryThread =
  /** `nice`: the thread's own nice value as it reads it (null where threads have none of their own). */
  | { type: 'report'; attempts: AttemptSummary[]; status: DelivererStatus; nice: number | null }
  /** A log line of the thread's pino logger, written again through the node's logger. */
  | { type: 'log'; line: string }
  | { type: 'stopped' };

/** How often the thread reports (when something changed). */
export const REPORT_MS = 100;
const RESTART_MS = 1_000;
/** How long a stopping thread may take to record what it has (an attempt still in flight is then cut). */
const STOP_MS = 5_000;

const IDLE: DelivererStatus = { leased: false, queued: 0, delivered: 0, failed: 0, dead: 0 };

export class DeliveryThread {
  readonly #settings: DeliverySettings;
  readonly #logger: Logger;
  readonly #onAttempts: (attempts: readonly AttemptSummary[]) => void;
  #worker: Worker | undefined;
  #status: DelivererStatus = IDLE;
  #nice: number | null = null;
  /** Counts of the threads that died (their last status is kept in these). */
  #before = { delivered: 0, failed: 0, dead: 0 };
  #restart: NodeJS.Timeout | undefined;
  #stopping = false;

  constructor(
    settings: DeliverySettings,
    logger: Logger,
    onAttempts: (attempts: readonly AttemptSummary[]) => void,
  ) {
    this.#settings = settings;
    this.#logger = logger;
    this.#onAttempts = onAttempts;
  }

  /** Starts the thread unless it runs (or is about to be started again). */
  start(): void {
    if (this.#worker || this.#restart || this.#stopping) return;
    const worker = startWorker(import.meta.url, 'delivery-worker', { workerData: this.#settings });
    this.#worker = worker;
    worker.on('message', (message: FromDeliveryThread) => this.#receive(message));
    worker.on('error', (err) => this.#logger.error({ err }, 'the webhook delivery thread failed'));
    worker.on('exit', (code) => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      this.#before = this.status;
      this.#status = IDLE;
      if (this.#stopping) return;
      this.#logger.error({ code }, 'the webhook delivery thread stopped; starting it again');
      this.#restart = setTimeout(() => {
        this.#restart = undefined;
        this.start();
      }, RESTART_MS);
      this.#restart.unref();
    });
  }

  /** The running thread's nice value, as it last reported it (null: not running or not reported, or not Linux). */
  get nice(): number | null {
    return this.#worker ? this.#nice : null;
  }

  get running(): boolean {
    return this.#worker !== undefined;
  }

  /** The thread (diagnostics and tests). */
  get worker(): Worker | undefined {
    return this.#worker;
  }

  /** Looks at the outbox now (this node's commits wrote to it). */
  nudge(): void {
    this.#worker?.postMessage({ type: 'nudge' } satisfies ToDeliveryThread);
  }

  /** As of the thread's last report; counts include threads that died. */
  get status(): DelivererStatus {
    const s = this.#status;
    return {
      leased: s.leased,
      queued: s.queued,
      delivered: this.#before.delivered + s.delivered,
      failed: this.#before.failed + s.failed,
      dead: this.#before.dead + s.dead,
    };
  }

  /** Lets the thread record what it has and release its lease, then ends it. */
  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#restart);
    const worker = this.#worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const stopped = new Promise<void>((resolve) => {
      worker.on('message', (message: FromDeliveryThread) => {
        if (message.type === 'stopped') resolve();
      });
    });
    worker.postMessage({ type: 'stop' } satisfies ToDeliveryThread);
    const late = setTimeout(() => void worker.terminate(), STOP_MS);
    await Promise.race([stopped, exited]);
    clearTimeout(late);
    await worker.terminate(); // a POST still in flight would keep it up until its timeout
    await exited;
  }

  #receive(message: FromDeliveryThread): void {
    if (message.type === 'report') {
      this.#status = message.status;
      this.#nice = message.nice;
      if (message.attempts.length > 0) this.#onAttempts(message.attempts);
    } else if (message.type === 'log') {
      this.#relog(message.line);
    }
  }

  #relog(line: string): void {
    try {
      const { level, msg, time: _time, ...fields } = JSON.parse(line) as Record<string, unknown>;
      const label = typeof level === 'number' ? levelLabel(level) : 'info';
      this.#logger[label]({ ...fields, thread: 'webhooks' }, typeof msg === 'string' ? msg : '');
    } catch {
      this.#logger.warn({ line }, 'unreadable log line of the webhook delivery thread');
    }
  }
}

function levelLabel(level: number): 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' {
  if (level >= 60) return 'fatal';
  if (level >= 50) return 'error';
  if (level >= 40) return 'warn';
  if (level >= 30) return 'info';
  if (level >= 20) return 'debug';
  return 'trace';
}

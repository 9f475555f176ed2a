/**
 * Prometheus metrics of one node, on the node's own `Registry` (never prom-client's global one), so that several
 * nodes can run in one process.
 *
 * Instrumentation costs nothing on the fan-out path: a socket counts the frames and bytes it writes in plain number
 * fields, and prom-client reads them when `/metrics` is scraped. Gauges (connections, subscriptions, queued bytes,
 * loaded meetings) are sampled at scrape time from the node's live objects. Only rare events (closes, resumes,
 * collapses, store commits, REST requests) touch prom-client when they happen.
 *
 * Exposed series (docs/rest-api.md, "Operations", lists the same):
 *
 * | name                                        | type      | labels                    |
 * | ------------------------------------------- | --------- | ------------------------- |
 * | confpush_connections                        | gauge     |                           |
 * | confpush_subscriptions                      | gauge     | category                  |
 * | confpush_frames_sent_total                  | counter   | kind                      |
 * | confpush_bytes_sent_total                   | counter   |                           |
 * | confpush_outbound_queue_bytes               | gauge     | stat (sum, max)           |
 * | confpush_slow_consumer_closes_total         | counter   |                           |
 * | confpush_backpressure_collapses_total       | counter   |                           |
 * | confpush_resumes_total                      | counter   | outcome (resumed, full)   |
 * | confpush_closes_total                       | counter   | code                      |
 * | confpush_rest_request_duration_seconds      | histogram | method, route, status     |
 * | confpush_store_commit_duration_seconds      | histogram |                           |
 * | confpush_store_commit_changes               | histogram |                           |
 * | confpush_meetings_loaded                    | gauge     |                           |
 * | confpush_limit_rejections_total             | counter   | limit                     |
 * | process_*, nodejs_*                         | (default) |                           |
 */
import { CLOSE_CODES, PUSH_CATEGORIES, type PushCategory } from '@confpush/protocol';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { LIMIT_NAMES, type LimitName, type LimitReporter } from './limits/types.js';

/** What a written frame was: a push message (full or incremental), a reply to a client frame, or a HeartBeat echo. */
export type FrameKind = 'full' | 'incremental' | 'reply' | 'heartbeat';

export const FRAME_KINDS: readonly FrameKind[] = ['full', 'incremental', 'reply', 'heartbeat'];

/** Code counted for a socket dropped without a close handshake (ping timeout, shutdown deadline). */
export const ABNORMAL_CLOSE = 1006;

/** What a push socket and the gateway report. */
export interface SessionMetrics {
  /** One frame written to a socket. Called on the fan-out path: increments two numbers, allocates nothing. */
  frameSent(kind: FrameKind, bytes: number): void;
  /** A category listed in a Subscribe's `resume` was resumed (`resumed`) or restarted with a full message. */
  resume(outcome: 'resumed' | 'full'): void;
  /** Skipped incrementals of one category were replaced by one full message once a slow socket drained. */
  backpressureCollapse(): void;
  /** A socket's connection ended with this close code (sent by the server, or received from the peer). */
  closed(code: number): void;
}

/** What the engine reports. */
export interface EngineMetrics {
  /** One store transaction (group commit) of `changes` stream changes took `seconds`. */
  storeCommitted(seconds: number, changes: number): void;
}

/** The node's live objects that gauges are sampled from at scrape time. */
export interface MetricSources {
  /** Push sockets of this node (open or closing). */
  sockets(): Iterable<{ readonly bufferedAmount: number }>;
  /** Subscriptions per category over every meeting of this node. */
  subscriptions(): ReadonlyMap<PushCategory, number>;
  /** Meetings held in memory by the engine. */
  meetingsLoaded(): number;
}

const REST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const COMMIT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];
const BATCH_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

let processRegistry: Registry | undefined;

/**
 * Process metrics (`process_*`, `nodejs_*`) describe the process, not a node: they are collected once per process
 * (one GC observer, one event-loop monitor) and every node's registry includes the same metric objects.
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export interface MetricsOptions {
  /** Include the default process metrics (default true). */
  processMetrics?: boolean;
}

export class Metrics implements SessionMetrics, EngineMetrics, LimitReporter {
  readonly registry: Registry;
  #sources: MetricSources | undefined;
  /** Frames and bytes written, counted in plain fields on the hot path and read at scrape time. */
  readonly #frames: Record<FrameKind, number> = { full: 0, incremental: 0, reply: 0, heartbeat: 0 };
  #bytes = 0;
  readonly #slowConsumerCloses: Counter;
  readonly #collapses: Counter;
  readonly #resumed: Counter.Internal;
  readonly #resumedFull: Counter.Internal;
  readonly #closes: Counter<'code'>;
  readonly #rest: Histogram<'method' | 'route' | 'status'>;
  readonly #commitSeconds: Histogram;
  readonly #commitChanges: Histogram;
  readonly #limitRejections: Counter<'limit'>;

  constructor(options: MetricsOptions = {}) {
    const registry = options.processMetrics === false ? new Registry() : Registry.merge([processMetrics()]);
    this.registry = registry;
    const registers = [registry];
    const sources = (): MetricSources | undefined => this.#sources;
    const frames = this.#frames;
    const bytes = (): number => this.#bytes;

    new Gauge({
      name: 'confpush_connections',
      help: 'Push WebSocket connections of this node (open or closing), sampled at scrape.',
      registers,
      collect() {
        let n = 0;
        for (const _ of sources()?.sockets() ?? []) n++;
        this.set(n);
      },
    });
    new Gauge({
      name: 'confpush_subscriptions',
      help: 'Subscriptions (socket, category) of this node per push category, sampled at scrape.',
      labelNames: ['category'],
      registers,
      collect() {
        const counts = sources()?.subscriptions();
        for (const category of PUSH_CATEGORIES) this.set({ category }, counts?.get(category) ?? 0);
      },
    });
    new Counter({
      name: 'confpush_frames_sent_total',
      help: 'Frames written to push sockets, by kind: full / incremental push messages, replies, HeartBeat echoes.',
      labelNames: ['kind'],
      registers,
      collect() {
        this.reset();
        for (const kind of FRAME_KINDS) this.inc({ kind }, frames[kind]);
      },
    });
    new Counter({
      name: 'confpush_bytes_sent_total',
      help: 'Bytes of the frames written to push sockets (WebSocket payload bytes, without framing).',
      registers,
      collect() {
        this.reset();
        this.inc(bytes());
      },
    });
    new Gauge({
      name: 'confpush_outbound_queue_bytes',
      help:
        'Outbound queue of the push sockets sampled at scrape: bytes handed to a socket but not yet written to ' +
        'the kernel (ws bufferedAmount); stat="sum" over every socket of the node, stat="max" the largest one.',
      labelNames: ['stat'],
      registers,
      collect() {
        let sum = 0;
        let max = 0;
        for (const socket of sources()?.sockets() ?? []) {
          const queued = socket.bufferedAmount;
          sum += queued;
          if (queued > max) max = queued;
        }
        this.set({ stat: 'sum' }, sum);
        this.set({ stat: 'max' }, max);
      },
    });
    this.#slowConsumerCloses = new Counter({
      name: 'confpush_slow_consumer_closes_total',
      help: 'Sockets closed with SLOW_CONSUMER (4101): their outbound queue passed queueHardLimitBytes.',
      registers,
    });
    this.#collapses = new Counter({
      name: 'confpush_backpressure_collapses_total',
      help:
        'Per socket and category: incrementals skipped while the queue was past queueSoftLimitBytes, then ' +
        'replaced by one full message once it drained.',
      registers,
    });
    const resumes = new Counter({
      name: 'confpush_resumes_total',
      help:
        'Categories listed in a Subscribe `resume`: outcome="resumed" replayed the missed incrementals, ' +
        'outcome="full" sent a full message instead.',
      labelNames: ['outcome'],
      registers,
    });
    this.#resumed = resumes.labels('resumed');
    this.#resumedFull = resumes.labels('full');
    this.#resumed.inc(0);
    this.#resumedFull.inc(0);
    this.#closes = new Counter({
      name: 'confpush_closes_total',
      help:
        'Push connections ended, by close code: the code the server closed with (refusals included; 1006 when ' +
        'dropped without a handshake) or, when the peer closed first, the code it sent.',
      labelNames: ['code'],
      registers,
    });
    for (const spec of Object.values(CLOSE_CODES)) this.#closes.inc({ code: String(spec.code) }, 0);
    this.#rest = new Histogram({
      name: 'confpush_rest_request_duration_seconds',
      help: 'REST request duration, by method, route pattern (not the URL; "unmatched" for 404s) and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: REST_BUCKETS,
      registers,
    });
    this.#commitSeconds = new Histogram({
      name: 'confpush_store_commit_duration_seconds',
      help: 'Duration of one store transaction (one group commit of the engine), until durable.',
      buckets: COMMIT_BUCKETS,
      registers,
    });
    this.#commitChanges = new Histogram({
      name: 'confpush_store_commit_changes',
      help: 'Stream changes (one per category per command) made durable by one store transaction.',
      buckets: BATCH_BUCKETS,
      registers,
    });
    new Gauge({
      name: 'confpush_meetings_loaded',
      help: 'Meetings held in memory by the engine of this node, sampled at scrape.',
      registers,
      collect() {
        this.set(sources()?.meetingsLoaded() ?? 0);
      },
    });
    this.#limitRejections = new Counter({
      name: 'confpush_limit_rejections_total',
      help:
        'Requests, connections and frames refused by an abuse limit, by limit: auth_address, auth_target, ' +
        'ws_tokens_meeting, connections_address, connections_meeting, frame_rate, meetings_enterprise, ' +
        'attendees_enterprise, attendees_meeting (SECURITY.md).',
      labelNames: ['limit'],
      registers,
    });
    for (const limit of LIMIT_NAMES) this.#limitRejections.inc({ limit }, 0);
  }

  /** Connects the gauges to the node's live objects. */
  bind(sources: MetricSources): void {
    this.#sources = sources;
  }

  frameSent(kind: FrameKind, bytes: number): void {
    this.#frames[kind]++;
    this.#bytes += bytes;
  }

  resume(outcome: 'resumed' | 'full'): void {
    (outcome === 'resumed' ? this.#resumed : this.#resumedFull).inc();
  }

  backpressureCollapse(): void {
    this.#collapses.inc();
  }

  closed(code: number): void {
    this.#closes.inc({ code: String(code) });
    if (code === CLOSE_CODES.SLOW_CONSUMER.code) this.#slowConsumerCloses.inc();
  }

  storeCommitted(seconds: number, changes: number): void {
    this.#commitSeconds.observe(seconds);
    this.#commitChanges.observe(changes);
  }

  limitRejected(limit: LimitName): void {
    this.#limitRejections.inc({ limit });
  }

  restRequest(method: string, route: string, status: number, seconds: number): void {
    this.#rest.observe({ method, route, status: String(status) }, seconds);
  }

  /** The Prometheus text exposition of every metric. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/**
 * Delivers the outbox. One node of a cluster holds the sink's lease and does all of it (in SQLite mode the only
 * node always does):
 *
 * 1. Expansion: outbox messages after the durable cursor become one pending delivery per enabled configuration of
 *    the meeting's enterprise — the deliveries, the new cursor and the outbox trim in one atomic step, which may be
 *    lost whole in a power failure (no fsync of its own): then the same messages become the same deliveries again.
 * 2. Delivery: one queue per (configuration, meeting), in commit order; an event is attempted only once the
 *    outcome of the previous event of that queue is known (delivered or dead). Outcomes are recorded in group
 *    commits that no attempt waits for (`group-recorder.ts`). Up to `maxInFlight` attempts per configuration are in
 *    flight at once, taken fairly from its due queues: a slow, failing or hanging receiver (each attempt is bounded
 *    by `timeoutMs`) holds only its own configuration's places — never other receivers'.
 * 3. Retries follow the schedule (`retry.ts`); past `giveUpMs` since the event the delivery is dead (kept for replay).
 *
 * It runs on a thread of its own (`delivery-thread.ts`), not on the node's event loop.
 *
 * Every attempt is recorded in the configuration's delivery log. Pending deliveries are in the store, so a new
 * lease holder (after a restart, a crash or a failover) resumes them; at-least-once: an attempt cut short by a crash,
 * or whose outcome was not yet recorded, is made again with the same `X-Request-ID` (and so may the attempts of the
 * same meeting that followed it: the first arrivals of a meeting's events are always in order).
 */
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../clock.js';
import type { SinkOp, SinkStore } from '../store/outbox.js';
import type { MeetingEvent } from './events.js';
import {
  LOG_CAP,
  logList,
  NS,
  requestIdOf,
  TOPIC,
  type Attempt,
  type Delivery,
  type Outcome,
  type WebhookConfig,
} from './model.js';
import { GroupRecorder } from './group-recorder.js';
import { watchOutbox } from './outbox-watch.js';
import { headersOf, type PostResult } from './post.js';
import { retryDelay } from './retry.js';
import { signedBody } from './signature.js';
import { RefusedTarget } from './address-guard.js';

export interface DelivererOptions {
  store: SinkStore;
  clock: Clock;
  logger: Logger;
  nodeId: string;
  retryMs: readonly number[];
  giveUpMs: number;
  /** Makes one POST (`postWebhook`); rejects with `RefusedTarget` for a refused address. */
  post: (url: string, body: string, headers: Record<string, string>) => Promise<PostResult>;
  /** How often the outbox and the lease are looked at when nothing nudges (other nodes' commits). */
  pollMs?: number;
  /**
   * At most this many attempts in flight per configuration: a hanging receiver holds only its own configuration's
   * places, and the connections to one receiver stay bounded.
   */
  maxInFlight?: number;
}

const LEASE = 'webhooks';
const LEASE_TTL_MS = 10_000;
/**
 * Outbox messages taken over per step. On SQLite a step runs without a turn of the event loop (the store answers at
 * once); with 100 it stays a few milliseconds, and the loop turns between steps, so attempts are not held
 * behind a backlog.
 */
const EXPAND_BATCH = 100;
const MAX_IN_FLIGHT = 32; // the default of `webhookInFlight` (settings.ts)
const MAINTAIN_MS = 10_000;
const QUIET_MS = 1_000;

export class Deliverer {
  readonly #o: DelivererOptions;
  /** Called after every attempt (metrics). */
  onAttempt: ((attempt: Attempt) => void) | undefined;
  readonly #queues = new Map<string, Delivery[]>();
  readonly #busy = new Set<string>();
  /** Per configuration: its attempts in flight, and its queues whose head is due but wait for a place (FIFO). */
  readonly #inFlight = new Map<string, number>();
  readonly #ready = new Map<string, Set<string>>();
  readonly #timers = new Map<string, TimerHandle>();
  #leased = false;
  #poll: TimerHandle | undefined;
  #ticking: Promise<void> | undefined;
  /** The outbox cursor as of the last expansion, and whether this node waits on the outbox for other nodes' commits. */
  #after = '';
  #watching = false;
  #again = false;
  readonly #recorder: GroupRecorder;
  /** The compact `eventInfo` JSON of each queued delivery, encoded once (it is signed and sent as is). */
  readonly #encoded = new WeakMap<Delivery, string>();
  /** The last replay seen (`replay.ts`): a replay on any node makes the lease holder load the revived deliveries. */
  #replayed = '';
  readonly #known = new Set<string>();
  #stopped = false;
  /** Something was taken from the outbox since the last maintenance; when the last was, and the last maintenance. */
  #dirty = false;
  #takenAt = 0;
  #maintainedAt = 0;
  #counts = { delivered: 0, failed: 0, dead: 0 };

  constructor(options: DelivererOptions) {
    this.#o = options;
    this.#recorder = new GroupRecorder(options.store, options.logger);
  }

  start(): void {
    this.#poll = this.#o.clock.setInterval(() => this.nudge(), this.#o.pollMs ?? 250);
    this.nudge();
  }

  /** Looks at the outbox now (a commit of this node wrote to it). */
  nudge(): void {
    if (this.#stopped) return;
    if (this.#ticking) {
      this.#again = true;
      return;
    }
    this.#ticking = this.#tick()
      .catch((err: unknown) => this.#o.logger.warn({ err }, 'webhook delivery round failed; retrying'))
      .finally(() => {
        this.#ticking = undefined;
        if (this.#again) {
          this.#again = false;
          this.nudge();
        }
      });
  }

  get status(): { leased: boolean; queued: number; delivered: number; failed: number; dead: number } {
    let queued = 0;
    for (const q of this.#queues.values()) queued += q.length;
    return { leased: this.#leased, queued, ...this.#counts };
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#poll) this.#o.clock.clearInterval(this.#poll);
    for (const t of this.#timers.values()) this.#o.clock.clearTimeout(t);
    await this.#ticking;
    await this.#recorder.close();
    if (this.#leased) await this.#o.store.release(LEASE, this.#o.nodeId).catch(() => undefined);
    this.#drop();
  }

  async #tick(): Promise<void> {
    const leased = await this.#o.store.lease(LEASE, this.#o.nodeId, LEASE_TTL_MS);
    if (!leased) {
      if (this.#leased) this.#drop();
      return;
    }
    const replayed = (await this.#o.store.get(NS.cursor, 'replayed')) ?? '';
    if (!this.#leased || replayed !== this.#replayed) {
      this.#leased = true;
      this.#watch();
      this.#replayed = replayed;
      await this.#loadPending();
    }
    while (await this.#expand()) await new Promise<void>((resolve) => setImmediate(resolve));
    for (const key of this.#queues.keys()) this.#run(key);
    await this.#maintain();
  }

  /**
   * The store's bulk housekeeping (`SinkStore.maintain`): once a burst of deliveries is over — nothing queued or in
   * flight, and nothing new in the outbox for QUIET_MS — or, under sustained load, at least every MAINTAIN_MS.
   */
  async #maintain(): Promise<void> {
    const now = this.#o.clock.now();
    const burstOver =
      this.#dirty && this.#queues.size === 0 && this.#busy.size === 0 && now - this.#takenAt >= QUIET_MS;
    const due = burstOver || now - this.#maintainedAt >= MAINTAIN_MS;
    if (!this.#o.store.maintain || !due) return;
    this.#maintainedAt = now;
    this.#dirty = false;
    await this.#recorder.flush();
    await this.#o.store.maintain();
  }

  /** While this node holds the lease of a shared store, other nodes' commits wake it at once (`outbox-watch.ts`). */
  #watch(): void {
    if (this.#watching) return;
    this.#watching = watchOutbox({
      store: this.#o.store,
      topic: TOPIC,
      logger: this.#o.logger,
      active: () => (this.#watching = this.#leased && !this.#stopped),
      after: () => this.#after,
      wake: async () => {
        this.nudge();
        await this.#ticking;
      },
      retryMs: this.#o.pollMs ?? 250,
    });
  }

  /** Lost the lease: another node delivers from now on. */
  #drop(): void {
    this.#leased = false;
    this.#ready.clear();
    this.#queues.clear();
    this.#known.clear();
    for (const t of this.#timers.values()) this.#o.clock.clearTimeout(t);
    this.#timers.clear();
  }

  async #loadPending(): Promise<void> {
    const rows = (await this.#o.store.list(NS.pending)).map((r) => JSON.parse(r.value) as Delivery);
    for (const d of rows) if (!this.#known.has(d.id)) this.#enqueue(d);
    for (const q of this.#queues.values()) q.sort((a, b) => a.seq - b.seq);
  }

  #enqueue(d: Delivery): void {
    this.#known.add(d.id);
    const key = `${d.configId}|${d.confId}`;
    let queue = this.#queues.get(key);
    if (!queue) this.#queues.set(key, (queue = []));
    queue.push(d);
  }

  /** Turns one batch of outbox messages into deliveries; false when the outbox had nothing new. */
  async #expand(): Promise<boolean> {
    const { store, clock } = this.#o;
    const cursor = JSON.parse((await store.get(NS.cursor, TOPIC)) ?? '{"after":"","seq":0}') as {
      after: string;
      seq: number;
    };
    this.#after = cursor.after;
    const messages = await store.readOutbox(TOPIC, cursor.after, EXPAND_BATCH);
    if (messages.length === 0) return false;
    const configs = (await store.list(NS.configs)).map((r) => JSON.parse(r.value) as WebhookConfig);
    const created: Delivery[] = [];
    let seq = cursor.seq;
    for (const message of messages) {
      const event = JSON.parse(message.body) as MeetingEvent;
      for (const config of configs) {
        if (config.status !== 0 || config.corpId !== event.corpId) continue;
        seq++;
        created.push({
          id: `${config.id}:${seq}`,
          seq,
          configId: config.id,
          confId: event.confId,
          eventInfo: event.eventInfo,
          requestId: requestIdOf(config.id, message.id),
          createdAt: message.at,
          attempts: 0,
          nextAt: clock.now(),
        });
      }
    }
    const last = messages[messages.length - 1]!.id;
    // Replayable: if lost, the same messages are taken over again, into the same deliveries and request IDs.
    await store.apply(
      [
        ...created.map((d): SinkOp => ({ op: 'put', ns: NS.pending, id: d.id, value: JSON.stringify(d) })),
        { op: 'put', ns: NS.cursor, id: TOPIC, value: JSON.stringify({ after: last, seq }) },
        { op: 'trim', topic: TOPIC, upTo: last },
      ],
      { replayable: true },
    );
    for (const d of created) this.#enqueue(d);
    this.#dirty = true;
    this.#takenAt = clock.now();
    return messages.length === EXPAND_BATCH;
  }

  /** Works through one queue unless it is already being worked on. */
  #run(key: string): void {
    if (this.#busy.has(key) || this.#stopped || !this.#leased) return;
    const head = this.#queues.get(key)?.[0];
    if (!head) {
      this.#queues.delete(key);
      return;
    }
    const wait = head.nextAt - this.#o.clock.now();
    if (wait > 0) {
      if (!this.#timers.has(key))
        this.#timers.set(
          key,
          this.#o.clock.setTimeout(() => {
            this.#timers.delete(key);
            this.#run(key);
          }, wait),
        );
      return;
    }
    const configId = head.configId;
    const inFlight = this.#inFlight.get(configId) ?? 0;
    let ready = this.#ready.get(configId);
    if (inFlight >= (this.#o.maxInFlight ?? MAX_IN_FLIGHT)) {
      if (!ready) this.#ready.set(configId, (ready = new Set()));
      ready.add(key);
      return;
    }
    ready?.delete(key);
    this.#inFlight.set(configId, inFlight + 1);
    this.#busy.add(key);
    void this.#attempt(head)
      .catch((err: unknown) => this.#o.logger.warn({ err }, 'webhook attempt failed unexpectedly'))
      .finally(() => {
        this.#busy.delete(key);
        const left = (this.#inFlight.get(configId) ?? 1) - 1;
        if (left === 0) this.#inFlight.delete(configId);
        else this.#inFlight.set(configId, left);
        // The queues that have waited for a place first (fair between meetings), then this one again.
        this.#runWaiting(configId);
        this.#run(key);
      });
  }

  #runWaiting(configId: string): void {
    const ready = this.#ready.get(configId);
    if (!ready) return;
    for (const key of ready) {
      if ((this.#inFlight.get(configId) ?? 0) >= (this.#o.maxInFlight ?? MAX_IN_FLIGHT)) return;
      ready.delete(key);
      this.#run(key);
    }
    if (ready.size === 0) this.#ready.delete(configId);
  }

  async #attempt(d: Delivery): Promise<void> {
    const { store, clock } = this.#o;
    const raw = await store.get(NS.configs, d.configId);
    const config = raw ? (JSON.parse(raw) as WebhookConfig) : undefined;
    if (!config) {
      // Its configuration was deleted (with its deliveries): drop what is still queued here.
      this.#recorder.record([{ op: 'del', ns: NS.pending, id: d.id }]);
      this.#queues.get(`${d.configId}|${d.confId}`)?.shift();
      this.#known.delete(d.id);
      return;
    }
    if (config.status !== 0) {
      d.nextAt = clock.now() + (this.#o.pollMs ?? 250) * 4; // paused while the configuration is not enabled
      return;
    }
    const eventInfoJson = this.#encoded.get(d) ?? JSON.stringify(d.eventInfo);
    this.#encoded.set(d, eventInfoJson);
    const started = clock.now();
    let outcome: Outcome;
    let status: number | undefined;
    let error: string | undefined;
    try {
      const res = await this.#o.post(
        config.url,
        signedBody(config, d.eventInfo, started, undefined, eventInfoJson),
        headersOf(d),
      );
      status = res.status;
      outcome = res.status >= 200 && res.status < 300 ? 'delivered' : 'failed';
      if (outcome === 'failed') error = `HTTP ${res.status}`;
    } catch (err) {
      error = (err as Error).message;
      outcome =
        err instanceof RefusedTarget ? 'refused' : /no answer within/.test(error) ? 'timeout' : 'failed';
    }
    const now = clock.now();
    d.attempts++;
    const attempt: Attempt = {
      deliveryId: d.id,
      requestId: d.requestId,
      event: d.eventInfo.event,
      confId: d.confId,
      attempt: d.attempts,
      at: started,
      outcome,
      ...(status !== undefined ? { status } : {}),
      ...(error !== undefined ? { error } : {}),
      durationMs: now - started,
    };
    const ops: SinkOp[] = [];
    let done = outcome === 'delivered';
    if (!done && now - d.createdAt >= this.#o.giveUpMs) {
      done = true;
      attempt.outcome = 'dead';
    }
    if (error !== undefined) d.lastError = error;
    if (done) {
      ops.push({ op: 'del', ns: NS.pending, id: d.id });
      if (attempt.outcome === 'dead')
        ops.push({ op: 'put', ns: NS.dead, id: d.id, value: JSON.stringify(d) });
    } else {
      d.nextAt = now + retryDelay(this.#o.retryMs, d.attempts);
      ops.push({ op: 'put', ns: NS.pending, id: d.id, value: JSON.stringify(d) });
    }
    ops.push({ op: 'push', list: logList(d.configId), value: JSON.stringify(attempt), cap: LOG_CAP });
    // The next event of this meeting may go as soon as this outcome is known; its record follows in a group commit.
    // A crash before that commit repeats this attempt (same X-Request-ID) and then the next: at least once, and
    // the first arrivals stay in order.
    this.#recorder.record(ops);
    if (done) {
      this.#queues.get(`${d.configId}|${d.confId}`)?.shift();
      this.#known.delete(d.id);
    }
    this.#counts[
      attempt.outcome === 'delivered' ? 'delivered' : attempt.outcome === 'dead' ? 'dead' : 'failed'
    ]++;
    this.onAttempt?.(attempt);
    if (attempt.outcome === 'dead')
      this.#o.logger.warn(
        { delivery: d.id, error },
        'webhook event is dead (replay it from the delivery log API)',
      );
  }
}

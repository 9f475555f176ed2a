/**
 * The engine: the single writer of every meeting.
 *
 *   command ─► decide (pure, on the working state) ─► stage: assign seq, apply to working
 *           ─► group commit (one store transaction per batch) ─► apply to committed state ─► listener (fan-out)
 *           ─► the caller's promise resolves
 *
 * All of decide + stage for one command runs synchronously, so commands of one meeting are serialised without a
 * lock. Commits are pipelined: while a batch is being made durable, later commands decide on the working state and
 * wait for the next batch. A change becomes visible (committed state, push) only after its batch is durable.
 *
 * Cluster mode (a shared store and a broker, `cluster.ts`): every entry also names the meeting revision it builds
 * on; the store refuses it when another node committed first, and the command is decided again on the newer state.
 * Other nodes' entries reach the committed state and the listeners through the broker, in commit order.
 */
import type { Item, PushCategory } from '@confpush/protocol';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Broker } from '../broker/broker.js';
import type { Clock } from '../clock.js';
import type { AttendeeInput } from '../domain/attendees.js';
import type { Command } from '../domain/commands.js';
import { createMeetingState } from '../domain/create.js';
import { decide, type Decision } from '../domain/decide.js';
import type { MeetingRecord, MeetingState } from '../domain/meeting.js';
import { DomainError } from '../domain/errors.js';
import * as ids from '../ids.js';
import type { EngineMetrics } from '../metrics.js';
import type { CommitEntry, MeetingStore, SharedMeetingStore, StreamWrite } from '../store/types.js';
import { ClusterSync, StaleEntryError } from './cluster.js';
import type { RecentChange } from './recent.js';
import { MeetingRuntime } from './runtime.js';
import { cloneState, stateFromStore } from './state.js';

/** One committed change of one stream, as the fan-out sees it. */
export type CommittedChange = RecentChange;

export interface EngineListener {
  /** Called synchronously, in commit order, once the changes are durable and applied to `runtime.committed`. */
  onCommitted(
    runtime: MeetingRuntime,
    changes: readonly CommittedChange[],
    record: MeetingRecord | undefined,
  ): void;
  /** Cluster mode: these streams restarted (new epoch, or missed history): subscribers need full messages. */
  onReset?(runtime: MeetingRuntime, categories: readonly PushCategory[]): void;
  /** Cluster mode: the meeting is gone from the store (it lost its data). */
  onLost?(runtime: MeetingRuntime): void;
}

/** Cluster mode: the shared store, the broker and this node's id. */
export interface EngineCluster {
  store: SharedMeetingStore;
  broker: Broker;
  nodeId: string;
  /** Whether this node still serves the meeting (has subscribers of it); idle meetings are unloaded. */
  inUse?: (confId: string) => boolean;
}

/** How often a command refused by the store (another node changed the meeting first) is decided again. */
const MAX_ATTEMPTS = 16;
/** Upper bound of the random pause before deciding a refused command again (doubles per attempt up to it). */
const MAX_BACKOFF_MS = 40;

export interface EngineOptions {
  store: MeetingStore;
  clock: Clock;
  logger: Logger;
  /** Committed changes kept in memory per stream for resume (the durable log keeps as many). */
  recentCapacity: number;
  newParticipantId?: () => string;
  metrics?: EngineMetrics;
  /** Cluster mode; absent for the embedded store. */
  cluster?: EngineCluster;
}

interface Pending {
  runtime: MeetingRuntime | undefined;
  entry: CommitEntry;
  resolve: (runtime: MeetingRuntime) => void;
  reject: (error: unknown) => void;
}

export function newEpoch(): string {
  return randomBytes(6).toString('hex');
}

export class Engine {
  readonly #store: MeetingStore;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #newParticipantId: () => string;
  readonly #recentCapacity: number;
  readonly #metrics: EngineMetrics | undefined;
  readonly #runtimes = new Map<string, MeetingRuntime>();
  readonly #loading = new Map<string, Promise<MeetingRuntime | undefined>>();
  readonly #listeners: EngineListener[] = [];
  /** The listeners that also take other nodes' changes (cluster mode). */
  readonly #remoteListeners: EngineListener[] = [];
  readonly #cluster: ClusterSync | undefined;
  #pending: Pending[] = [];
  #flushScheduled = false;
  #flushing: Promise<void> | undefined;
  #commits = 0;
  #retries = 0;

  constructor(options: EngineOptions) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#newParticipantId = options.newParticipantId ?? ids.pid;
    this.#recentCapacity = options.recentCapacity;
    this.#metrics = options.metrics;
    if (options.cluster) {
      const runtimes = this.#runtimes;
      this.#cluster = new ClusterSync(
        { ...options.cluster, logger: options.logger },
        {
          runtimes,
          recentCapacity: options.recentCapacity,
          emit: (runtime, changes, record) => {
            for (const l of this.#remoteListeners) l.onCommitted(runtime, changes, record);
          },
          reset: (runtime, categories) => {
            for (const l of this.#remoteListeners) l.onReset?.(runtime, categories);
          },
          lost: (runtime) => {
            for (const l of this.#remoteListeners) l.onLost?.(runtime);
          },
        },
      );
    }
  }

  /**
   * `remote: false`: the listener sees only this node's own changes (e.g. the media plane, which acts on what it
   * was asked to do); otherwise it also sees other nodes' changes, in commit order (cluster mode).
   */
  addListener(listener: EngineListener, options: { remote?: boolean } = {}): void {
    this.#listeners.push(listener);
    if (options.remote !== false) this.#remoteListeners.push(listener);
  }

  /** Cluster mode: this node's id (undefined for the embedded store). */
  get nodeId(): string | undefined {
    return this.#cluster?.nodeId;
  }

  /** Number of store transactions so far (group commit makes it lower than the number of changes). */
  get commitCount(): number {
    return this.#commits;
  }

  /** Cluster mode: commands decided again because another node changed the meeting first. */
  get retries(): number {
    return this.#retries;
  }

  /** Meetings held in memory. */
  get meetingsLoaded(): number {
    return this.#runtimes.size;
  }

  /**
   * The loaded meeting, loading it from the store the first time. Concurrent callers share one load. In cluster
   * mode it reflects at least everything committed (by any node) before the call.
   */
  async load(confId: string): Promise<MeetingRuntime | undefined> {
    const loaded = this.#runtimes.get(confId);
    if (loaded) return this.#cluster ? this.#cluster.fresh(loaded) : loaded;
    return this.#load(confId);
  }

  async #load(confId: string): Promise<MeetingRuntime | undefined> {
    const loaded = this.#runtimes.get(confId);
    if (loaded) return loaded;
    let loading = this.#loading.get(confId);
    if (!loading) {
      loading = this.#loadFromStore(confId).finally(() => this.#loading.delete(confId));
      this.#loading.set(confId, loading);
    }
    return loading;
  }

  async #loadFromStore(confId: string): Promise<MeetingRuntime | undefined> {
    if (this.#cluster) return this.#cluster.load(confId);
    const record = await this.#store.getMeeting(confId);
    if (!record) return undefined;
    const streams = await this.#store.loadStreams(confId);
    const existing = this.#runtimes.get(confId);
    if (existing) return existing;
    const committed = stateFromStore(record, streams);
    const runtime = new MeetingRuntime(confId, committed, cloneState(committed), this.#recentCapacity);
    for (const stream of streams) {
      if (stream.seq === 0 || this.#recentCapacity === 0) continue;
      const from = Math.max(1, stream.seq - this.#recentCapacity + 1);
      const entries = await this.#store.readLog(confId, stream.category, from, stream.seq);
      const log = runtime.recentLog(stream.category);
      for (const e of entries)
        log.append({
          category: stream.category,
          seq: e.seq,
          epoch: stream.epoch,
          payload: e.payload,
          createdAt: e.createdAt,
        });
    }
    const raced = this.#runtimes.get(confId);
    if (raced) return raced;
    this.#runtimes.set(confId, runtime);
    return runtime;
  }

  /** Creates a meeting with every stream at sequence 0. Resolves once it is durable. */
  async createMeeting(record: MeetingRecord, attendees: readonly AttendeeInput[]): Promise<MeetingState> {
    const state = createMeetingState(record, attendees, this.#newParticipantId);
    for (const replica of Object.values(state.streams)) replica.epoch = newEpoch();
    const entry: CommitEntry = { confId: record.conferenceID, created: state, writes: [] };
    if (this.#cluster) entry.position = this.#cluster.creation();
    const runtime = await this.#enqueue(undefined, entry);
    return runtime.committed;
  }

  /**
   * Applies a command to a meeting. Throws (changing nothing) when the command is refused; otherwise resolves once
   * the changes are durable and pushed, with the committed state.
   */
  async execute(confId: string, command: Command): Promise<MeetingState> {
    for (let attempt = 1; ; attempt++) {
      const runtime = await this.#load(confId);
      if (!runtime) throw new DomainError('CONF_NOT_EXIST');
      const cluster = runtime.cluster ? this.#cluster : undefined;
      if (cluster && !(await cluster.ready(runtime))) continue;
      const decidedAt = runtime.cluster?.rev ?? 0;
      let decision: Decision;
      try {
        decision = decide(runtime.working, command, {
          now: this.#clock.now(),
          newParticipantId: this.#newParticipantId,
        });
      } catch (error) {
        // Cluster mode: a refusal stands only when it was decided on the newest state.
        if (cluster && attempt < MAX_ATTEMPTS && (await cluster.behind(runtime, decidedAt))) continue;
        throw error;
      }
      if (!decision.record && decision.changes.length === 0) {
        if (cluster && attempt < MAX_ATTEMPTS && (await cluster.behind(runtime, decidedAt))) continue;
        return runtime.committed;
      }
      const entry = this.#stage(runtime, decision);
      try {
        await this.#enqueue(runtime, entry);
      } catch (error) {
        if (!(error instanceof StaleEntryError)) throw error;
        this.#retries++;
        if (attempt < MAX_ATTEMPTS) {
          // Two nodes that keep colliding on one meeting take turns instead of colliding again at once.
          const ceiling = Math.min(MAX_BACKOFF_MS, 2 ** attempt);
          await new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
          continue;
        }
        throw new DomainError('INTERNAL_ERROR', 'the meeting was changed concurrently too often; retry');
      }
      return runtime.committed;
    }
  }

  /** Assigns sequence numbers and applies the decision to the working state; returns what must be committed. */
  #stage(runtime: MeetingRuntime, decision: Decision): CommitEntry {
    const now = this.#clock.now();
    const working = runtime.working;
    const writes: StreamWrite[] = [];
    for (const change of decision.changes) {
      const replica = working.streams[change.category];
      const seq = (replica.seq ?? 0) + 1;
      const kind = replica.spec.shape.kind;
      const payload =
        kind === 'list' ? (change.payload as Item[]).map((item) => ({ ...item, seq })) : change.payload;
      replica.applyIncremental(payload, seq);
      let items: StreamWrite['items'];
      if (kind === 'list') {
        items = (payload as Item[]).map((item) => {
          const key = replica.keyOf(item) ?? '';
          return { key, value: item['mode'] === 1 ? null : (replica.items.get(key) ?? null) };
        });
      } else if (kind === 'object') {
        items = [{ key: '', value: { ...replica.fields } }];
      } else {
        items = [{ key: '', value: replica.value ?? null }];
      }
      writes.push({
        category: change.category,
        epoch: replica.epoch ?? '',
        seq,
        createdAt: now,
        payload,
        items,
      });
    }
    const entry: CommitEntry = { confId: runtime.confId, writes };
    if (runtime.cluster && this.#cluster) entry.position = this.#cluster.stage(runtime);
    if (decision.record) {
      working.record = decision.record;
      entry.record = decision.record;
    }
    return entry;
  }

  #enqueue(runtime: MeetingRuntime | undefined, entry: CommitEntry): Promise<MeetingRuntime> {
    return new Promise<MeetingRuntime>((resolve, reject) => {
      this.#pending.push({ runtime, entry, resolve, reject });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(() => void this.#flush());
      }
    });
  }

  async #flush(): Promise<void> {
    if (this.#flushing) return; // the running flush picks the rest up when it ends
    this.#flushScheduled = false;
    const batch = this.#pending.filter((p) => this.#admit(p));
    this.#pending = [];
    if (batch.length === 0) return;
    const run = this.#commitBatch(batch);
    this.#flushing = run;
    await run;
    this.#flushing = undefined;
    if (this.#pending.length > 0) await this.#flush();
  }

  /** Entries staged on a state whose earlier commit failed are refused: they were decided on changes that never happened. */
  #admit(p: Pending): boolean {
    if (!p.runtime?.poisoned) return true;
    p.reject(new DomainError('INTERNAL_ERROR', 'an earlier change to this meeting could not be stored'));
    return false;
  }

  async #commitBatch(batch: Pending[]): Promise<void> {
    let results;
    try {
      const started = performance.now();
      results = await this.#store.commit(batch.map((p) => p.entry));
      this.#commits++;
      this.#metrics?.storeCommitted(
        (performance.now() - started) / 1000,
        batch.reduce((n, p) => n + p.entry.writes.length, 0),
      );
    } catch (error) {
      this.#logger.error({ err: error }, 'store commit failed; affected meetings will be reloaded');
      for (const p of batch) {
        if (p.runtime?.cluster) {
          this.#cluster?.failed(p.runtime);
        } else if (p.runtime) {
          p.runtime.poisoned = true;
          this.#runtimes.delete(p.runtime.confId);
        }
        p.reject(error);
      }
      return;
    }
    for (const [i, p] of batch.entries()) {
      const result = results[i];
      if (result && !result.ok) {
        if (p.runtime?.cluster) this.#cluster?.refused(p.runtime, result);
        p.reject(p.runtime ? new StaleEntryError(result) : new Error(`meeting ${p.entry.confId} exists`));
        continue;
      }
      try {
        p.resolve(this.#publish(p));
      } catch (error) {
        this.#logger.error({ err: error }, 'fan-out after commit failed');
        p.resolve(p.runtime ?? this.#runtimes.get(p.entry.confId)!);
      }
    }
  }

  /** Makes one durable entry visible: committed state first, then the listeners (fan-out). */
  #publish(p: Pending): MeetingRuntime {
    const { entry } = p;
    let runtime = p.runtime;
    if (entry.created) {
      runtime = new MeetingRuntime(
        entry.confId,
        entry.created,
        cloneState(entry.created),
        this.#recentCapacity,
      );
      // Cluster mode: a node holds a meeting once it follows its channel; it is loaded when first used.
      if (!this.#cluster) this.#runtimes.set(entry.confId, runtime);
    }
    if (!runtime) throw new Error('commit without a runtime');
    const cluster = runtime.cluster && entry.position ? this.#cluster : undefined;
    if (cluster && entry.position && !cluster.committed(runtime, entry.position)) {
      cluster.settled(runtime);
      return runtime;
    }
    const committed = runtime.committed;
    if (entry.record) committed.record = entry.record;
    const changes: CommittedChange[] = [];
    for (const w of entry.writes) {
      committed.streams[w.category].applyIncremental(w.payload, w.seq);
      const change: CommittedChange = {
        category: w.category,
        seq: w.seq,
        epoch: w.epoch,
        payload: w.payload,
        createdAt: w.createdAt,
      };
      runtime.recentLog(w.category).append(change);
      changes.push(change);
    }
    try {
      for (const listener of this.#listeners) listener.onCommitted(runtime, changes, entry.record);
    } finally {
      cluster?.settled(runtime);
    }
    return runtime;
  }

  /** Resolves when everything enqueued so far is committed (used at shutdown). */
  async drain(): Promise<void> {
    while (this.#pending.length > 0 || this.#flushing || this.#flushScheduled) {
      if (this.#flushing) await this.#flushing;
      else await new Promise<void>((r) => setImmediate(r));
    }
  }

  /** Cluster mode: stops following meetings (after `drain`). */
  async close(): Promise<void> {
    await this.#cluster?.close();
  }
}

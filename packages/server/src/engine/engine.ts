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
 * One path for both modes: the embedded SQLite store is a one-node cluster (its broker is in memory), Redis a
 * cluster of any size (`cluster/`). Every entry names the meeting revision it builds on; the store refuses it when
 * another node committed first, and the command is decided again on the newer state. Other nodes' entries reach
 * the committed state and the listeners through the broker, in commit order.
 */
import type { Item, PushCategory } from '@confpush/protocol';
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
import type { CommitEntry, SharedMeetingStore, StreamWrite } from '../store/types.js';
import { ClusterSync } from './cluster/sync.js';
import type { CommitExtension } from './commit-extension.js';
import { ClusterPosition, StaleEntryError } from './position.js';
import type { RecentChange } from './recent.js';
import { MeetingRuntime } from './runtime.js';
import { cloneState } from './state.js';

/** One committed change of one stream, as the fan-out sees it. */
export type CommittedChange = RecentChange;

export interface EngineListener {
  /** Called synchronously, in commit order, once the changes are durable and applied to `runtime.committed`. */
  onCommitted(
    runtime: MeetingRuntime,
    changes: readonly CommittedChange[],
    record: MeetingRecord | undefined,
  ): void;
  /** These streams restarted (new epoch, or missed history): subscribers need full messages. */
  onReset?(runtime: MeetingRuntime, categories: readonly PushCategory[]): void;
  /** The meeting is gone from the store (it lost its data). */
  onLost?(runtime: MeetingRuntime): void;
}

/** How often a command refused by the store (another node changed the meeting first) is decided again. */
const MAX_ATTEMPTS = 16;
/** Upper bound of the random pause before deciding a refused command again (doubles per attempt up to it). */
const MAX_BACKOFF_MS = 40;

export interface EngineOptions {
  /** The store every node of the cluster writes (the SQLite file of a one-node cluster, or Redis). */
  store: SharedMeetingStore;
  /** The fan-out of committed entries between the nodes (in memory for a one-node cluster, or Redis). */
  broker: Broker;
  nodeId: string;
  /** Whether this node still serves the meeting (has subscribers of it); idle meetings are unloaded. */
  inUse?: (confId: string) => boolean;
  clock: Clock;
  logger: Logger;
  /** Committed changes kept in memory per stream for resume (the durable log keeps as many). */
  recentCapacity: number;
  newParticipantId?: () => string;
  metrics?: EngineMetrics;
  extensions?: readonly CommitExtension[];
}

interface Pending {
  runtime: MeetingRuntime | undefined;
  entry: CommitEntry;
  resolve: (runtime: MeetingRuntime) => void;
  reject: (error: unknown) => void;
}

export { newEpoch } from '../ids.js';

export class Engine {
  readonly #store: SharedMeetingStore;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #newParticipantId: () => string;
  readonly #recentCapacity: number;
  readonly #metrics: EngineMetrics | undefined;
  readonly #extensions: readonly CommitExtension[];
  readonly #runtimes = new Map<string, MeetingRuntime>();
  readonly #loading = new Map<string, Promise<MeetingRuntime | undefined>>();
  readonly #listeners: EngineListener[] = [];
  /** The listeners that also take other nodes' changes. */
  readonly #remoteListeners: EngineListener[] = [];
  readonly #cluster: ClusterSync;
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
    this.#extensions = options.extensions ?? [];
    this.#cluster = new ClusterSync(
      {
        store: options.store,
        broker: options.broker,
        nodeId: options.nodeId,
        clock: options.clock,
        logger: options.logger,
        ...(options.inUse ? { inUse: options.inUse } : {}),
      },
      {
        runtimes: this.#runtimes,
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

  /**
   * `remote: false`: the listener sees only this node's own changes (e.g. the media plane, which acts on what it
   * was asked to do); otherwise it also sees other nodes' changes, in commit order.
   */
  addListener(listener: EngineListener, options: { remote?: boolean } = {}): void {
    this.#listeners.push(listener);
    if (options.remote !== false) this.#remoteListeners.push(listener);
  }

  removeListener(listener: EngineListener): void {
    for (const list of [this.#listeners, this.#remoteListeners]) {
      const at = list.indexOf(listener);
      if (at >= 0) list.splice(at, 1);
    }
  }

  get nodeId(): string {
    return this.#cluster.nodeId;
  }

  /** Number of store transactions so far (group commit makes it lower than the number of changes). */
  get commitCount(): number {
    return this.#commits;
  }

  /** Commands decided again because another node changed the meeting first. */
  get retries(): number {
    return this.#retries;
  }

  /** Meetings held in memory. */
  get meetingsLoaded(): number {
    return this.#runtimes.size;
  }

  /**
   * The loaded meeting, loading it from the store the first time. Concurrent callers share one load. It reflects
   * at least everything committed (by any node) before the call.
   */
  async load(confId: string): Promise<MeetingRuntime | undefined> {
    const loaded = this.#runtimes.get(confId);
    if (loaded) return this.#cluster.catchUp.fresh(loaded);
    return this.#load(confId);
  }

  async #load(confId: string): Promise<MeetingRuntime | undefined> {
    const loaded = this.#runtimes.get(confId);
    if (loaded) return loaded;
    let loading = this.#loading.get(confId);
    if (!loading) {
      loading = this.#cluster.loader.load(confId).finally(() => this.#loading.delete(confId));
      this.#loading.set(confId, loading);
    }
    return loading;
  }

  /** Creates a meeting with every stream at sequence 0. Resolves once it is durable. */
  async createMeeting(record: MeetingRecord, attendees: readonly AttendeeInput[]): Promise<MeetingState> {
    const state = createMeetingState(record, attendees, this.#newParticipantId);
    for (const replica of Object.values(state.streams)) replica.epoch = ids.newEpoch();
    const entry: CommitEntry = {
      confId: record.conferenceID,
      created: state,
      writes: [],
      position: this.#cluster.local.creation(),
      outbox: this.#extensions.flatMap((x) => x.messagesFor(undefined, { changes: [], created: state })),
    };
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
      const { catchUp } = this.#cluster;
      if (!(await catchUp.ready(runtime))) continue;
      const decidedAt = runtime.position.rev;
      let decision: Decision;
      try {
        decision = decide(runtime.working, command, {
          now: this.#clock.now(),
          newParticipantId: this.#newParticipantId,
        });
      } catch (error) {
        // A refusal stands only when it was decided on the newest state.
        if (attempt < MAX_ATTEMPTS && (await catchUp.behind(runtime, decidedAt))) continue;
        throw error;
      }
      if (!decision.record && decision.changes.length === 0) {
        if (attempt < MAX_ATTEMPTS && (await catchUp.behind(runtime, decidedAt))) continue;
        return runtime.committed;
      }
      const outbox = this.#extensions.flatMap((x) => x.messagesFor(runtime.working, decision));
      const entry = { ...this.#stage(runtime, decision), outbox };
      try {
        await this.#enqueue(runtime, entry);
      } catch (error) {
        if (!(error instanceof StaleEntryError)) throw error;
        this.#retries++;
        if (attempt < MAX_ATTEMPTS) {
          // Two nodes that keep colliding on one meeting take turns instead of colliding again at once.
          const ceiling = Math.min(MAX_BACKOFF_MS, 2 ** attempt);
          await new Promise((resolve) =>
            this.#clock.setTimeout(() => resolve(undefined), Math.random() * ceiling),
          );
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
    const position = this.#cluster.local.stage(runtime);
    const entry: CommitEntry = { confId: runtime.confId, writes, position };
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
    const batch = this.#pending;
    this.#pending = [];
    if (batch.length === 0) return;
    const run = this.#commitBatch(batch);
    this.#flushing = run;
    await run;
    this.#flushing = undefined;
    if (this.#pending.length > 0) await this.#flush();
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
        if (p.runtime) this.#cluster.local.failed(p.runtime);
        p.reject(error);
      }
      return;
    }
    for (const [i, p] of batch.entries()) {
      const result = results[i];
      if (result && !result.ok) {
        if (p.runtime) this.#cluster.local.refused(p.runtime, result);
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
    const position = entry.position!;
    if (entry.created) {
      // A node holds a meeting once it follows its channel: it is loaded when first used. The listeners see the
      // creation on a runtime of its own.
      const runtime = new MeetingRuntime(
        entry.confId,
        entry.created,
        cloneState(entry.created),
        this.#recentCapacity,
        new ClusterPosition(position.rev, position.id),
      );
      for (const listener of this.#listeners) listener.onCommitted(runtime, [], entry.record);
      return runtime;
    }
    const runtime = p.runtime;
    if (!runtime) throw new Error('commit without a runtime');
    if (!this.#cluster.local.committed(runtime, position)) {
      this.#cluster.local.settled(runtime);
      return runtime;
    }
    try {
      const changes = runtime.applyCommitted(entry.record, entry.writes);
      for (const listener of this.#listeners) listener.onCommitted(runtime, changes, entry.record);
    } finally {
      this.#cluster.local.settled(runtime);
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

  /** Stops following meetings (after `drain`). */
  async close(): Promise<void> {
    await this.#cluster.close();
  }
}

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
 */
import type { Item } from '@confpush/protocol';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { AttendeeInput } from '../domain/attendees.js';
import type { Command } from '../domain/commands.js';
import { createMeetingState } from '../domain/create.js';
import { decide, type Decision } from '../domain/decide.js';
import type { MeetingRecord, MeetingState } from '../domain/meeting.js';
import { ApiError } from '../errors.js';
import * as ids from '../ids.js';
import type { EngineMetrics } from '../metrics.js';
import type { CommitEntry, MeetingStore, StreamWrite } from '../store/types.js';
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
}

export interface EngineOptions {
  store: MeetingStore;
  clock: Clock;
  logger: Logger;
  /** Committed changes kept in memory per stream for resume (the durable log keeps as many). */
  recentCapacity: number;
  newParticipantId?: () => string;
  metrics?: EngineMetrics;
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
  #pending: Pending[] = [];
  #flushScheduled = false;
  #flushing: Promise<void> | undefined;
  #commits = 0;

  constructor(options: EngineOptions) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#newParticipantId = options.newParticipantId ?? ids.pid;
    this.#recentCapacity = options.recentCapacity;
    this.#metrics = options.metrics;
  }

  addListener(listener: EngineListener): void {
    this.#listeners.push(listener);
  }

  /** Number of store transactions so far (group commit makes it lower than the number of changes). */
  get commitCount(): number {
    return this.#commits;
  }

  /** Meetings held in memory. */
  get meetingsLoaded(): number {
    return this.#runtimes.size;
  }

  /** The loaded meeting, loading it from the store the first time. Concurrent callers share one load. */
  async load(confId: string): Promise<MeetingRuntime | undefined> {
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
    const runtime = await this.#enqueue(undefined, {
      confId: record.conferenceID,
      created: state,
      writes: [],
    });
    return runtime.committed;
  }

  /**
   * Applies a command to a meeting. Throws (changing nothing) when the command is refused; otherwise resolves once
   * the changes are durable and pushed, with the committed state.
   */
  async execute(confId: string, command: Command): Promise<MeetingState> {
    const runtime = await this.load(confId);
    if (!runtime) throw new ApiError('CONF_NOT_EXIST');
    const decision = decide(runtime.working, command, {
      now: this.#clock.now(),
      newParticipantId: this.#newParticipantId,
    });
    const entry = this.#stage(runtime, decision);
    if (!entry.record && entry.writes.length === 0) return runtime.committed;
    await this.#enqueue(runtime, entry);
    return runtime.committed;
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
    p.reject(new ApiError('INTERNAL_ERROR', 'an earlier change to this meeting could not be stored'));
    return false;
  }

  async #commitBatch(batch: Pending[]): Promise<void> {
    try {
      const started = performance.now();
      await this.#store.commit(batch.map((p) => p.entry));
      this.#commits++;
      this.#metrics?.storeCommitted(
        (performance.now() - started) / 1000,
        batch.reduce((n, p) => n + p.entry.writes.length, 0),
      );
    } catch (error) {
      this.#logger.error({ err: error }, 'store commit failed; affected meetings will be reloaded');
      for (const p of batch) {
        if (p.runtime) {
          p.runtime.poisoned = true;
          this.#runtimes.delete(p.runtime.confId);
        }
        p.reject(error);
      }
      return;
    }
    for (const p of batch) {
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
      this.#runtimes.set(entry.confId, runtime);
    }
    if (!runtime) throw new Error('commit without a runtime');
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
    for (const listener of this.#listeners) listener.onCommitted(runtime, changes, entry.record);
    return runtime;
  }

  /** Resolves when everything enqueued so far is committed (used at shutdown). */
  async drain(): Promise<void> {
    while (this.#pending.length > 0 || this.#flushing || this.#flushScheduled) {
      if (this.#flushing) await this.#flushing;
      else await new Promise<void>((r) => setImmediate(r));
    }
  }
}

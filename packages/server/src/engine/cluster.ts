/**
 * Cluster mode of the engine: several nodes write the same meetings through one shared store (Redis), and each
 * node keeps the meetings it serves in memory, in step with the store.
 *
 *   local change:  decide on `working` ─► stage (position: base = working head, rev + 1) ─► commit script
 *                  ─► ok: committed state, listeners          ─► conflict: wait until caught up, decide again
 *   remote change: broker ─► buffer by rev ─► in rev order (each naming the previous head): committed state,
 *                  then `working` (when no local change is in flight), then the listeners (the hub)
 *   gap, lost connection, other store incarnation: resync ─► read the meeting in one atomic snapshot
 *                  ─► per stream: the missed incrementals from the log, or a full message (new epoch, trimmed log)
 *
 * A meeting's revision `rev` counts its committed entries; `head` is the id of the newest. Every entry names the
 * head it was decided on, and the store refuses it when another entry got there first, so two nodes changing one
 * meeting at once still produce one order and neither decides on a state that never existed.
 */
import type { PushCategory } from '@confpush/protocol';
import type { Logger } from 'pino';
import type { Broker, BrokerEntry } from '../broker/broker.js';
import type { Clock, TimerHandle } from '../clock.js';
import type { MeetingRecord } from '../domain/meeting.js';
import type { CommitResult, EntryPosition, MeetingSnapshot, SharedMeetingStore } from '../store/types.js';
import { ClusterPosition } from './position.js';
import { catchUpPlan } from './resync-plan.js';
import type { RecentChange } from './recent.js';
import { MeetingRuntime } from './runtime.js';
import { cloneState, stateFromStore } from './state.js';

export { ClusterPosition, StaleEntryError } from './position.js';

/** A remote entry missing this long (with no local commit in flight) means a lost message: resync. */
const GAP_TIMEOUT_MS = 200;
/** How long to wait for the broker to bring a meeting up to a revision the store reported, before a resync. */
const CATCH_UP_TIMEOUT_MS = 500;
/** A resync that failed (store unreachable) is tried again after this long. */
const RESYNC_RETRY_MS = 1000;
/** A meeting nobody on this node used for this long (no subscriber, no command) is unloaded (checked as often). */
const IDLE_UNLOAD_MS = 60_000;

/** What the cluster part needs of the engine. */
export interface ClusterHost {
  readonly runtimes: Map<string, MeetingRuntime>;
  readonly recentCapacity: number;
  /** Hands committed changes to the listeners that take remote changes (the hub), in commit order. */
  emit(runtime: MeetingRuntime, changes: readonly RecentChange[], record: MeetingRecord | undefined): void;
  /** These streams restarted (new epoch, or history no longer held): subscribers need full messages. */
  reset(runtime: MeetingRuntime, categories: readonly PushCategory[]): void;
  /** The meeting no longer exists in the store (it lost its data). */
  lost(runtime: MeetingRuntime): void;
}

export interface ClusterOptions {
  store: SharedMeetingStore;
  broker: Broker;
  nodeId: string;
  clock: Clock;
  logger: Logger;
  /** Whether something on this node still uses the meeting (its subscribers); idle meetings are unloaded. */
  inUse?: (confId: string) => boolean;
}

export class ClusterSync {
  readonly nodeId: string;
  readonly #store: SharedMeetingStore;
  readonly #broker: Broker;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #host: ClusterHost;
  /** Entries received while a meeting is being loaded (subscribed, snapshot not yet read). */
  readonly #preload = new Map<string, BrokerEntry[]>();
  readonly #inUse: ((confId: string) => boolean) | undefined;
  readonly #sweeper: TimerHandle;
  #entryCount = 0;
  #closed = false;

  constructor(options: ClusterOptions, host: ClusterHost) {
    this.nodeId = options.nodeId;
    this.#store = options.store;
    this.#broker = options.broker;
    this.#logger = options.logger.child({ component: 'cluster', nodeId: options.nodeId });
    this.#clock = options.clock;
    this.#host = host;
    this.#inUse = options.inUse;
    this.#broker.onReconnect(() => this.#brokerOnReconnect());
    this.#sweeper = this.#clock.setInterval(() => this.#unloadIdle(), IDLE_UNLOAD_MS);
  }

  /**
   * Stops following meetings nobody on this node used for a while (no subscriber, nothing in flight), so that a
   * node receives the changes of the meetings it serves, not of every meeting it ever touched.
   */
  #unloadIdle(): void {
    const before = this.#clock.now() - IDLE_UNLOAD_MS;
    for (const [confId, runtime] of this.#host.runtimes) {
      const c = runtime.position;
      if (c.inflight > 0 || c.resyncing || c.lastUsed > before || this.#inUse?.(confId) !== false) continue;
      void this.unload(confId).catch((err: unknown) => this.#logger.warn({ err, confId }, 'unload failed'));
    }
  }

  // --- loading ----------------------------------------------------------------------------------------------------

  /**
   * Loads a meeting: subscribes to its channel first, then reads it in one snapshot, so that no entry falls in
   * between (entries that arrive meanwhile are buffered and applied after the snapshot's revision).
   */
  async load(confId: string): Promise<MeetingRuntime | undefined> {
    if (!(await this.#store.revision(confId))) return undefined;
    const early: BrokerEntry[] = [];
    this.#preload.set(confId, early);
    try {
      await this.#broker.subscribe(confId, (entry) => this.#brokerOnEntry(confId, entry));
      const snapshot = await this.#snapshot(confId);
      const raced = this.#host.runtimes.get(confId);
      if (raced) return raced;
      if (!snapshot) {
        await this.#broker.unsubscribe(confId);
        return undefined;
      }
      const committed = stateFromStore(snapshot.record, snapshot.streams);
      const runtime = new MeetingRuntime(
        confId,
        committed,
        cloneState(committed),
        this.#host.recentCapacity,
        new ClusterPosition(snapshot.rev, snapshot.head),
      );
      runtime.position.lastUsed = this.#clock.now();
      runtime.fillRecent(snapshot.streams, snapshot.logs);
      this.#host.runtimes.set(confId, runtime);
      for (const entry of early) this.#receive(runtime, entry);
      return runtime;
    } finally {
      this.#preload.delete(confId);
    }
  }

  /** The meeting's snapshot under the store's current incarnation (renewing its epochs first when needed). */
  async #snapshot(confId: string, force = false): Promise<MeetingSnapshot | undefined> {
    const depth = this.#host.recentCapacity;
    let snapshot = await this.#store.snapshot(confId, depth);
    if (!snapshot) return undefined;
    if (force || snapshot.incarnation !== (await this.#store.incarnation())) {
      this.#logger.info({ confId, force }, 'renewing the stream epochs of a meeting (store continuity lost)');
      if (!(await this.#store.renewEpochs(confId, { nodeId: this.nodeId, id: this.newEntryId(), force })))
        return undefined;
      snapshot = await this.#store.snapshot(confId, depth);
    }
    return snapshot;
  }

  /** Stops following a meeting (it is no longer held by this node). */
  async unload(confId: string): Promise<void> {
    const runtime = this.#host.runtimes.get(confId);
    if (runtime?.position.gapTimer) this.#clock.clearTimeout(runtime.position.gapTimer);
    this.#host.runtimes.delete(confId);
    await this.#broker.unsubscribe(confId);
  }

  // --- local entries ----------------------------------------------------------------------------------------------

  newEntryId(): string {
    return `${this.nodeId}.${(++this.#entryCount).toString(36)}`;
  }

  /** The position of a local entry staged on `runtime.working`; counts it as in flight. */
  stage(runtime: MeetingRuntime): EntryPosition {
    const c = runtime.position;
    const entry: EntryPosition = {
      nodeId: this.nodeId,
      id: this.newEntryId(),
      base: c.workingHead,
      rev: c.workingRev + 1,
    };
    c.workingHead = entry.id;
    c.workingRev = entry.rev;
    c.inflight++;
    return entry;
  }

  /** The position of a meeting creation. */
  creation(): EntryPosition {
    return { nodeId: this.nodeId, id: this.newEntryId(), base: '', rev: 1 };
  }

  /**
   * A local entry is committed. True when it continues the committed state (the caller applies it and hands it to
   * the listeners); false when the committed state is already past it (a resync read it from the store) or is
   * behind it (a resync is started, which brings it).
   */
  committed(runtime: MeetingRuntime, entry: EntryPosition): boolean {
    const c = runtime.position;
    c.inflight--;
    if (c.rev === entry.rev - 1 && c.head === entry.base && !c.resyncing) {
      c.rev = entry.rev;
      c.head = entry.id;
      return true;
    }
    c.stale = true;
    c.minRev = Math.max(c.minRev, entry.rev);
    if (c.rev < entry.rev) void this.resync(runtime);
    return false;
  }

  /** After a local entry's listeners ran: apply remote entries that waited for it. */
  settled(runtime: MeetingRuntime): void {
    this.#drain(runtime);
    this.#refreshWorking(runtime);
    runtime.position.notify();
  }

  /** A local entry was refused: the meeting moved on (or left this incarnation); nothing of it was written. */
  refused(runtime: MeetingRuntime, result: Extract<CommitResult, { ok: false }>): void {
    const c = runtime.position;
    c.inflight--;
    c.stale = true;
    if (result.rev !== undefined) c.minRev = Math.max(c.minRev, result.rev);
    if (result.reason !== 'stale') void this.resync(runtime);
    this.#refreshWorking(runtime);
    c.notify();
  }

  /** The store failed (the outcome of the entry is unknown): read the meeting again. */
  failed(runtime: MeetingRuntime): void {
    const c = runtime.position;
    c.inflight--;
    c.stale = true;
    void this.resync(runtime);
    c.notify();
  }

  /**
   * Resolves once `runtime.working` may be decided on: no resync running, the committed state at least where the
   * store was last seen, and the working state equal to committed + in-flight entries. False when the meeting
   * is no longer held (the caller loads it again).
   */
  async ready(runtime: MeetingRuntime): Promise<boolean> {
    const c = runtime.position;
    c.lastUsed = this.#clock.now();
    for (;;) {
      if (this.#host.runtimes.get(runtime.confId) !== runtime) return false;
      if (c.resyncing) await c.resyncing;
      else if (c.minRev > c.rev) await this.#catchUp(runtime, c.minRev);
      else if (c.stale && c.inflight > 0) await this.#change(c);
      else {
        this.#refreshWorking(runtime);
        return this.#host.runtimes.get(runtime.confId) === runtime;
      }
    }
  }

  /**
   * After a refusal (or a decision that changed nothing) taken when the committed state was at `decidedAt`: true
   * when the decision may have been taken on an old state (another node's entry has arrived since, or the store is
   * ahead), in which case the caller decides again once `ready`.
   */
  async behind(runtime: MeetingRuntime, decidedAt: number): Promise<boolean> {
    const c = runtime.position;
    if (c.rev > decidedAt || c.stale) return true;
    const stored = await this.#store.revision(runtime.confId);
    if (!stored || stored.incarnation !== (await this.#store.incarnation())) {
      await this.resync(runtime);
      return true;
    }
    if (stored.rev <= decidedAt) return false;
    c.minRev = Math.max(c.minRev, stored.rev);
    return true;
  }

  /**
   * Read-your-writes across nodes: resolves once the meeting reflects everything the store had committed when
   * this was called. Undefined when the meeting no longer exists.
   */
  async fresh(runtime: MeetingRuntime): Promise<MeetingRuntime | undefined> {
    const c = runtime.position;
    c.lastUsed = this.#clock.now();
    const stored = await this.#store.revision(runtime.confId);
    if (!stored || stored.incarnation !== (await this.#store.incarnation())) await this.resync(runtime);
    else if (stored.rev > c.rev) await this.#catchUp(runtime, stored.rev);
    if (c.resyncing) await c.resyncing;
    return this.#host.runtimes.get(runtime.confId);
  }

  /** Waits (bounded) for the broker to bring the meeting to `rev`; resyncs when it does not. */
  async #catchUp(runtime: MeetingRuntime, rev: number): Promise<void> {
    const c = runtime.position;
    let expired = false;
    const deadline = this.#clock.setTimeout(() => {
      expired = true;
      c.notify();
    }, CATCH_UP_TIMEOUT_MS);
    try {
      while (c.rev < rev && !c.resyncing && this.#host.runtimes.get(runtime.confId) === runtime) {
        if (expired) {
          await this.resync(runtime);
          break;
        }
        await this.#change(c);
      }
    } finally {
      this.#clock.clearTimeout(deadline);
    }
    if (c.resyncing) await c.resyncing;
  }

  /** Resolves at the next change of the position (or after `CATCH_UP_TIMEOUT_MS`). */
  #change(c: ClusterPosition): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        this.#clock.clearTimeout(timer);
        c.watchers.delete(done);
        resolve();
      };
      const timer = this.#clock.setTimeout(done, CATCH_UP_TIMEOUT_MS);
      c.watchers.add(done);
    });
  }

  /** With nothing in flight, a stale working state is replaced by a copy of the committed state. */
  #refreshWorking(runtime: MeetingRuntime): void {
    const c = runtime.position;
    if (!c.stale || c.inflight > 0) return;
    runtime.working = cloneState(runtime.committed);
    c.workingRev = c.rev;
    c.workingHead = c.head;
    c.stale = false;
  }

  // --- remote entries ---------------------------------------------------------------------------------------------

  #brokerOnEntry(confId: string, entry: BrokerEntry): void {
    if (this.#closed) return;
    const early = this.#preload.get(confId);
    const runtime = this.#host.runtimes.get(confId);
    if (runtime) this.#receive(runtime, entry);
    else early?.push(entry);
  }

  #receive(runtime: MeetingRuntime, entry: BrokerEntry): void {
    const c = runtime.position;
    if (entry.nodeId === this.nodeId || entry.kind === 'created') return;
    if (entry.kind === 'reset') {
      if (entry.rev > c.rev) void this.resync(runtime);
      return;
    }
    if (entry.rev <= c.rev) return;
    c.buffer.set(entry.rev, entry);
    this.#drain(runtime);
  }

  /** Applies buffered remote entries that continue the committed state; watches for a gap that does not fill. */
  #drain(runtime: MeetingRuntime): void {
    const c = runtime.position;
    if (c.resyncing) return;
    for (let next = c.buffer.get(c.rev + 1); next; next = c.buffer.get(c.rev + 1)) {
      c.buffer.delete(next.rev);
      if (next.base !== c.head || !this.#applyRemote(runtime, next)) {
        void this.resync(runtime);
        return;
      }
    }
    for (const rev of c.buffer.keys()) if (rev <= c.rev) c.buffer.delete(rev);
    if (c.buffer.size === 0) {
      if (c.gapTimer) this.#clock.clearTimeout(c.gapTimer);
      c.gapTimer = undefined;
    } else if (!c.gapTimer) {
      c.gapTimer = this.#clock.setTimeout(() => this.#gapOnTimeout(runtime), GAP_TIMEOUT_MS);
    }
  }

  #gapOnTimeout(runtime: MeetingRuntime): void {
    const c = runtime.position;
    c.gapTimer = undefined;
    if (c.buffer.size === 0 || this.#closed) return;
    if (c.inflight > 0) {
      // The missing entry may be our own, still on its way back from the store.
      c.gapTimer = this.#clock.setTimeout(() => this.#gapOnTimeout(runtime), GAP_TIMEOUT_MS);
      return;
    }
    this.#logger.warn({ confId: runtime.confId, rev: c.rev }, 'a broker message was lost; resyncing');
    void this.resync(runtime);
  }

  /** One remote entry, in order: committed state, working state when nothing local is in flight, listeners. */
  #applyRemote(runtime: MeetingRuntime, entry: BrokerEntry): boolean {
    const c = runtime.position;
    const committed = runtime.committed;
    for (const w of entry.writes) {
      const replica = committed.streams[w.category];
      if (!replica || replica.epoch !== w.epoch || (replica.seq ?? 0) + 1 !== w.seq) return false;
    }
    const withWorking = c.inflight === 0 && !c.stale;
    const changes = runtime.applyCommitted(entry.record, entry.writes, withWorking);
    c.rev = entry.rev;
    c.head = entry.id;
    if (withWorking) {
      c.workingRev = entry.rev;
      c.workingHead = entry.id;
    } else {
      c.stale = true;
    }
    try {
      this.#host.emit(runtime, changes, entry.record ?? undefined);
    } catch (err) {
      this.#logger.error({ err }, 'fan-out of a remote entry failed');
    }
    c.notify();
    return true;
  }

  // --- resync -----------------------------------------------------------------------------------------------------

  /**
   * Reads the meeting again and brings subscribers to it without a silent gap: per stream, the missed incrementals
   * from the store's log when it holds all of them under the same epoch, otherwise a full message.
   */
  resync(runtime: MeetingRuntime): Promise<void> {
    const c = runtime.position;
    if (!c.resyncing) {
      c.resyncing = this.#resync(runtime)
        .catch((err: unknown) => {
          // The store is unreachable (or failed): keep the meeting as it is and try again (a broker reconnect
          // also resyncs every meeting). Subscribers keep their sockets; nothing is sent until it succeeds.
          this.#logger.warn({ err, confId: runtime.confId }, 'resync failed; retrying');
          c.stale = true;
          this.#clock.setTimeout(() => {
            if (!this.#closed && this.#host.runtimes.get(runtime.confId) === runtime)
              void this.resync(runtime);
          }, RESYNC_RETRY_MS);
        })
        .finally(() => {
          c.resyncing = undefined;
          // Continue with what the broker delivered meanwhile.
          if (this.#host.runtimes.get(runtime.confId) === runtime) this.#drain(runtime);
          c.notify();
        });
    }
    return c.resyncing;
  }

  async #resync(runtime: MeetingRuntime): Promise<void> {
    const { confId } = runtime;
    if (this.#host.runtimes.get(confId) !== runtime) return;
    const c = runtime.position;
    let snapshot = await this.#snapshot(confId);
    // A snapshot read before a local commit was answered may miss it: read again. A store still behind what this
    // node committed lost data without a restart: renew the epochs.
    const target = () => Math.max(c.rev, c.minRev);
    for (let i = 0; snapshot && snapshot.rev < target() && i < 3; i++)
      snapshot = await this.#snapshot(confId);
    if (snapshot && snapshot.rev < target()) {
      snapshot = await this.#snapshot(confId, true);
      c.minRev = 0;
    }
    if (this.#host.runtimes.get(confId) !== runtime) return;
    if (!snapshot) {
      this.#logger.warn({ confId }, 'meeting no longer in the store');
      await this.unload(confId);
      this.#host.lost(runtime);
      return;
    }
    const old = runtime.committed;
    const next = stateFromStore(snapshot.record, snapshot.streams);
    const { changes, resets } = catchUpPlan(old, next, snapshot.logs);
    runtime.committed = next;
    runtime.fullFrames.clear();
    runtime.fillRecent(snapshot.streams, snapshot.logs);
    c.rev = snapshot.rev;
    c.head = snapshot.head;
    c.minRev = Math.max(c.minRev, snapshot.rev);
    c.stale = true;
    for (const rev of c.buffer.keys()) if (rev <= c.rev) c.buffer.delete(rev);
    this.#refreshWorking(runtime);
    this.#host.emit(runtime, changes, snapshot.record);
    if (resets.length > 0) this.#host.reset(runtime, resets);
  }

  #brokerOnReconnect(): void {
    if (this.#closed) return;
    this.#logger.info({ meetings: this.#host.runtimes.size }, 'broker reconnected; resyncing every meeting');
    for (const runtime of this.#host.runtimes.values()) void this.resync(runtime);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#clock.clearInterval(this.#sweeper);
    for (const runtime of this.#host.runtimes.values()) {
      if (runtime.position.gapTimer) this.#clock.clearTimeout(runtime.position.gapTimer);
    }
    await this.#broker.close();
  }
}

/** Loading a meeting onto this node (follow its channel, then read it in one snapshot) and unloading it. */
import type { BrokerEntry } from '../../broker/broker.js';
import type { MeetingSnapshot } from '../../store/types.js';
import { ClusterPosition } from '../position.js';
import { MeetingRuntime } from '../runtime.js';
import { cloneState, stateFromStore } from '../state.js';
import type { ClusterContext } from './context.js';

export class MeetingLoader {
  readonly #ctx: ClusterContext;
  /** Takes a remote entry of a loaded meeting (`ordering.ts`). */
  readonly #receive: (runtime: MeetingRuntime, entry: BrokerEntry) => void;
  /** Entries received while a meeting is being loaded (subscribed, snapshot not yet read). */
  readonly #preload = new Map<string, BrokerEntry[]>();

  constructor(ctx: ClusterContext, receive: (runtime: MeetingRuntime, entry: BrokerEntry) => void) {
    this.#ctx = ctx;
    this.#receive = receive;
  }

  /**
   * Loads a meeting: subscribes to its channel first, then reads it in one snapshot, so that no entry falls in
   * between (entries that arrive meanwhile are buffered and applied after the snapshot's revision).
   */
  async load(confId: string): Promise<MeetingRuntime | undefined> {
    const { store, broker, host, clock } = this.#ctx;
    if (!(await store.revision(confId))) return undefined;
    const early: BrokerEntry[] = [];
    this.#preload.set(confId, early);
    try {
      await broker.subscribe(confId, (entry) => this.#brokerOnEntry(confId, entry));
      const snapshot = await this.snapshot(confId);
      const raced = host.runtimes.get(confId);
      if (raced) return raced;
      if (!snapshot) {
        await broker.unsubscribe(confId);
        return undefined;
      }
      const committed = stateFromStore(snapshot.record, snapshot.streams);
      const runtime = new MeetingRuntime(
        confId,
        committed,
        cloneState(committed),
        host.recentCapacity,
        new ClusterPosition(snapshot.rev, snapshot.head),
      );
      runtime.position.lastUsed = clock.now();
      runtime.fillRecent(snapshot.streams, snapshot.logs);
      host.runtimes.set(confId, runtime);
      for (const entry of early) this.#receive(runtime, entry);
      return runtime;
    } finally {
      this.#preload.delete(confId);
    }
  }

  /** The meeting's snapshot under the store's current incarnation (renewing its epochs first when needed). */
  async snapshot(confId: string, force = false): Promise<MeetingSnapshot | undefined> {
    const { store, host, logger, nodeId } = this.#ctx;
    const depth = host.recentCapacity;
    let snapshot = await store.snapshot(confId, depth);
    if (!snapshot) return undefined;
    if (force || snapshot.incarnation !== (await store.incarnation())) {
      logger.info({ confId, force }, 'renewing the stream epochs of a meeting (store continuity lost)');
      if (!(await store.renewEpochs(confId, { nodeId, id: this.#ctx.newEntryId(), force }))) return undefined;
      snapshot = await store.snapshot(confId, depth);
    }
    return snapshot;
  }

  /** Stops following a meeting (it is no longer held by this node). */
  async unload(confId: string): Promise<void> {
    const runtime = this.#ctx.host.runtimes.get(confId);
    if (runtime?.position.gapTimer) this.#ctx.clock.clearTimeout(runtime.position.gapTimer);
    this.#ctx.host.runtimes.delete(confId);
    await this.#ctx.broker.unsubscribe(confId);
  }

  #brokerOnEntry(confId: string, entry: BrokerEntry): void {
    if (this.#ctx.closed) return;
    const early = this.#preload.get(confId);
    const runtime = this.#ctx.host.runtimes.get(confId);
    if (runtime) this.#receive(runtime, entry);
    else early?.push(entry);
  }
}

/**
 * Other nodes' entries of a loaded meeting, in revision order: each is buffered by its revision and applied once it
 * continues the committed state (naming its head); a gap that does not fill in time means a lost message.
 */
import type { BrokerEntry } from '../../broker/broker.js';
import type { MeetingRuntime } from '../runtime.js';
import type { ClusterContext } from './context.js';

/** A remote entry missing this long (with no local commit in flight) means a lost message: resync. */
const GAP_TIMEOUT_MS = 200;

export class RemoteEntries {
  readonly #ctx: ClusterContext;

  constructor(ctx: ClusterContext) {
    this.#ctx = ctx;
  }

  receive(runtime: MeetingRuntime, entry: BrokerEntry): void {
    const c = runtime.position;
    if (entry.nodeId === this.#ctx.nodeId || entry.kind === 'created') return;
    if (entry.kind === 'reset') {
      if (entry.rev > c.rev) void this.#ctx.resync(runtime);
      return;
    }
    if (entry.rev <= c.rev) return;
    c.buffer.set(entry.rev, entry);
    this.drain(runtime);
  }

  /** Applies buffered remote entries that continue the committed state; watches for a gap that does not fill. */
  drain(runtime: MeetingRuntime): void {
    const c = runtime.position;
    if (c.resyncing) return;
    for (let next = c.buffer.get(c.rev + 1); next; next = c.buffer.get(c.rev + 1)) {
      c.buffer.delete(next.rev);
      if (next.base !== c.head || !this.#apply(runtime, next)) {
        void this.#ctx.resync(runtime);
        return;
      }
    }
    for (const rev of c.buffer.keys()) if (rev <= c.rev) c.buffer.delete(rev);
    const clock = this.#ctx.clock;
    if (c.buffer.size === 0) {
      if (c.gapTimer) clock.clearTimeout(c.gapTimer);
      c.gapTimer = undefined;
    } else if (!c.gapTimer) {
      c.gapTimer = clock.setTimeout(() => this.#gapOnTimeout(runtime), GAP_TIMEOUT_MS);
    }
  }

  #gapOnTimeout(runtime: MeetingRuntime): void {
    const c = runtime.position;
    c.gapTimer = undefined;
    if (c.buffer.size === 0 || this.#ctx.closed) return;
    if (c.inflight > 0) {
      // The missing entry may be our own, still on its way back from the store.
      c.gapTimer = this.#ctx.clock.setTimeout(() => this.#gapOnTimeout(runtime), GAP_TIMEOUT_MS);
      return;
    }
    this.#ctx.logger.warn({ confId: runtime.confId, rev: c.rev }, 'a broker message was lost; resyncing');
    void this.#ctx.resync(runtime);
  }

  /** One remote entry, in order: committed state, working state when nothing local is in flight, listeners. */
  #apply(runtime: MeetingRuntime, entry: BrokerEntry): boolean {
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
      this.#ctx.host.emit(runtime, changes, entry.record ?? undefined);
    } catch (err) {
      this.#ctx.logger.error({ err }, 'fan-out of a remote entry failed');
    }
    c.notify();
    return true;
  }
}

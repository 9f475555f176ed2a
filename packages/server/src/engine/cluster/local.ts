/**
 * This node's own entries: staged on the working state with the position they build on, then answered by the store
 * (committed, refused because the meeting moved on, or failed with an unknown outcome).
 */
import type { CommitResult, EntryPosition } from '../../store/types.js';
import type { MeetingRuntime } from '../runtime.js';
import type { ClusterContext } from './context.js';
import { refreshWorking } from './working.js';

export class LocalEntries {
  readonly #ctx: ClusterContext;

  constructor(ctx: ClusterContext) {
    this.#ctx = ctx;
  }

  /** The position of a local entry staged on `runtime.working`; counts it as in flight. */
  stage(runtime: MeetingRuntime): EntryPosition {
    const c = runtime.position;
    const entry: EntryPosition = {
      nodeId: this.#ctx.nodeId,
      id: this.#ctx.newEntryId(),
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
    return { nodeId: this.#ctx.nodeId, id: this.#ctx.newEntryId(), base: '', rev: 1 };
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
    if (c.rev < entry.rev) void this.#ctx.resync(runtime);
    return false;
  }

  /** After a local entry's listeners ran: apply remote entries that waited for it. */
  settled(runtime: MeetingRuntime): void {
    this.#ctx.drain(runtime);
    refreshWorking(runtime);
    runtime.position.notify();
  }

  /** A local entry was refused: the meeting moved on (or left this incarnation); nothing of it was written. */
  refused(runtime: MeetingRuntime, result: Extract<CommitResult, { ok: false }>): void {
    const c = runtime.position;
    c.inflight--;
    c.stale = true;
    if (result.rev !== undefined) c.minRev = Math.max(c.minRev, result.rev);
    if (result.reason !== 'stale') void this.#ctx.resync(runtime);
    refreshWorking(runtime);
    c.notify();
  }

  /** The store failed (the outcome of the entry is unknown): read the meeting again. */
  failed(runtime: MeetingRuntime): void {
    const c = runtime.position;
    c.inflight--;
    c.stale = true;
    void this.#ctx.resync(runtime);
    c.notify();
  }
}

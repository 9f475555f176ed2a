/**
 * Catch-up: before deciding on a meeting, or answering a read, wait (bounded) until this node holds everything the
 * store has committed; what the broker does not bring in time, a resync reads.
 */
import type { ClusterPosition } from '../position.js';
import type { MeetingRuntime } from '../runtime.js';
import type { ClusterContext } from './context.js';
import { refreshWorking } from './working.js';

/** How long to wait for the broker to bring a meeting up to a revision the store reported, before a resync. */
const CATCH_UP_TIMEOUT_MS = 500;

export class CatchUp {
  readonly #ctx: ClusterContext;

  constructor(ctx: ClusterContext) {
    this.#ctx = ctx;
  }

  /**
   * Resolves once `runtime.working` may be decided on: no resync running, the committed state at least where the
   * store was last seen, and the working state equal to committed + in-flight entries. False when the meeting
   * is no longer held (the caller loads it again).
   */
  async ready(runtime: MeetingRuntime): Promise<boolean> {
    const c = runtime.position;
    c.lastUsed = this.#ctx.clock.now();
    for (;;) {
      if (!this.#ctx.holds(runtime)) return false;
      if (c.resyncing) await c.resyncing;
      else if (c.minRev > c.rev) await this.#catchUp(runtime, c.minRev);
      else if (c.stale && c.inflight > 0) await this.#change(c);
      else {
        refreshWorking(runtime);
        return this.#ctx.holds(runtime);
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
    const { store } = this.#ctx;
    const stored = await store.revision(runtime.confId);
    if (!stored || stored.incarnation !== (await store.incarnation())) {
      await this.#ctx.resync(runtime);
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
    c.lastUsed = this.#ctx.clock.now();
    const { store } = this.#ctx;
    const stored = await store.revision(runtime.confId);
    if (!stored || stored.incarnation !== (await store.incarnation())) await this.#ctx.resync(runtime);
    else if (stored.rev > c.rev) await this.#catchUp(runtime, stored.rev);
    if (c.resyncing) await c.resyncing;
    return this.#ctx.host.runtimes.get(runtime.confId);
  }

  /** Waits (bounded) for the broker to bring the meeting to `rev`; resyncs when it does not. */
  async #catchUp(runtime: MeetingRuntime, rev: number): Promise<void> {
    const c = runtime.position;
    const clock = this.#ctx.clock;
    let expired = false;
    const deadline = clock.setTimeout(() => {
      expired = true;
      c.notify();
    }, CATCH_UP_TIMEOUT_MS);
    try {
      while (c.rev < rev && !c.resyncing && this.#ctx.holds(runtime)) {
        if (expired) {
          await this.#ctx.resync(runtime);
          break;
        }
        await this.#change(c);
      }
    } finally {
      clock.clearTimeout(deadline);
    }
    if (c.resyncing) await c.resyncing;
  }

  /** Resolves at the next change of the position (or after `CATCH_UP_TIMEOUT_MS`). */
  #change(c: ClusterPosition): Promise<void> {
    const clock = this.#ctx.clock;
    return new Promise<void>((resolve) => {
      const done = () => {
        clock.clearTimeout(timer);
        c.watchers.delete(done);
        resolve();
      };
      const timer = clock.setTimeout(done, CATCH_UP_TIMEOUT_MS);
      c.watchers.add(done);
    });
  }
}

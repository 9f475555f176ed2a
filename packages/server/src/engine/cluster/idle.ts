/**
 * Idle unload: a node stops following the meetings nobody on it used for a while (no subscriber, nothing in
 * flight), so that it receives the changes of the meetings it serves, not of every meeting it ever touched.
 */
import type { TimerHandle } from '../../clock.js';
import type { ClusterContext } from './context.js';

/** A meeting nobody on this node used for this long (no subscriber, no command) is unloaded (checked as often). */
const IDLE_UNLOAD_MS = 60_000;

export class IdleUnload {
  readonly #ctx: ClusterContext;
  readonly #inUse: ((confId: string) => boolean) | undefined;
  readonly #unload: (confId: string) => Promise<void>;
  readonly #sweeper: TimerHandle;

  constructor(
    ctx: ClusterContext,
    inUse: ((confId: string) => boolean) | undefined,
    unload: (confId: string) => Promise<void>,
  ) {
    this.#ctx = ctx;
    this.#inUse = inUse;
    this.#unload = unload;
    this.#sweeper = ctx.clock.setInterval(() => this.#sweep(), IDLE_UNLOAD_MS);
  }

  #sweep(): void {
    const before = this.#ctx.clock.now() - IDLE_UNLOAD_MS;
    for (const [confId, runtime] of this.#ctx.host.runtimes) {
      const c = runtime.position;
      if (c.inflight > 0 || c.resyncing || c.lastUsed > before || this.#inUse?.(confId) !== false) continue;
      void this.#unload(confId).catch((err: unknown) =>
        this.#ctx.logger.warn({ err, confId }, 'unload failed'),
      );
    }
  }

  stop(): void {
    this.#ctx.clock.clearInterval(this.#sweeper);
  }
}

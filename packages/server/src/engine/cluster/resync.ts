/**
 * Resync: reads a meeting again and brings subscribers to it without a silent gap (after a gap, a lost connection,
 * another store incarnation, or a local entry whose outcome is unknown).
 */
import type { MeetingSnapshot } from '../../store/types.js';
import { catchUpPlan } from '../resync-plan.js';
import type { MeetingRuntime } from '../runtime.js';
import { stateFromStore } from '../state.js';
import type { ClusterContext } from './context.js';
import { refreshWorking } from './working.js';

/** A resync that failed (store unreachable) is tried again after this long. */
const RESYNC_RETRY_MS = 1000;

/** What a resync needs of the loader (`loading.ts`). */
export interface MeetingReader {
  snapshot(confId: string, force?: boolean): Promise<MeetingSnapshot | undefined>;
  unload(confId: string): Promise<void>;
}

export class Resyncer {
  readonly #ctx: ClusterContext;
  readonly #reader: MeetingReader;

  constructor(ctx: ClusterContext, reader: MeetingReader) {
    this.#ctx = ctx;
    this.#reader = reader;
  }

  /**
   * Per stream, the missed incrementals from the store's log when it holds all of them under the same epoch,
   * otherwise a full message. One resync at a time per meeting: a second call shares the running one.
   */
  resync(runtime: MeetingRuntime): Promise<void> {
    const c = runtime.position;
    if (!c.resyncing) {
      c.resyncing = this.#read(runtime)
        .catch((err: unknown) => {
          // The store is unreachable (or failed): keep the meeting as it is and try again (a broker reconnect
          // also resyncs every meeting). Subscribers keep their sockets; nothing is sent until it succeeds.
          this.#ctx.logger.warn({ err, confId: runtime.confId }, 'resync failed; retrying');
          c.stale = true;
          this.#ctx.clock.setTimeout(() => {
            if (!this.#ctx.closed && this.#ctx.holds(runtime)) void this.resync(runtime);
          }, RESYNC_RETRY_MS);
        })
        .finally(() => {
          c.resyncing = undefined;
          // Continue with what the broker delivered meanwhile.
          if (this.#ctx.holds(runtime)) this.#ctx.drain(runtime);
          c.notify();
        });
    }
    return c.resyncing;
  }

  /** The broker reconnected: messages may have been lost meanwhile, so every meeting is read again. */
  reconnected(): void {
    if (this.#ctx.closed) return;
    const { host, logger } = this.#ctx;
    logger.info({ meetings: host.runtimes.size }, 'broker reconnected; resyncing every meeting');
    for (const runtime of host.runtimes.values()) void this.resync(runtime);
  }

  async #read(runtime: MeetingRuntime): Promise<void> {
    const { confId } = runtime;
    const { host, logger } = this.#ctx;
    if (!this.#ctx.holds(runtime)) return;
    const c = runtime.position;
    let snapshot = await this.#reader.snapshot(confId);
    // A snapshot read before a local commit was answered may miss it: read again. A store still behind what this
    // node committed lost data without a restart: renew the epochs.
    const target = () => Math.max(c.rev, c.minRev);
    for (let i = 0; snapshot && snapshot.rev < target() && i < 3; i++)
      snapshot = await this.#reader.snapshot(confId);
    if (snapshot && snapshot.rev < target()) {
      snapshot = await this.#reader.snapshot(confId, true);
      c.minRev = 0;
    }
    if (!this.#ctx.holds(runtime)) return;
    if (!snapshot) {
      logger.warn({ confId }, 'meeting no longer in the store');
      await this.#reader.unload(confId);
      host.lost(runtime);
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
    refreshWorking(runtime);
    host.emit(runtime, changes, snapshot.record);
    if (resets.length > 0) host.reset(runtime, resets);
  }
}

/**
 * Time for the media plane: the current time and one-shot timers, injectable so that tests can drive the
 * speaker coalescer and the simulated callees deterministically.
 */

/** An opaque timer handle. */
export type TimerHandle = object;

export interface MediaTimers {
  /** Epoch milliseconds. */
  now(): number;
  /** Calls `fn` once after `ms` (0 = the next tick). Real timers never keep the process alive. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemTimers: MediaTimers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

interface ManualTimer {
  at: number;
  order: number;
  fn: () => void;
}

/** Timers that only move when told to (`advance`); for tests. */
export class ManualTimers implements MediaTimers {
  #now: number;
  #order = 0;
  readonly #pending = new Set<ManualTimer>();

  constructor(start = 1_700_000_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer: ManualTimer = { at: this.#now + Math.max(0, ms), order: this.#order++, fn };
    this.#pending.add(timer);
    return timer;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#pending.delete(handle as ManualTimer);
  }

  /** Timers not yet fired. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in time order (and creation order). */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      let next: ManualTimer | undefined;
      for (const t of this.#pending) {
        if (t.at <= target && (!next || t.at < next.at || (t.at === next.at && t.order < next.order)))
          next = t;
      }
      if (!next) break;
      this.#pending.delete(next);
      this.#now = next.at;
      next.fn();
    }
    this.#now = target;
  }
}

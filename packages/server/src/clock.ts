/**
 * Time as the server sees it: the current time and timers, one interface injected everywhere (gateway sweeps,
 * cluster timeouts, engine retries, token lifetime, media timers). Production uses `systemClock`; tests inject a
 * `ManualClock` and step it, or `clockWithNow` to shift only the reading of the time.
 */

/** An opaque timer handle. */
export type TimerHandle = object;

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Calls `fn` once after `ms` (0 = the next tick). Real timers never keep the process alive. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  /** Calls `fn` every `ms` until cleared. Real timers never keep the process alive. */
  setInterval(fn: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  setInterval: (fn, ms) => setInterval(fn, ms).unref(),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

/** Real timers with another reading of the time (tests that move only "now", e.g. past a token's expiry). */
export function clockWithNow(now: () => number): Clock {
  return { ...systemClock, now };
}

interface ManualTimer {
  at: number;
  order: number;
  every: number | undefined;
  fn: () => void;
}

/** A clock whose time and timers only move when told to (`advance`); for tests. */
export class ManualClock implements Clock {
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
    return this.#add(fn, ms, undefined);
  }

  clearTimeout(handle: TimerHandle): void {
    this.#pending.delete(handle as ManualTimer);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.#add(fn, ms, Math.max(1, ms));
  }

  clearInterval(handle: TimerHandle): void {
    this.#pending.delete(handle as ManualTimer);
  }

  /** Timers not yet fired (an interval counts until cleared). */
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
      this.#now = next.at;
      if (next.every === undefined) this.#pending.delete(next);
      else {
        next.at += next.every;
        next.order = this.#order++;
      }
      next.fn();
    }
    this.#now = target;
  }

  #add(fn: () => void, ms: number, every: number | undefined): ManualTimer {
    const timer: ManualTimer = { at: this.#now + Math.max(0, ms), order: this.#order++, every, fn };
    this.#pending.add(timer);
    return timer;
  }
}

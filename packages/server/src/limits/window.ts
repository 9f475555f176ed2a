/**
 * A fixed-window counter per key (client address, app ID, meeting …): how many events a key had in the current
 * window. Memory is bounded: past `maxKeys` keys, expired windows are dropped first, then the oldest keys.
 */
export class WindowCounter {
  readonly #windowMs: number;
  readonly #maxKeys: number;
  /** key → { count, window start }; Map order is insertion order, so the first entries are the oldest. */
  readonly #windows = new Map<string, { count: number; start: number }>();

  constructor(windowMs: number, maxKeys = 100_000) {
    this.#windowMs = windowMs;
    this.#maxKeys = maxKeys;
  }

  /** Events of `key` in the window that contains `now`. */
  count(key: string, now: number): number {
    const w = this.#windows.get(key);
    return w && now - w.start < this.#windowMs ? w.count : 0;
  }

  /** Counts one event of `key`; returns the count in the current window, this one included. */
  hit(key: string, now: number): number {
    const w = this.#windows.get(key);
    if (w && now - w.start < this.#windowMs) return ++w.count;
    if (w) this.#windows.delete(key);
    else if (this.#windows.size >= this.#maxKeys) this.#evict(now);
    this.#windows.set(key, { count: 1, start: now });
    return 1;
  }

  /** Number of keys held (for tests). */
  get size(): number {
    return this.#windows.size;
  }

  #evict(now: number): void {
    for (const [key, w] of this.#windows) {
      if (now - w.start >= this.#windowMs) this.#windows.delete(key);
    }
    // Still full: drop the oldest quarter (the map iterates in insertion order).
    let drop = this.#windows.size >= this.#maxKeys ? Math.ceil(this.#maxKeys / 4) : 0;
    for (const key of this.#windows.keys()) {
      if (drop-- <= 0) break;
      this.#windows.delete(key);
    }
  }
}

/**
 * A token bucket: `burst` tokens at most, refilled at `ratePerSecond`. Each event takes one token; an event that
 * finds the bucket empty is over the rate. Used for the frames of one push connection (a few numbers per socket).
 */
export class TokenBucket {
  readonly #ratePerMs: number;
  readonly #burst: number;
  #tokens: number;
  #last: number;

  constructor(ratePerSecond: number, burst: number, now: number) {
    this.#ratePerMs = ratePerSecond / 1000;
    this.#burst = Math.max(1, burst);
    this.#tokens = this.#burst;
    this.#last = now;
  }

  /** Takes one token; false when none is left (the event is over the rate). */
  take(now: number): boolean {
    if (now > this.#last) {
      this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#last) * this.#ratePerMs);
      this.#last = now;
    }
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/**
 * Token buckets: `burst` tokens at most, refilled at `ratePerSecond`. Each event takes one token; an event that
 * finds the bucket empty is over the rate. Used for the frames of each push connection.
 */
/** The state of one token bucket, kept by its owner (a push connection keeps two numbers, not an object). */
export interface BucketState {
  bucketTokens: number;
  bucketLast: number;
}

/** A token-bucket rule shared by many buckets whose state (`BucketState`) their owners keep. */
export class TokenRate {
  readonly #ratePerMs: number;
  readonly #burst: number;

  constructor(ratePerSecond: number, burst: number) {
    this.#ratePerMs = ratePerSecond / 1000;
    this.#burst = Math.max(1, burst);
  }

  /** A full bucket as of `now`. */
  fill(state: BucketState, now: number): void {
    state.bucketTokens = this.#burst;
    state.bucketLast = now;
  }

  /** Takes one token from `state`; false when none is left (the event is over the rate). */
  take(state: BucketState, now: number): boolean {
    if (now > state.bucketLast) {
      state.bucketTokens = Math.min(
        this.#burst,
        state.bucketTokens + (now - state.bucketLast) * this.#ratePerMs,
      );
      state.bucketLast = now;
    }
    if (state.bucketTokens < 1) return false;
    state.bucketTokens -= 1;
    return true;
  }
}

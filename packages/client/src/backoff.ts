/** Reconnect delays: exponential, capped, with jitter so that many clients cut at once do not return at once. */

export interface ReconnectOptions {
  /** Delay before the first reconnect attempt, ms. */
  initialDelayMs: number;
  /** Upper bound of any delay, ms. */
  maxDelayMs: number;
  /** Growth factor between consecutive attempts. */
  multiplier: number;
  /** Fraction of each delay that is random (0 = none, 1 = anywhere between 0 and the delay). */
  jitter: number;
  /** Give up (fatal error, `closed`) after this many consecutive failed attempts. */
  maxAttempts: number;
}

/** Delay before reconnect attempt `attempt` (1-based). `random` is in [0, 1). */
export function backoffDelay(
  attempt: number,
  options: ReconnectOptions,
  random: number = Math.random(),
): number {
  const exponential = options.initialDelayMs * options.multiplier ** Math.max(0, attempt - 1);
  const capped = Math.min(options.maxDelayMs, exponential);
  const jitter = Math.min(1, Math.max(0, options.jitter));
  return Math.max(0, Math.round(capped * (1 - jitter * random)));
}

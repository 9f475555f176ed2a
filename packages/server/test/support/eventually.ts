/**
 * The one polling helper of the test suites: waits until a condition holds, never a fixed sleep. Use it where no
 * event says "done" (a state reached through several sockets or processes); prefer awaiting the event otherwise.
 */

export interface EventuallyOptions {
  /** Give up after this long (default 5 s). */
  timeoutMs?: number;
  /** What is awaited, for the error when it does not happen. */
  what?: string;
  /** Pause between checks (default 10 ms). */
  everyMs?: number;
}

type Pending = undefined | false;

/**
 * Calls `check` until it returns something other than `undefined` or `false` (or stops throwing and returns such
 * a value), and returns that. Throws the last error of `check`, or "`what` did not happen", after the timeout.
 */
export async function eventually<T>(
  check: () => T | Pending | Promise<T | Pending>,
  options: number | EventuallyOptions = {},
): Promise<Exclude<T, Pending>> {
  const {
    timeoutMs = 5000,
    what = 'the condition',
    everyMs = 10,
  } = typeof options === 'number' ? { timeoutMs: options } : options;
  const deadline = performance.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as Exclude<T, Pending>;
    } catch (error) {
      lastError = error;
    }
    if (performance.now() > deadline) throw lastError ?? new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/**
 * How many cases each fuzz property runs. CI runs the defaults (tens of thousands in total, a few minutes);
 * `CONFPUSH_FUZZ_RUNS=<factor>` multiplies them for a longer local run (e.g. `CONFPUSH_FUZZ_RUNS=20`), and
 * `CONFPUSH_FUZZ_SEED=<n>` replays a seed that fast-check reported.
 */
export const FUZZ_FACTOR = Math.max(0.01, Number(process.env['CONFPUSH_FUZZ_RUNS'] ?? '1') || 1);

export function runs(base: number): number {
  return Math.max(1, Math.round(base * FUZZ_FACTOR));
}

const seed = process.env['CONFPUSH_FUZZ_SEED'];
/** fast-check parameters of every fuzz property: explicit numRuns, and the seed when one is given. */
export function params(base: number): { numRuns: number; seed?: number; endOnFailure: true } {
  return { numRuns: runs(base), ...(seed ? { seed: Number(seed) } : {}), endOnFailure: true };
}

/** A generous per-test timeout that scales with the number of runs. */
export function timeoutFor(base: number, msPerCase = 10): number {
  return 60_000 + runs(base) * msPerCase;
}

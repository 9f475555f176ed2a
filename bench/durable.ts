/**
 * Benchmark 5 — durable write rate: meeting changes per second committed to SQLite with the durability of
 * DESIGN.md §3 rule 4 (a change is pushed only after it is committed), as a curve over the number of changes in
 * flight. The engine group-commits: every change that is waiting when a commit starts goes into the same
 * transaction. Measured with `synchronous=FULL` (the default: on disk before visible, survives power loss) and,
 * for comparison, `synchronous=NORMAL` (survives a process crash, not a power loss); plus what one fsync costs
 * on this disk. Redis mode is not implemented yet (the node refuses to start with CONFPUSH_REDIS_URL).
 *
 * A closed loop of `inFlight` writers, each awaiting its change before sending the next (selfMute toggles spread
 * over 100 meetings of 10 participants, no subscribers, so only engine + store are measured).
 */
import { stopAll, type BenchContext } from './lib/context.js';

export interface DurablePoint {
  syncMode: 'full' | 'normal';
  inFlight: number;
  changesPerSec: number;
  commitsPerSec: number;
  changesPerCommit: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

export interface DurableResult {
  fsync: { medianMs: number; p99Ms: number };
  seconds: number;
  points: DurablePoint[];
}

export async function run(ctx: BenchContext): Promise<DurableResult> {
  const seconds = ctx.quick ? 1 : 3;
  const levels = ctx.quick ? [1, 16, 256] : [1, 4, 16, 64, 256, 1024];
  const points: DurablePoint[] = [];
  let fsync = { medianMs: NaN, p99Ms: NaN };
  for (const syncMode of ['full', 'normal'] as const) {
    const server = await ctx.server('confpush', `durable-${syncMode}`);
    try {
      await server.call('start', { syncMode });
      await server.call('setup', { count: 100, participants: 10 });
      if (syncMode === 'full') fsync = await server.call('fsync', { runs: 500 });
      await server.call('durable', { inFlight: 16, durationMs: 500 }); // warm-up
      for (const inFlight of levels) {
        const r = await server.call<{
          changes: number;
          commits: number;
          seconds: number;
          latencyP50Ms: number;
          latencyP99Ms: number;
          window: [number, number];
        }>('durable', { inFlight, durationMs: seconds * 1000 });
        const p: DurablePoint = {
          syncMode,
          inFlight,
          changesPerSec: r.changes / r.seconds,
          commitsPerSec: r.commits / r.seconds,
          changesPerCommit: r.changes / Math.max(1, r.commits),
          latencyP50Ms: r.latencyP50Ms,
          latencyP99Ms: r.latencyP99Ms,
        };
        ctx.log(
          `durable ${syncMode} ×${inFlight}: ${Math.round(p.changesPerSec)} changes/s, ${Math.round(p.commitsPerSec)} commits/s, ` +
            `p50 ${p.latencyP50Ms.toFixed(2)} ms p99 ${p.latencyP99Ms.toFixed(2)} ms`,
        );
        points.push(p);
        if (syncMode === 'full' && inFlight === 64)
          ctx.markProfile('durable', `durable-${syncMode}`, `durable writes, FULL, ${inFlight} in flight`, [
            r.window,
          ]);
      }
    } finally {
      await stopAll([server]);
    }
  }
  return { fsync, seconds, points };
}

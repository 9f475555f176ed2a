/**
 * Benchmark 5 — durable write rate: meeting changes per second committed with the durability of DESIGN.md §3
 * rule 4 (a change is pushed only after it is committed), as a curve over the number of changes in flight. The
 * engine group-commits: every change that is waiting when a commit starts goes into the same commit.
 *
 * - SQLite (the embedded store): `synchronous=FULL` (the default: on disk before visible, survives power loss) and,
 *   for comparison, `synchronous=NORMAL` (survives a process crash, not a power loss); plus what one fsync costs on
 *   this disk.
 * - Redis mode: the same loop against a node whose store is Redis (`RedisStore` and the cluster engine, as
 *   `confpush serve --redis-url` runs; one batch = one pipeline of `commit.lua` runs). Redis is chosen by
 *   bench/lib/redis.ts (CONFPUSH_BENCH_REDIS_URL, else the local Redis when it persists every write, else a
 *   dedicated `redis-server` with `appendonly yes` + `appendfsync always`, the durability docs/cluster.md requires);
 *   its persistence settings are read with CONFIG GET and reported. Keys live under a fresh prefix and are deleted
 *   afterwards. Without any Redis the Redis part is recorded as skipped, with the reason.
 *
 * A closed loop of `inFlight` writers, each awaiting its change before sending the next (selfMute toggles spread
 * over 100 meetings of 10 participants, no subscribers, so only engine + store are measured).
 */
import type { Child } from './lib/ipc.js';
import { stopAll, type BenchContext } from './lib/context.js';
import { openRedis, type RedisInfo } from './lib/redis.js';

/** One level of the closed loop. */
export interface DurableRate {
  inFlight: number;
  changesPerSec: number;
  commitsPerSec: number;
  changesPerCommit: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

export interface DurablePoint extends DurableRate {
  syncMode: 'full' | 'normal';
}

export interface DurableRedis {
  /** Why Redis mode was not measured. */
  skipped?: string;
  /** The Redis server and the persistence settings that applied. */
  server?: RedisInfo;
  points: DurableRate[];
}

export interface DurableResult {
  fsync: { medianMs: number; p99Ms: number };
  seconds: number;
  /** SQLite. */
  points: DurablePoint[];
  /** Redis mode (absent in results of runs before it was measured). */
  redis?: DurableRedis;
}

const NAMES: Record<string, string> = { full: 'SQLite FULL', normal: 'SQLite NORMAL', redis: 'Redis' };

/** Sets up the meetings, warms up, and measures every level on a started node. */
async function measure(
  ctx: BenchContext,
  server: Child,
  label: string,
  levels: number[],
  seconds: number,
): Promise<DurableRate[]> {
  await server.call('setup', { count: 100, participants: 10 });
  await server.call('durable', { inFlight: 16, durationMs: 500 }); // warm-up
  const points: DurableRate[] = [];
  for (const inFlight of levels) {
    const r = await server.call<{
      changes: number;
      commits: number;
      seconds: number;
      latencyP50Ms: number;
      latencyP99Ms: number;
      window: [number, number];
    }>('durable', { inFlight, durationMs: seconds * 1000 });
    const p: DurableRate = {
      inFlight,
      changesPerSec: r.changes / r.seconds,
      commitsPerSec: r.commits / r.seconds,
      changesPerCommit: r.changes / Math.max(1, r.commits),
      latencyP50Ms: r.latencyP50Ms,
      latencyP99Ms: r.latencyP99Ms,
    };
    ctx.log(
      `durable ${label} ×${inFlight}: ${Math.round(p.changesPerSec)} changes/s, ${Math.round(p.commitsPerSec)} commits/s, ` +
        `p50 ${p.latencyP50Ms.toFixed(2)} ms p99 ${p.latencyP99Ms.toFixed(2)} ms`,
    );
    points.push(p);
    if (inFlight === 64 && label !== 'normal')
      ctx.markProfile(
        'durable',
        `durable-${label}`,
        `durable writes, ${NAMES[label]}, ${inFlight} in flight`,
        [r.window],
      );
  }
  return points;
}

async function measureRedis(ctx: BenchContext, levels: number[], seconds: number): Promise<DurableRedis> {
  const redis = await openRedis((m) => ctx.log(m));
  if ('skipped' in redis) {
    ctx.log(`durable: Redis mode skipped: ${redis.skipped}`);
    return { skipped: redis.skipped, points: [] };
  }
  try {
    const server = await ctx.server('confpush', 'durable-redis');
    try {
      await server.call('start', { redisUrl: redis.url, redisPrefix: redis.prefix });
      const points = await measure(ctx, server, 'redis', levels, seconds);
      await redis.recheck();
      return { server: redis.info, points };
    } finally {
      await stopAll([server]);
    }
  } finally {
    await redis.close();
  }
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
      if (syncMode === 'full') fsync = await server.call('fsync', { runs: 500 });
      const rates = await measure(ctx, server, syncMode, levels, seconds);
      points.push(...rates.map((r) => ({ syncMode, ...r })));
    } finally {
      await stopAll([server]);
    }
  }
  let redis: DurableRedis;
  try {
    redis = await measureRedis(ctx, levels, seconds);
  } catch (error) {
    // The SQLite numbers stand on their own: a failed Redis part is reported, not fatal.
    ctx.log(`durable: Redis mode failed: ${(error as Error).stack ?? String(error)}`);
    redis = { skipped: `failed: ${(error as Error).message.split('\n')[0]}`, points: [] };
  }
  return { fsync, seconds, points, redis };
}

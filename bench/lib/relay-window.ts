/**
 * What the relay's own process did over a timed window of the relay benchmark: the lag the relay itself measured
 * (`confpush_relay_commit_lag_seconds{from="relay"}`, frame received → change written downstream, per upstream step),
 * and how busy the process was. The relay runs in the bench's process, so its registry and this process's counters
 * are read directly.
 */
import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks';
import type { Registry } from 'prom-client';

const LAG = 'confpush_relay_commit_lag_seconds';
const LOOP_DELAY_RESOLUTION_MS = 1;

/** Cumulative counts per upper bound (seconds, ascending; the last is +Inf). */
type Buckets = { le: number; count: number }[];

export interface RelayWindow {
  /** Upstream steps written downstream in the window, as the relay counted them. */
  steps: number;
  /** Share of them written within each bound, ms → 0…1 (from the histogram's buckets: exact at each bound). */
  within: { ms: number; share: number }[];
  /** The bucket bounds the median and the 99th percentile fall under, ms (Infinity past the last bound). */
  p50AtMostMs: number;
  p99AtMostMs: number;
  /** Share of the window the process's event loop was busy (the relay, its probes and the fault proxy). */
  loopBusy: number;
  /**
   * How late a 1 ms timer of the process fired, ms: `monitorEventLoopDelay` records the whole interval between its
   * timer's runs, so its 1 ms resolution is taken off.
   */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** CPU time of the process (user + system) per change made upstream, ms. */
  cpuMsPerChange: number;
  /** Store transactions per second (group commits of the relay's engine). */
  commitsPerSecond: number;
}

async function lagBuckets(registry: Registry): Promise<Buckets> {
  const metric = registry.getSingleMetric(LAG);
  if (!metric) throw new Error(`${LAG} is not registered: is the node a relay?`);
  // A histogram's values carry the series name (`…_bucket`, `…_sum`, `…_count`); the generic type omits it.
  const { values } = (await metric.get()) as {
    values: { labels: Partial<Record<string, string | number>>; value: number; metricName?: string }[];
  };
  return values
    .filter((v) => v.metricName === `${LAG}_bucket` && v.labels['from'] === 'relay')
    .map((v) => ({ le: v.labels['le'] === '+Inf' ? Infinity : Number(v.labels['le']), count: v.value }))
    .sort((a, b) => a.le - b.le);
}

/** Starts a window; `stop(changes)` ends it. `commits()` reads the relay engine's store transactions so far. */
export async function relayWindow(
  registry: Registry,
  commits: () => number,
): Promise<{ stop(changes: number): Promise<RelayWindow> }> {
  const before = await lagBuckets(registry);
  const commitsBefore = commits();
  const cpuBefore = process.cpuUsage();
  const loopBefore = performance.eventLoopUtilization();
  const startedAt = performance.now();
  const delay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  delay.enable();
  return {
    async stop(changes) {
      delay.disable();
      const seconds = (performance.now() - startedAt) / 1000;
      const loop: EventLoopUtilization = performance.eventLoopUtilization(loopBefore);
      const cpu = process.cpuUsage(cpuBefore);
      const after = await lagBuckets(registry);
      const counts = after.map((b, i) => ({ le: b.le, count: b.count - (before[i]?.count ?? 0) }));
      const steps = counts.at(-1)?.count ?? 0;
      const boundFor = (q: number) => (counts.find((b) => b.count >= q * steps)?.le ?? Infinity) * 1000;
      return {
        steps,
        within: counts
          .filter((b) => Number.isFinite(b.le))
          .map((b) => ({ ms: b.le * 1000, share: steps > 0 ? b.count / steps : NaN })),
        p50AtMostMs: boundFor(0.5),
        p99AtMostMs: boundFor(0.99),
        loopBusy: loop.utilization,
        loopDelayP99Ms: Math.max(0, delay.percentile(99) / 1e6 - LOOP_DELAY_RESOLUTION_MS),
        loopDelayMaxMs: Math.max(0, delay.max / 1e6 - LOOP_DELAY_RESOLUTION_MS),
        cpuMsPerChange: (cpu.user + cpu.system) / 1000 / Math.max(1, changes),
        commitsPerSecond: (commits() - commitsBefore) / seconds,
      };
    },
  };
}

/**
 * The benchmark goals as data: one row per line of the report's Goals table, in its order — the benchmark it
 * judges, what it promises (the text the report shows), its threshold, and how the result is measured against it.
 * A row whose benchmark did not run is left out; `judge` answers undefined for a row that does not apply.
 */
import type { DurableResult } from '../durable.js';
import type { FanoutResult, Layout } from '../fanout.js';
import type { LatencyResult } from '../latency.js';
import { fmtBytes, fmtInt, fmtMs, fmtSi, fmtTimes } from '../lib/stats.js';
import type { MemoryResult } from '../memory.js';
import type { LagRun, RelayResult } from '../relay.js';
import type { EncodeTiming, SnapshotResult } from '../snapshot.js';
import type { WebhooksResult } from '../webhooks.js';

/** A line of the Goals table: `ok` undefined when the goal sets no number or was not measured. */
export interface Goal {
  goal: string;
  measured: string;
  ok: boolean | undefined;
}

interface Judged {
  measured: string;
  ok: boolean | undefined;
}

/** The results a goal can judge (the benchmarks' own result types). */
export interface GoalResults {
  fanout?: FanoutResult | undefined;
  memory?: MemoryResult | undefined;
  latency?: LatencyResult | undefined;
  snapshot?: SnapshotResult | undefined;
  durable?: DurableResult | undefined;
  relay?: RelayResult | undefined;
  webhooks?: WebhooksResult | undefined;
}

type Bench = keyof GoalResults;

export interface GoalRow<K extends Bench = Bench> {
  bench: K;
  goal: string;
  /** The number the goal sets (a ratio, ms, or changes/s, as `goal` says); undefined: reported only. */
  threshold: number | undefined;
  judge: (result: NonNullable<GoalResults[K]>, threshold: number) => Judged | undefined;
}

/** Keeps each row's `judge` typed by its own benchmark. */
function row<K extends Bench>(spec: GoalRow<K>): GoalRow {
  return spec as unknown as GoalRow;
}

/** Confpush's fan-out against `target` at every layout and size: the ratios, and whether each reaches `min`. */
function fanoutRatios(f: FanoutResult, target: string, min: number): Judged {
  const rate = (layout: Layout, n: number, t: string): number =>
    f.points.find((p) => p.layout === layout && p.n === n && p.target === t)?.framesPerSec ?? NaN;
  const measured: string[] = [];
  let ok = true;
  for (const layout of ['one', 'hundred'] as Layout[]) {
    for (const n of f.sizes) {
      const ratio = rate(layout, n, 'confpush') / rate(layout, n, target);
      ok &&= ratio >= min;
      measured.push(`${fmtSi(n)}${layout === 'one' ? '' : '/100'}: ${ratio.toFixed(2)}×`);
    }
  }
  return { measured: measured.join(', '), ok };
}

/** Per-connection memory of confpush against bare ws at every size. */
function memoryRatios(m: MemoryResult, max: number, kind: 'heap' | 'rss'): Judged | undefined {
  const measured: string[] = [];
  let ok = true;
  for (const n of m.sizes) {
    const c = m.points.find((p) => p.target === 'confpush' && p.n === n);
    const w = m.points.find((p) => p.target === 'bare-ws' && p.n === n);
    if (!c || !w) continue;
    if (kind === 'heap') {
      const ratio = c.heapExternalPerConn / w.heapExternalPerConn;
      ok &&= ratio <= max;
      measured.push(`${fmtSi(n)}: ${ratio.toFixed(2)}×`);
    } else if (c.rssMarginal !== undefined && w.rssMarginal !== undefined) {
      const ratio = c.rssMarginal / w.rssMarginal;
      ok &&= ratio <= max;
      measured.push(
        `${fmtSi(n)}: ${ratio.toFixed(2)}× (${fmtBytes(c.rssMarginal)} vs ${fmtBytes(w.rssMarginal)})`,
      );
    }
  }
  if (kind === 'rss' && measured.length === 0) return { measured: 'needs two sizes', ok: undefined };
  return { measured: measured.join(', '), ok };
}

function latencyText(p: { p50: number; p99: number; max: number }): string {
  return `p50 ${fmtMs(p.p50)} ms, p99 ${fmtMs(p.p99)} ms, max ${fmtMs(p.max)} ms`;
}

/** The slower of cold and warm (results from before cold was measured have only warm). */
export function worst(t: EncodeTiming): number {
  return Math.max(t.medianMs, t.coldMedianMs ?? 0);
}

/**
 * The relay's loaded lag runs: `spread` on DESIGN §7's latency workload (the judged one), `oneMeeting` the worst case.
 * Results recorded before the spread was measured hold only the one meeting, at the top level.
 */
export function relayLagRuns(r: RelayResult): { spread?: LagRun; oneMeeting?: LagRun } {
  const { subscribers, rate, seconds, changes, p50, p99, max, timed } = r;
  const top = { subscribers, rate, seconds, changes, p50, p99, max, timed };
  if (r.meetings === undefined) return { oneMeeting: { ...top, meetings: 1 } };
  return { spread: { ...top, meetings: r.meetings }, ...(r.oneMeeting ? { oneMeeting: r.oneMeeting } : {}) };
}

/** "p50 …, p99 … at the last of … (… timed…`note`)": a loaded relay lag run as the Goals table shows it. */
function relayLag(run: LagRun, note = ''): string {
  const where =
    run.meetings === 1
      ? `the last of ${fmtInt(run.subscribers)} subscribers of one meeting`
      : `the last of the ${fmtInt(run.subscribers / run.meetings)} subscribers of each of ${fmtInt(run.meetings)} meetings`;
  return (
    `p50 ${fmtMs(run.p50)} ms, p99 ${fmtMs(run.p99)} ms, max ${fmtMs(run.max)} ms at ${where}, ` +
    `${fmtInt(run.rate)} changes/s in total (${fmtInt(run.timed)} of ${fmtInt(run.changes)} changes timed, the ` +
    `rest coalesced${note})`
  );
}

/** The relay lag goal's workload (DESIGN §7): subscribers and meetings. */
const RELAY_SUBSCRIBERS = 1000;
const RELAY_MEETINGS = 100;

/** Largest outbound queue of one socket at saturation still counted as bounded. */
const BOUNDED_QUEUE_KIB = 8 * 1024;
/** The snapshot goal's meeting size. */
const SNAPSHOT_MEMBERS = 3000;
/** The latency goal's offered rate, changes/s. */
const LATENCY_RATE = 1000;

export const GOALS: readonly GoalRow[] = [
  row({
    bench: 'fanout',
    goal: 'Fan-out ≥ 0.8× the bare ws limit at every subscriber count',
    threshold: 0.8,
    judge: (f, min) => fanoutRatios(f, 'bare-ws', min),
  }),
  row({
    bench: 'fanout',
    goal: 'Fan-out ≥ 2× Socket.IO at every subscriber count',
    threshold: 2,
    judge: (f, min) => fanoutRatios(f, 'socketio', min),
  }),
  row({
    bench: 'memory',
    goal: 'Memory per idle subscribed connection ≤ 1.3× bare ws: V8 heap + external',
    threshold: 1.3,
    judge: (m, max) => memoryRatios(m, max, 'heap'),
  }),
  row({
    bench: 'memory',
    goal: '… RSS (marginal, between consecutive sizes)',
    threshold: 1.3,
    judge: (m, max) => memoryRatios(m, max, 'rss'),
  }),
  row({
    bench: 'latency',
    goal: 'p99 latency ≤ 20 ms at 1k subscribers, sustained 1,000 changes/s (engine-driven)',
    threshold: 20,
    judge: (l, maxMs) => {
      const p = l.points.find((x) => x.driver === 'in-process' && x.offered === LATENCY_RATE);
      return p
        ? { measured: latencyText(p), ok: p.p99 <= maxMs }
        : { measured: 'not measured', ok: undefined };
    },
  }),
  row({
    bench: 'latency',
    goal: '(same, REST-driven: request sent → frame received; no goal set, for reference)',
    threshold: undefined,
    judge: (l) => {
      const q = l.points.find((x) => x.driver === 'rest' && x.offered === LATENCY_RATE);
      return q ? { measured: latencyText(q), ok: undefined } : undefined;
    },
  }),
  row({
    bench: 'latency',
    goal: 'No unbounded queue growth at saturation (slow-consumer rules take over, every subscriber correct)',
    threshold: BOUNDED_QUEUE_KIB,
    judge: (l, maxKiB) => {
      const o = l.overload;
      if (!o) return undefined;
      return {
        measured:
          `${o.subscribers} subscribers of one meeting at ${fmtInt(o.offered)} changes/s: max queue ${fmtInt(o.maxQueuedPerSocketKiB)} KiB/socket, ` +
          `${fmtInt(o.maxQueuedMiB)} MiB total, ${fmtInt(o.collapses)} collapses, ${o.slowConsumerCloses} slow closes, ` +
          `${o.atFinalSeq}/${o.subscribers} at the final seq, ${o.gaps} gaps`,
        ok:
          o.maxQueuedPerSocketKiB <= maxKiB &&
          o.gaps === 0 &&
          o.atFinalSeq + (o.subscribers - o.open) >= o.subscribers,
      };
    },
  }),
  row({
    bench: 'snapshot',
    goal: 'Snapshot of a 3,000-member meeting encoded in ≤ 10 ms (each full message)',
    threshold: 10,
    judge: (s, maxMs) => {
      const p = s.points.find((x) => x.members === SNAPSHOT_MEMBERS);
      if (!p) return { measured: 'not measured', ok: undefined };
      return {
        measured:
          `cold (every item serialized): ParticipantsNotify ${fmtMs(worst(p.participants))} ms, AttendeesNotify ` +
          `${fmtMs(worst(p.attendees))} ms; warm (item JSON cached): ${fmtMs(p.participants.medianMs)} ms, ` +
          `${fmtMs(p.attendees.medianMs)} ms`,
        ok: worst(p.participants) <= maxMs && worst(p.attendees) <= maxMs,
      };
    },
  }),
  row({
    bench: 'snapshot',
    goal: 'Subscribe storm encodes the snapshot once',
    threshold: 1,
    judge: (s, perCategory) =>
      s.storm
        ? {
            measured: `${s.storm.subscribers} subscribers × ${s.storm.categories.length} categories → ${s.storm.encodes} encodes`,
            ok: s.storm.encodes === perCategory * s.storm.categories.length,
          }
        : undefined,
  }),
  row({
    bench: 'durable',
    goal: '≥ 5,000 durable meeting changes/s on SQLite (synchronous=FULL)',
    threshold: 5000,
    judge: (d, min) => {
      const full = d.points.filter((p) => p.syncMode === 'full');
      const best = full.reduce((a, b) => (b.changesPerSec > (a?.changesPerSec ?? 0) ? b : a), full[0]);
      return best
        ? {
            measured: `${fmtInt(best.changesPerSec)}/s (${best.inFlight} in flight)`,
            ok: best.changesPerSec >= min,
          }
        : { measured: 'not measured', ok: undefined };
    },
  }),
  row({
    bench: 'durable',
    goal: '… and in Redis mode (no number set)',
    threshold: undefined,
    judge: (d) => ({ measured: redisGoal(d), ok: undefined }),
  }),
  row({
    bench: 'relay',
    goal:
      'Relay lag p99 ≤ 5 ms (upstream frame received → downstream frame written), 1,000 subscribers over 100 ' +
      'meetings, 1,000 changes/s in total (DESIGN §7)',
    threshold: 5,
    judge: (r, max) => {
      const { spread } = relayLagRuns(r);
      if (!spread)
        return { measured: 'not measured on this workload (one meeting only: next row)', ok: undefined };
      const onWorkload = spread.subscribers >= RELAY_SUBSCRIBERS && spread.meetings >= RELAY_MEETINGS;
      const probes = relayLag(
        spread,
        r.probeOnly ? `; relay path alone: p99 ${fmtMs(r.probeOnly.p99)} ms` : '',
      );
      const within = r.relayWindow?.within.find((b) => b.ms === max);
      // Results recorded before the relay measured its own lag were judged on the probes.
      if (!r.relayWindow || !within)
        return { measured: probes, ok: onWorkload ? spread.p99 <= max : undefined };
      return {
        measured:
          `as the relay measures it: ${(within.share * 100).toFixed(2)} % of ${fmtInt(r.relayWindow.steps)} ` +
          `upstream steps within ${fmtMs(max)} ms (p99 ≤ ${fmtMs(r.relayWindow.p99AtMostMs)} ms, p50 ≤ ` +
          `${fmtMs(r.relayWindow.p50AtMostMs)} ms); end to end between the probes: ${probes}`,
        ok: onWorkload ? within.share >= 0.99 : undefined,
      };
    },
  }),
  row({
    bench: 'relay',
    goal: '… worst case, not judged: the 1,000 subscribers on one meeting (a million frames/s, beyond one core: DESIGN §7)',
    threshold: undefined,
    judge: (r) => {
      const { oneMeeting } = relayLagRuns(r);
      return { measured: oneMeeting ? relayLag(oneMeeting) : 'not measured', ok: undefined };
    },
  }),
  row({
    bench: 'relay',
    goal: 'Upstream cut → downstream equal again ≤ 1 s + the reconnect backoff',
    threshold: 1000,
    judge: (r, max) => {
      const worstMs = Math.max(...r.cutMs);
      return {
        measured: `${r.cutMs.map((ms) => `${fmtMs(ms)} ms`).join(', ')} (backoff ≤ ${fmtMs(r.backoffMs)} ms)`,
        ok: worstMs <= max + r.backoffMs,
      };
    },
  }),
  row({
    bench: 'webhooks',
    goal: '≥ 2,000 webhook deliveries/s over 100 meetings on SQLite, per-meeting order kept',
    threshold: 2000,
    judge: (w, min) => ({
      measured:
        `${fmtInt(w.deliveriesPerSecond)}/s` +
        (w.repeats ? ` (median of ${w.repeats.map(fmtInt).join(', ')})` : '') +
        `, ${fmtInt(w.outOfOrder)} out of order` +
        (w.inline ? ` (receiver in the node's thread: ${fmtInt(w.inline.deliveriesPerSecond)}/s)` : ''),
      ok: w.deliveriesPerSecond >= min && w.outOfOrder === 0,
    }),
  }),
  row({
    bench: 'webhooks',
    goal: '… socket-push p99 unchanged while webhooks deliver (within noise: ≤ 1.5× the same load without webhooks)',
    threshold: 1.5,
    judge: (w, max) => {
      const push = w.push;
      if (!push) return { measured: 'not measured', ok: false };
      const samples = (n: number) =>
        push.pooledRuns ? `; ${fmtInt(n)} samples of ${push.pooledRuns} runs` : '';
      const burst =
        `p99 ${fmtMs(push.idle.p99)} ms idle, ${fmtMs(push.delivering.p99)} ms delivering ` +
        `(${fmtTimes(push.p99Ratio)}${samples(push.delivering.samples)})`;
      const s = push.sustained;
      if (!s) return { measured: burst, ok: push.p99Ratio <= max };
      return {
        measured:
          `${fmtInt(s.rate)} changes/s: p99 ${fmtMs(s.without.p99)} ms without webhooks, ` +
          `${fmtMs(s.latency.p99)} ms delivering each as a webhook (${fmtTimes(s.p99Ratio)}${samples(s.latency.samples)}); ` +
          `throughput burst (both cores saturated, not judged): ${burst}`,
        ok: s.p99Ratio <= max,
      };
    },
  }),
];

/** The Redis-mode durable rate at every level, against SQLite FULL at the same level. */
function redisGoal(d: DurableResult): string {
  const redis = d.redis;
  if (!redis) return 'not measured yet';
  if (redis.points.length === 0) return `not measured: ${redis.skipped ?? 'no result'}`;
  const full = (n: number): number =>
    d.points.find((p) => p.syncMode === 'full' && p.inFlight === n)?.changesPerSec ?? NaN;
  const levels = redis.points.map(
    (p) =>
      `${p.inFlight}: ${fmtInt(p.changesPerSec)}/s (${(p.changesPerSec / full(p.inFlight)).toFixed(2)}× FULL)`,
  );
  const best = redis.points.reduce((a, b) => (b.changesPerSec > a.changesPerSec ? b : a));
  const notDurable =
    redis.server?.durable === false
      ? '; **not durable**: Redis did not fsync every write (see section 5)'
      : redis.server?.durable === undefined
        ? '; Redis persistence unknown (CONFIG disabled)'
        : '';
  return `best ${fmtInt(best.changesPerSec)}/s (${best.inFlight} in flight); by changes in flight: ${levels.join(', ')}${notDurable}`;
}

/** The Goals table of the results: every row of `GOALS` whose benchmark ran and that applies. */
export function goals(results: GoalResults): Goal[] {
  return GOALS.flatMap((g) => {
    const result = results[g.bench];
    if (!result) return [];
    const judged = g.judge(result, g.threshold ?? NaN);
    return judged ? [{ goal: g.goal, ...judged }] : [];
  });
}

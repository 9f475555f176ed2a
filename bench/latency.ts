/**
 * Benchmark 2 — latency: from a change being accepted to its frame arriving at the subscribers, p50/p99/max, at
 * rising change rates until saturation (DESIGN.md §7: 1,000 subscribers over 100 meetings, 10 each).
 *
 * The change stream is open-loop: change j has the intended time start + j/rate, and that is its accepted time,
 * so a stalled server shows as latency instead of as a lower offered rate (no coordinated omission).
 * - in-process: the media-plane harness inside the server process calls `engine.execute` (selfMute toggles);
 * - REST: a separate load process sends `PUT …/participants/hands` (host token) — request sent → frame received.
 * Client processes parse every frame, time-stamp each incremental ParticipantsNotify item by its key
 * `confID|pid|k` (the k-th change of that participant) and check stream continuity.
 *
 * Then the overload case: 1,000 subscribers of ONE meeting at 1,000 changes/s (a million frames/s offered, beyond
 * one core): the slow-consumer rules must keep the queues bounded and leave every subscriber correct.
 */
import { PUSH_CATEGORIES } from '@confpush/protocol';
import { nowMs, type Child } from './lib/ipc.js';
import { shares, stopAll, type BenchContext } from './lib/context.js';
import { merge, quantile } from './lib/stats.js';

export interface LatencyPoint {
  driver: 'in-process' | 'rest';
  offered: number;
  achieved: number;
  deliveredFraction: number;
  framesPerSec: number;
  samples: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  maxRssMiB: number;
  maxQueuedKiB: number;
  maxLoopDelayMs: number;
  slowConsumerCloses: number;
  collapses: number;
  gaps: number;
  restP99?: number;
  /** Store commits (group commits) during the run: they block the event loop while SQLite writes and fsyncs. */
  commits?: { count: number; p50: number; p99: number; max: number; slow: number };
  saturated: boolean;
}

export interface OverloadResult {
  subscribers: number;
  offered: number;
  seconds: number;
  deliveredFrames: number;
  maxRssMiB: number;
  maxQueuedMiB: number;
  maxQueuedPerSocketKiB: number;
  collapses: number;
  slowConsumerCloses: number;
  gaps: number;
  atFinalSeq: number;
  open: number;
  finalSeq: number;
  rssAfterMiB: number;
  /** How late the open-loop driver issued its last changes (the server's backlog, in time). */
  lateIssueMaxMs: number;
  /** Start → every change committed and written to the sockets. */
  commitSeconds: number;
  /** Start → every open subscriber at the final sequence number. */
  caughtUpSeconds: number;
}

export interface LatencyResult {
  subscribers: number;
  meetings: number;
  seconds: number;
  points: LatencyPoint[];
  overload?: OverloadResult;
}

interface Driven {
  keys: string[];
  times: Float64Array;
}

async function collect(
  clients: Child[],
  driven: Driven,
  fromIndex: number,
): Promise<{ lat: Float64Array; gaps: number; unmatched: number }> {
  const parts = await Promise.all(
    clients.map((c) =>
      c.call<{ latencies: Float64Array; unmatched: number; gaps: number }>('latencies', {
        ...driven,
        fromIndex,
      }),
    ),
  );
  return {
    lat: merge(parts.map((p) => p.latencies)),
    gaps: parts.reduce((s, p) => s + p.gaps, 0),
    unmatched: parts.reduce((s, p) => s + p.unmatched, 0),
  };
}

/** Waits for the `done` of every client (expected frames armed before), at most `ms`; true when all arrived. */
async function settle(dones: Promise<unknown>[], ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)));
  const ok = await Promise.race([Promise.all(dones).then(() => true), timeout]);
  clearTimeout(timer);
  return ok;
}

export async function run(ctx: BenchContext): Promise<LatencyResult> {
  const meetings = 100;
  const perMeeting = 10;
  const subscribers = meetings * perMeeting;
  const seconds = ctx.quick ? 2 : 6;
  const warmSeconds = 1;
  const rates = ctx.quick ? [1000, 4000] : [250, 500, 1000, 2000, 4000, 8000, 16000, 32000];
  const points: LatencyPoint[] = [];
  const server = await ctx.server('confpush', 'latency');
  let clients: Child[] = [];
  let overload: OverloadResult | undefined;
  try {
    const { url } = await server.call<{ url: string }>('start', { syncMode: 'full' });
    const participants = 20;
    const { meetings: made } = await server.call<{
      meetings: { confId: string; token: string; wsURL: string }[];
    }>('setup', { count: meetings, participants });
    clients = await ctx.clients('ws');
    const sockets = Array.from({ length: subscribers }, (_, i) => i % meetings);
    await Promise.all(
      shares(sockets, clients.length).map((assign, i) =>
        clients[i]!.call('connectConfpush', {
          base: url,
          targets: made,
          assign,
          categories: PUSH_CATEGORIES,
        }),
      ),
    );
    const perSocketOf = (changes: number): number => changes / meetings;

    const measure = async (
      driver: 'in-process' | 'rest',
      rate: number,
      rest?: Child,
    ): Promise<LatencyPoint> => {
      const total = Math.floor(rate * (seconds + warmSeconds));
      await Promise.all(clients.map((c) => c.call('setMode', { mode: 'track' })));
      await Promise.all(clients.map((c) => c.call('arm', { perSocket: Math.floor(perSocketOf(total)) })));
      const dones = clients.map((c) => c.next('done', 3_600_000));
      const before = await server.call<Record<string, number>>('stats');
      const t0 = Date.now();
      let driven: Driven & {
        samples?: { rss: number; queuedSum: number; loopDelayMaxMs: number }[];
        rtt?: Float64Array;
        commits?: LatencyPoint['commits'];
      };
      if (driver === 'in-process') {
        driven = await server.call('rate', { rate, durationMs: (seconds + warmSeconds) * 1000 });
      } else {
        const targets = made.map((m, i) => ({
          confId: m.confId,
          token: m.token,
          pids: Array.from({ length: participants }, (_, p) => `b${i}x${p}`),
        }));
        await server.call('watch', { everyMs: 100 });
        driven = await rest!.call('rate', {
          base: url,
          targets,
          rate,
          durationMs: (seconds + warmSeconds) * 1000,
        });
        const watched = await server.call<{
          samples: { rss: number; queuedSum: number; loopDelayMaxMs: number }[];
          commits: LatencyPoint['commits'];
        }>('unwatch');
        driven.samples = watched.samples;
        driven.commits = watched.commits;
      }
      const issueSeconds = (Date.now() - t0) / 1000;
      const complete = await settle(dones, 10_000);
      const window: [number, number] = [driven.times[0] ?? 0, nowMs()];
      await new Promise((r) => setTimeout(r, 200)); // stragglers of a count that is not a multiple of 100
      const after = await server.call<Record<string, number>>('stats');
      const fromIndex = Math.floor(rate * warmSeconds);
      const { lat, gaps } = await collect(clients, driven, fromIndex);
      const expected = (total - fromIndex) * perMeeting;
      const samples = driven.samples ?? [];
      const rtt = driven.rtt ? Float64Array.from(driven.rtt).sort() : undefined;
      const p: LatencyPoint = {
        driver,
        offered: rate,
        achieved: total / issueSeconds,
        deliveredFraction: lat.length / expected,
        framesPerSec: (total * perMeeting) / issueSeconds,
        samples: lat.length,
        p50: quantile(lat, 0.5),
        p90: quantile(lat, 0.9),
        p99: quantile(lat, 0.99),
        p999: quantile(lat, 0.999),
        max: lat.length ? lat[lat.length - 1]! : NaN,
        maxRssMiB: Math.max(0, ...samples.map((s) => s.rss)) / 1024 / 1024,
        maxQueuedKiB: Math.max(0, after['queuedSum'] ?? 0, ...samples.map((s) => s.queuedSum)) / 1024,
        maxLoopDelayMs: Math.max(0, ...samples.map((s) => s.loopDelayMaxMs)),
        slowConsumerCloses: (after['slowConsumerCloses'] ?? 0) - (before['slowConsumerCloses'] ?? 0),
        collapses: (after['collapses'] ?? 0) - (before['collapses'] ?? 0),
        gaps,
        ...(rtt ? { restP99: quantile(rtt, 0.99) } : {}),
        ...(driven.commits ? { commits: driven.commits } : {}),
        saturated: false,
      };
      p.saturated = !complete || p.achieved < rate * 0.9 || p.p99 > 1000 || p.slowConsumerCloses > 0;
      if (rate === 1000)
        ctx.markProfile('latency', 'latency', `latency run, ${driver} driver, 1,000 changes/s`, [window]);
      ctx.log(
        `latency ${driver} ${rate}/s: p50 ${p.p50.toFixed(2)} p99 ${p.p99.toFixed(2)} max ${p.max.toFixed(1)} ms, ` +
          `achieved ${Math.round(p.achieved)}/s, delivered ${(p.deliveredFraction * 100).toFixed(1)} %` +
          (p.saturated ? ' (saturated)' : ''),
      );
      // Let queues drain before the next rate.
      await new Promise((r) => setTimeout(r, 500));
      return p;
    };

    for (const rate of rates) {
      const p = await measure('in-process', rate);
      points.push(p);
      if (p.saturated) break;
    }
    const rest = await ctx.loadProcess('load/rest-driver.ts', 'rest-driver');
    try {
      // Warm the driver's keep-alive pool and the server's REST path (JIT) before measuring.
      const warmTargets = made.map((m, i) => ({
        confId: m.confId,
        token: m.token,
        pids: Array.from({ length: participants }, (_, p) => `b${i}x${p}`),
      }));
      await Promise.all(clients.map((c) => c.call('setMode', { mode: 'track' })));
      await rest.call('rate', { base: url, targets: warmTargets, rate: 500, durationMs: 2000 });
      await new Promise((r) => setTimeout(r, 500));
      for (const rate of ctx.quick ? [1000] : [250, 500, 1000, 2000, 4000]) {
        const p = await measure('rest', rate, rest);
        points.push(p);
        if (p.saturated) break;
      }
    } finally {
      await rest.stop();
    }
  } finally {
    await stopAll([...clients, server]);
  }

  // Overload: one meeting, 1,000 subscribers, 1,000 changes/s.
  const oServer = await ctx.server('confpush', 'overload');
  let oClients: Child[] = [];
  try {
    const n = ctx.quick ? 300 : 1000;
    const rate = 1000;
    const oSeconds = ctx.quick ? 1 : 5;
    const { url } = await oServer.call<{ url: string }>('start', { syncMode: 'full' });
    const { meetings: made } = await oServer.call<{
      meetings: { confId: string; token: string; wsURL: string }[];
    }>('setup', { count: 1, participants: 100 });
    oClients = await ctx.clients('ws');
    await Promise.all(
      shares(
        Array.from({ length: n }, () => 0),
        oClients.length,
      ).map((assign, i) =>
        oClients[i]!.call('connectConfpush', {
          base: url,
          targets: made,
          assign,
          categories: PUSH_CATEGORIES,
        }),
      ),
    );
    await Promise.all(oClients.map((c) => c.call('setMode', { mode: 'track' })));
    await Promise.all(oClients.map((c) => c.call('arm', { perSocket: 0 }))); // resets the frame counters
    ctx.log(`overload: ${n} subscribers of one meeting, ${rate} changes/s for ${oSeconds} s`);
    const w0 = nowMs();
    const driven = await oServer.call<{
      samples: { rss: number; queuedSum: number; queuedMax: number }[];
      lateIssueMaxMs: number;
    }>('rate', { rate, durationMs: oSeconds * 1000 });
    const committedAt = nowMs();
    // Wait until every socket is at the final position or closed (at most 60 s).
    const { ParticipantsNotify: final } = await oServer.call<Record<string, { seq: number }>>('positions', {
      confId: made[0]!.confId,
    });
    const deadline = Date.now() + 60_000;
    let positions: number[] = [];
    let open = 0;
    for (;;) {
      positions = (await Promise.all(oClients.map((c) => c.call<number[]>('pnPositions')))).flat();
      const counts = await Promise.all(oClients.map((c) => c.call<{ open: number }>('counts')));
      open = counts.reduce((s, c) => s + c.open, 0);
      const behind = positions.filter((p) => p !== final!.seq).length;
      if (behind <= n - open || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const caughtUpAt = nowMs();
    ctx.markProfile('latency', 'overload', `overload, ${n} subscribers of one meeting, ${rate} changes/s`, [
      [w0, nowMs()],
    ]);
    const stats = await oServer.call<Record<string, number>>('stats');
    const { gaps } = await collect(oClients, { keys: [], times: new Float64Array(0) }, 0);
    const counts = await Promise.all(oClients.map((c) => c.call<{ frames: number }>('counts')));
    const memAfter = await oServer.call<NodeJS.MemoryUsage>('mem');
    overload = {
      subscribers: n,
      offered: rate,
      seconds: oSeconds,
      deliveredFrames: counts.reduce((s, c) => s + c.frames, 0),
      maxRssMiB: Math.max(...driven.samples.map((s) => s.rss)) / 1024 / 1024,
      maxQueuedMiB: Math.max(...driven.samples.map((s) => s.queuedSum)) / 1024 / 1024,
      maxQueuedPerSocketKiB: Math.max(...driven.samples.map((s) => s.queuedMax)) / 1024,
      collapses: stats['collapses'] ?? 0,
      slowConsumerCloses: stats['slowConsumerCloses'] ?? 0,
      gaps,
      atFinalSeq: positions.filter((p) => p === final!.seq).length,
      open,
      finalSeq: final!.seq,
      rssAfterMiB: memAfter.rss / 1024 / 1024,
      lateIssueMaxMs: driven.lateIssueMaxMs,
      commitSeconds: (committedAt - w0) / 1000,
      caughtUpSeconds: (caughtUpAt - w0) / 1000,
    };
    ctx.log(`  ${JSON.stringify(overload)}`);
  } catch (error) {
    ctx.log(`overload failed: ${(error as Error).message}`);
  } finally {
    await stopAll([...oClients, oServer]);
  }
  return { subscribers, meetings, seconds, points, ...(overload ? { overload } : {}) };
}

/**
 * Benchmark 1 — fan-out throughput: frames/s delivered to N subscribed sockets (one meeting, and 100 meetings),
 * small incremental ParticipantsNotify frames, for confpush against the bare ws limit and Socket.IO, in one run.
 *
 * For each (layout, N) the three servers are measured one after the other, each in a fresh server process with
 * fresh load-generator processes: connect N sockets (half in each load process), one warm-up burst, then `repeats`
 * measured bursts (median reported). A burst is `rounds` rounds; a round is one change per meeting (confpush:
 * a selfMute toggle through `engine.execute`) or one pre-encoded frame per room (bare ws, Socket.IO), so every
 * socket receives `rounds` frames. `chunk` rounds are issued per event-loop turn. Throughput = N × rounds / (time
 * of the last frame at any client − start of the burst). Server CPU seconds over the same interval are recorded
 * too, so efficiency (frames per server CPU-second) can be compared independently of how the two cores were shared.
 *
 * Separately, the end-to-end REST-driven rate: the same confpush setup, changes sent by a REST load process
 * (`PUT …/participants/hands`, host token, 64 requests in flight).
 */
import { PUSH_CATEGORIES } from '@confpush/protocol';
import type { Child } from './lib/ipc.js';
import { shares, stopAll, type BenchContext, type ServerKind } from './lib/context.js';
import { fmtInt, median } from './lib/stats.js';

export type Layout = 'one' | 'hundred';

export interface FanoutRun {
  /** Monotonic ms: burst start → last frame at any client. */
  window: [number, number];
  framesPerSec: number;
  seconds: number;
  serverCpuSec: number;
  commits: number;
}

/** The servers compared: confpush, the bare ws limit (plain, and corked per event-loop turn), Socket.IO. */
export type FanoutTarget = ServerKind | 'bare-ws-corked';

export interface FanoutPoint {
  target: FanoutTarget;
  layout: Layout;
  n: number;
  rounds: number;
  runs: FanoutRun[];
  /** Median of the runs. */
  framesPerSec: number;
  /** Frames per server CPU-second (median of the runs). */
  framesPerCpuSec: number;
  /** Server CPU utilisation during the burst (1 = one core). */
  serverCpu: number;
  frameBytes: number;
  connectMs: number;
  failed?: string;
}

export interface RestPoint {
  layout: Layout;
  n: number;
  requests: number;
  changesPerSec: number;
  framesPerSec: number;
  failed: number;
}

export interface FanoutResult {
  sizes: number[];
  chunk: number;
  repeats: number;
  frameBytes: number;
  sampleFrame: string;
  points: FanoutPoint[];
  rest: RestPoint[];
}

const MEETINGS: Record<Layout, number> = { one: 1, hundred: 100 };
const LAYOUT_NAME: Record<Layout, string> = { one: 'one meeting', hundred: '100 meetings' };

/** Rounds per burst: about `targetFrames` frames delivered per burst, at least 20 frames per socket. */
function roundsFor(n: number, targetFrames: number): number {
  return Math.max(20, Math.round(targetFrames / n / 10) * 10);
}

interface Setup {
  server: Child;
  clients: Child[];
  connectMs: number;
  frameBytes: number;
  /** confpush only: meetings and participants for the REST driver. */
  targets?: { confId: string; token: string; pids: string[] }[];
  base?: string;
  /** confpush only: one real incremental frame. */
  sample?: Uint8Array;
}

async function prepare(
  ctx: BenchContext,
  target: FanoutTarget,
  layout: Layout,
  n: number,
  frame: Uint8Array | undefined,
): Promise<Setup> {
  const server = await ctx.server(
    target === 'bare-ws-corked' ? 'bare-ws' : target,
    `fanout-${target}-${layout}-${n}`,
  );
  let clients: Child[] = [];
  try {
    return await connect(ctx, server, target, layout, n, frame, (c) => (clients = c));
  } catch (error) {
    await stopAll([...clients, server]);
    throw error;
  }
}

async function connect(
  ctx: BenchContext,
  server: Child,
  target: FanoutTarget,
  layout: Layout,
  n: number,
  frame: Uint8Array | undefined,
  spawned: (clients: Child[]) => void,
): Promise<Setup> {
  const { url } = await server.call<{ url: string }>('start', {
    syncMode: 'full',
    cork: target === 'bare-ws-corked',
  });
  const meetings = MEETINGS[layout];
  const clients = await ctx.clients(target === 'socketio' ? 'sio' : 'ws');
  spawned(clients);
  const sockets = Array.from({ length: n }, (_, i) => i % meetings);
  const t0 = Date.now();
  if (target === 'confpush') {
    const participants = layout === 'one' ? 100 : 10;
    const { meetings: made } = await server.call<{
      meetings: { confId: string; token: string; wsURL: string }[];
    }>('setup', { count: meetings, participants });
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
    const connectMs = Date.now() - t0;
    const { bytes } = await server.call<{ bytes: Uint8Array }>('sampleFrame');
    // The sample change above reached every socket of meeting 0; let it arrive before arming.
    await new Promise((r) => setTimeout(r, 200));
    return {
      server,
      clients,
      connectMs,
      frameBytes: bytes.length,
      sample: bytes,
      base: url,
      targets: made.map((m, i) => ({
        confId: m.confId,
        token: m.token,
        pids: Array.from({ length: participants }, (_, p) => `b${i}x${p}`),
      })),
    };
  }
  const { bytes } = await server.call<{ bytes: number }>('setFrame', { bytes: frame });
  await Promise.all(
    shares(sockets, clients.length).map((rooms, i) => clients[i]!.call('connectWs', { url, rooms })),
  );
  return { server, clients, connectMs: Date.now() - t0, frameBytes: bytes };
}

/** One burst; resolves with its throughput, or throws when the clients did not get every frame in time. */
async function burst(s: Setup, n: number, rounds: number, chunk: number): Promise<FanoutRun> {
  await Promise.all(s.clients.map((c) => c.call('arm', { perSocket: rounds })));
  const timeoutMs = 120_000;
  const dones = s.clients.map((c) => c.next<{ tLast: number }>('done', timeoutMs));
  const cpu0 = await s.server.call<NodeJS.CpuUsage>('cpu');
  const b = await s.server.call<{ t0: number; commits: number }>('burst', { rounds, chunk });
  let ends: { tLast: number }[];
  try {
    ends = await Promise.all(dones);
  } catch (error) {
    const counts = await Promise.all(
      s.clients.map((c) => c.call<{ frames: number; open: number }>('counts')),
    );
    throw new Error(
      `${(error as Error).message}; received ${JSON.stringify(counts)} of ${rounds} per socket`,
    );
  }
  const cpu1 = await s.server.call<NodeJS.CpuUsage>('cpu');
  const tLast = Math.max(...ends.map((e) => e.tLast));
  const seconds = (tLast - b.t0) / 1000;
  return {
    window: [b.t0, tLast],
    framesPerSec: (n * rounds) / seconds,
    seconds,
    serverCpuSec: (cpu1.user - cpu0.user + cpu1.system - cpu0.system) / 1e6,
    commits: b.commits,
  };
}

async function restBurst(
  ctx: BenchContext,
  s: Setup,
  layout: Layout,
  n: number,
  rounds: number,
): Promise<RestPoint> {
  const driver = await ctx.loadProcess('load/rest-driver.ts', 'rest-driver');
  try {
    // Warm-up (JIT, keep-alive connections), then one measured burst.
    const warm = Math.max(2, Math.round(rounds / 10));
    await Promise.all(s.clients.map((c) => c.call('arm', { perSocket: warm })));
    let dones = s.clients.map((c) => c.next('done', 120_000));
    await driver.call('hands', { base: s.base, targets: s.targets, rounds: warm, concurrency: 64 });
    await Promise.all(dones);
    await Promise.all(s.clients.map((c) => c.call('arm', { perSocket: rounds })));
    dones = s.clients.map((c) => c.next<{ tLast: number }>('done', 120_000));
    const r = await driver.call<{
      t0: number;
      tDone: number;
      requests: number;
      failed: number;
      firstError: string;
    }>('hands', { base: s.base, targets: s.targets, rounds, concurrency: 64 });
    if (r.failed > 0) ctx.log(`REST driver: ${r.failed} failed, e.g. ${r.firstError}`);
    const ends = (await Promise.all(dones)) as { tLast: number }[];
    const seconds = (Math.max(...ends.map((e) => e.tLast)) - r.t0) / 1000;
    return {
      layout,
      n,
      requests: r.requests,
      changesPerSec: r.requests / ((r.tDone - r.t0) / 1000),
      framesPerSec: (n * rounds) / seconds,
      failed: r.failed,
    };
  } finally {
    await driver.stop();
  }
}

export async function run(ctx: BenchContext): Promise<FanoutResult> {
  const sizes = ctx.quick ? [500] : [1000, 5000, 10000];
  const repeats = ctx.quick ? 1 : 3;
  const targetFrames = ctx.quick ? 50_000 : 1_000_000;
  const chunk = 10;
  const layouts: Layout[] = ['one', 'hundred'];
  const points: FanoutPoint[] = [];
  const rest: RestPoint[] = [];
  let frame: Uint8Array | undefined;
  let sampleFrame = '';
  const targets: FanoutTarget[] = ['confpush', 'bare-ws', 'bare-ws-corked', 'socketio'];
  for (const layout of layouts) {
    for (const n of sizes) {
      const rounds = roundsFor(n, targetFrames);
      ctx.log(`fan-out: ${n} sockets, ${MEETINGS[layout]} meeting(s), ${rounds} frames per socket per burst`);
      // All three servers hold their N sockets at once (each with its own load processes) and the bursts are
      // interleaved, so that whatever else the machine does affects the three alike.
      const setups = new Map<FanoutTarget, Setup>();
      const runs = new Map<FanoutTarget, FanoutRun[]>(targets.map((t) => [t, []]));
      const failures = new Map<FanoutTarget, string>();
      try {
        // confpush first (its real frame is what the other two send), then the other two in parallel.
        const ready = async (target: FanoutTarget): Promise<void> => {
          try {
            const s = await prepare(ctx, target, layout, n, frame);
            setups.set(target, s);
            if (s.sample && !frame) {
              frame = s.sample;
              sampleFrame = Buffer.from(frame).toString('utf8');
            }
            await burst(s, n, Math.max(10, Math.round(rounds / 5)), chunk); // warm-up
          } catch (error) {
            failures.set(target, (error as Error).message.split('\n')[0]!);
            ctx.log(`  ${target} failed: ${(error as Error).message}`);
          }
        };
        await ready('confpush');
        await Promise.all(targets.filter((t) => t !== 'confpush').map(ready));
        for (let rep = 0; rep < repeats; rep++) {
          // Rotate the order in every repetition.
          const order = targets.map((_, i) => targets[(i + rep) % targets.length]!);
          for (const target of order) {
            const s = setups.get(target);
            if (!s || failures.has(target)) continue;
            try {
              const r = await burst(s, n, rounds, chunk);
              runs.get(target)!.push(r);
              ctx.log(
                `  ${target}: ${Math.round(r.framesPerSec).toLocaleString('en-US')} frames/s, server CPU ${(r.serverCpuSec / r.seconds).toFixed(2)}`,
              );
            } catch (error) {
              failures.set(target, (error as Error).message.split('\n')[0]!);
              ctx.log(`  ${target} failed: ${(error as Error).message}`);
            }
          }
        }
        for (const target of targets) {
          const s = setups.get(target);
          const rs = runs.get(target)!;
          const failed = failures.get(target);
          points.push({
            target,
            layout,
            n,
            rounds,
            runs: rs,
            framesPerSec: rs.length ? median(rs.map((r) => r.framesPerSec)) : NaN,
            framesPerCpuSec: rs.length ? median(rs.map((r) => (n * rounds) / r.serverCpuSec)) : NaN,
            serverCpu: rs.length ? median(rs.map((r) => r.serverCpuSec / r.seconds)) : NaN,
            frameBytes: s?.frameBytes ?? 0,
            connectMs: s?.connectMs ?? 0,
            ...(failed ? { failed } : {}),
          });
        }
        ctx.markProfile(
          'fanout',
          `fanout-confpush-${layout}-${n}`,
          `fan-out bursts, ${fmtInt(n)} sockets, ${LAYOUT_NAME[layout]}`,
          (runs.get('confpush') ?? []).map((r) => r.window),
        );
        const cp = setups.get('confpush');
        if (cp && !failures.has('confpush')) {
          const restRounds =
            layout === 'one'
              ? Math.max(20, Math.round(rounds / (ctx.quick ? 4 : 2)))
              : Math.max(10, Math.round(rounds / 20));
          try {
            const p = await restBurst(ctx, cp, layout, n, restRounds);
            ctx.log(
              `  REST-driven: ${Math.round(p.changesPerSec)} changes/s, ${Math.round(p.framesPerSec)} frames/s`,
            );
            rest.push(p);
          } catch (error) {
            ctx.log(`  REST-driven failed: ${(error as Error).message}`);
          }
        }
      } finally {
        await stopAll([...setups.values()].flatMap((s) => [...s.clients, s.server]));
      }
    }
  }
  return { sizes, chunk, repeats, frameBytes: frame?.length ?? 0, sampleFrame, points, rest };
}

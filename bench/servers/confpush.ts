/**
 * The confpush server under test: a real `ConfpushNode` (Fastify REST, the push gateway, the engine with group
 * commit on SQLite — or, started with a Redis URL, on Redis: `RedisStore` and the cluster engine, as
 * `confpush serve --redis-url` runs) in its own process, plus a small in-process harness that plays the media
 * plane. Changes are driven through `node.engine.execute` (selfMute toggles on the meeting's participants), so
 * the measured path is engine → decide → group commit → hub → sessions → socket, exactly as for a REST or
 * media-plane call.
 *
 * Commands (see bench/lib/ipc.ts): start, setup, sampleFrame, burst, rate, stats, mem, cpu, snapshot, durable,
 * drive, fsync, positions.
 */
import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { CategoryReplica, PUSH_CATEGORIES, type PushCategory } from '@confpush/protocol';
import pino from 'pino';
import { resolveConfig } from '../../packages/server/src/config.js';
import type { AttendeeInput } from '../../packages/server/src/domain/attendees.js';
import type { Command } from '../../packages/server/src/domain/commands.js';
import { encodeFull } from '../../packages/server/src/hub/encode.js';
import { payloadOf } from '../../packages/server/src/hub/wire.js';
import { hex32 } from '../../packages/server/src/ids.js';
import { ConfpushNode } from '../../packages/server/src/node.js';
import { appAuth, confToken, createMeeting, type ConfTokenInfo } from '../lib/chain.js';
import { nowMs, serve } from '../lib/ipc.js';
import { processCommands } from '../lib/process-commands.js';

let node: ConfpushNode | undefined;
/** Duration of every store commit (group commit) since the last `rate` started, ms. */
let commitTimes: number[] = [];
let dataDir = '';
let accessToken = '';

interface HarnessMeeting {
  confId: string;
  chairPwd: string;
  conf: ConfTokenInfo;
  pids: string[];
  /** Current MUTE of each participant, as the harness toggles it. */
  muted: boolean[];
  /** Round-robin cursor over `pids`. */
  cursor: number;
}
const meetings: HarnessMeeting[] = [];

function need(): ConfpushNode {
  if (!node) throw new Error('not started');
  return node;
}

/**
 * Starts the node: embedded SQLite with `syncMode` (default full), or cluster mode on the Redis at `redisUrl` with
 * every key under `redisPrefix`.
 */
async function start(args: {
  syncMode?: 'full' | 'normal';
  redisUrl?: string;
  redisPrefix?: string;
}): Promise<{ url: string; dataDir: string }> {
  dataDir = mkdtempSync(join(tmpdir(), 'confpush-bench-'));
  const appId = hex32();
  const appKey = hex32();
  const config = resolveConfig({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    appId,
    appKey,
    logLevel: 'silent',
    syncMode: args.syncMode ?? 'full',
    ...(args.redisUrl ? { redisUrl: args.redisUrl, redisPrefix: args.redisPrefix ?? 'confpush-bench:' } : {}),
    // A benchmark run keeps sockets open for minutes without HeartBeat frames; ping/pong still runs.
    heartbeatTimeoutMs: 3_600_000,
    wsTokenTtlMs: 600_000,
    // Simulated callees and speakers stay out of the way: nobody is invited and no volumes are sent.
    calleeAnswerDelayMs: -1,
  });
  node = await ConfpushNode.start({ config, logger: pino({ level: 'silent' }) });
  // Instrumentation: time each group commit. SQLite commits synchronously (better-sqlite3), so this is also how
  // long each commit kept the event loop from doing anything else; Redis commits are one pipelined round trip.
  const meetings = node.store.meetings;
  const commit = meetings.commit.bind(meetings);
  meetings.commit = async (entries) => {
    const s = nowMs();
    try {
      return await commit(entries);
    } finally {
      commitTimes.push(nowMs() - s);
    }
  };
  accessToken = await appAuth(node.url, appId, appKey);
  return { url: node.url, dataDir };
}

/** Execute commands with at most `limit` in flight (they group-commit). */
async function executeAll(confId: string, commands: Command[], limit = 500): Promise<void> {
  const engine = need().engine;
  for (let i = 0; i < commands.length; i += limit) {
    await Promise.all(commands.slice(i, i + limit).map((c) => engine.execute(confId, c)));
  }
}

function attendeeInputs(n: number, prefix: string): AttendeeInput[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `Attendee ${prefix}${i}`,
    phone: `+86${String(10_000_000_000 + i)}`,
    email: `attendee${i}@example.com`,
    role: 0,
    isMute: 0,
    type: 'normal',
  }));
}

/**
 * Creates `count` meetings over REST (the Huawei chain: create → control token), with `participants` joined sites
 * each (media plane `join`), and `attendees` invited attendees (not called).
 */
async function setup(args: {
  count: number;
  participants: number;
  attendees?: number;
}): Promise<{ meetings: { confId: string; token: string; wsURL: string }[] }> {
  const n = need();
  const created: HarnessMeeting[] = [];
  for (let m = 0; m < args.count; m++) {
    const meeting = await createMeeting(n.url, accessToken, `bench ${meetings.length + m}`);
    const conf = await confToken(n.url, meeting.conferenceID, meeting.chairPwd);
    const confId = meeting.conferenceID;
    if (args.attendees) {
      const all = attendeeInputs(args.attendees, `${m}-`);
      const cmds: Command[] = [];
      for (let i = 0; i < all.length; i += 500)
        cmds.push({ type: 'addAttendees', attendees: all.slice(i, i + 500) });
      for (const c of cmds) await n.engine.execute(confId, c);
    }
    const pids = Array.from({ length: args.participants }, (_, i) => `b${m}x${i}`);
    await executeAll(
      confId,
      pids.map((pid, i) => ({
        type: 'join',
        site: { pid, name: `Participant ${i}`, tel: `+8620${String(10_000_000 + i)}`, video: true },
      })),
    );
    // The first site to join took the host role; make every site an ordinary, unmuted participant we can toggle.
    const runtime = await n.engine.load(confId);
    const items = runtime!.committed.streams.ParticipantsNotify.items;
    const muted = pids.map((pid) => {
      const info = (items.get(pid) as { pinfoMap?: Record<string, string> } | undefined)?.pinfoMap;
      return info?.['MUTE'] === '1';
    });
    created.push({ confId, chairPwd: meeting.chairPwd, conf, pids, muted, cursor: 0 });
  }
  meetings.push(...created);
  return { meetings: created.map((m) => ({ confId: m.confId, token: m.conf.token, wsURL: m.conf.wsURL })) };
}

/** The next selfMute toggle of meeting `m` (round-robin over its participants). */
function toggle(m: HarnessMeeting): { command: Command; pid: string } {
  const i = m.cursor;
  m.cursor = (m.cursor + 1) % m.pids.length;
  m.muted[i] = !m.muted[i];
  const pid = m.pids[i]!;
  return { command: { type: 'selfMute', pid, mute: m.muted[i]! }, pid };
}

/** One real incremental ParticipantsNotify frame (a selfMute toggle), as the hub encoded it. */
async function sampleFrame(): Promise<{ bytes: Uint8Array }> {
  const n = need();
  const m = meetings[0]!;
  await n.engine.execute(m.confId, toggle(m).command);
  const runtime = (await n.engine.load(m.confId))!;
  const stream = runtime.committed.streams.ParticipantsNotify;
  const change = runtime.recentLog('ParticipantsNotify').after((stream.seq ?? 1) - 1, stream.seq ?? 0)?.[0];
  if (!change) throw new Error('no change logged');
  // The JSON payload: the other servers frame it themselves.
  return { bytes: new Uint8Array(payloadOf(n.hub.incrementalFrame(m.confId, change))) };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * A burst: `rounds` rounds, each one change (selfMute toggle) in every meeting of `first … first+count`, issued
 * `chunk` rounds per event-loop turn. Resolves when every change is committed and written to the sockets.
 */
async function burst(args: { rounds: number; chunk: number; first?: number; count?: number }): Promise<{
  t0: number;
  tIssued: number;
  tDone: number;
  commits: number;
}> {
  const n = need();
  const targets = meetings.slice(args.first ?? 0, (args.first ?? 0) + (args.count ?? meetings.length));
  const commits0 = n.engine.commitCount;
  const t0 = nowMs();
  const all: Promise<unknown>[] = [];
  for (let r = 0; r < args.rounds; r += args.chunk) {
    for (let k = r; k < Math.min(args.rounds, r + args.chunk); k++) {
      for (const m of targets) all.push(n.engine.execute(m.confId, toggle(m).command));
    }
    await tick();
  }
  const tIssued = nowMs();
  await Promise.all(all);
  return { t0, tIssued, tDone: nowMs(), commits: n.engine.commitCount - commits0 };
}

/**
 * A sustained open-loop stream of `rate` changes/s for `durationMs`, spread round-robin over the meetings
 * `first … first+count`. Each change's intended time (start + j/rate) is its "accepted" time, so a stalled event
 * loop shows as latency (no coordinated omission). Returns per change its key `confId|pid|k` (the k-th toggle of
 * that participant) and intended time, and what the node's queues did meanwhile.
 */
async function rate(args: { rate: number; durationMs: number; first?: number; count?: number }): Promise<{
  keys: string[];
  times: Float64Array;
  issued: number;
  lateIssueMaxMs: number;
  samples: Sample[];
  errors: number;
  commits: CommitStats;
}> {
  const n = need();
  const targets = meetings.slice(args.first ?? 0, (args.first ?? 0) + (args.count ?? meetings.length));
  const total = Math.floor((args.rate * args.durationMs) / 1000);
  const keys: string[] = new Array<string>(total);
  const times = new Float64Array(total);
  const counts = new Map<string, number>();
  const pending: Promise<unknown>[] = [];
  let errors = 0;
  let issued = 0;
  let lateIssueMaxMs = 0;
  const sampler = startSampler(100);
  commitTimes = [];
  const t0 = nowMs() + 5;
  await new Promise<void>((resolve) => {
    const step = (): void => {
      const now = nowMs();
      const due = Math.min(total, Math.floor(((now - t0) * args.rate) / 1000) + 1);
      for (; issued < due; issued++) {
        const m = targets[issued % targets.length]!;
        const { command, pid } = toggle(m);
        const key = `${m.confId}|${pid}`;
        const k = (counts.get(key) ?? 0) + 1;
        counts.set(key, k);
        keys[issued] = `${key}|${k}`;
        const intended = t0 + (issued * 1000) / args.rate;
        times[issued] = intended;
        lateIssueMaxMs = Math.max(lateIssueMaxMs, now - intended);
        pending.push(
          n.engine.execute(m.confId, command).catch(() => {
            errors++;
          }),
        );
      }
      if (issued >= total) resolve();
      else setTimeout(step, 1);
    };
    setTimeout(step, Math.max(0, t0 - nowMs()));
  });
  await Promise.all(pending);
  const samples = await sampler.stop();
  return { keys, times, issued, lateIssueMaxMs, samples, errors, commits: commitStats() };
}

interface CommitStats {
  count: number;
  p50: number;
  p99: number;
  max: number;
  /** Commits that took more than 5 ms. */
  slow: number;
}

function commitStats(): CommitStats {
  const t = [...commitTimes].sort((a, b) => a - b);
  return {
    count: t.length,
    p50: t[Math.floor(t.length * 0.5)] ?? 0,
    p99: t[Math.floor(t.length * 0.99)] ?? 0,
    max: t.at(-1) ?? 0,
    slow: t.filter((x) => x > 5).length,
  };
}

interface Sample {
  t: number;
  rss: number;
  heapUsed: number;
  queuedSum: number;
  queuedMax: number;
  sockets: number;
  loopDelayMaxMs: number;
}

/** Samples memory and the outbound queues of every push socket every `everyMs`. */
function startSampler(everyMs: number): { stop: () => Promise<Sample[]> } {
  const n = need();
  const samples: Sample[] = [];
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const take = (): void => {
    let sum = 0;
    let max = 0;
    let sockets = 0;
    for (const s of n.gateway.sessions) {
      const b = s.bufferedAmount;
      sum += b;
      if (b > max) max = b;
      sockets++;
    }
    const mem = process.memoryUsage();
    samples.push({
      t: nowMs(),
      rss: mem.rss,
      heapUsed: mem.heapUsed,
      queuedSum: sum,
      queuedMax: max,
      sockets,
      loopDelayMaxMs: loop.max / 1e6,
    });
    loop.reset();
  };
  const timer = setInterval(take, everyMs);
  return {
    stop: async () => {
      clearInterval(timer);
      take();
      loop.disable();
      return samples;
    },
  };
}

/** Counters of the node (slow-consumer closes, collapses, frames encoded, sockets). */
async function stats(): Promise<Record<string, number>> {
  const n = need();
  const metric = async (name: string): Promise<number> => {
    const m = n.metrics.registry.getSingleMetric(name);
    if (!m) return 0;
    const v = await m.get();
    return v.values.reduce((s, x) => s + x.value, 0);
  };
  let queuedSum = 0;
  let queuedMax = 0;
  for (const s of n.gateway.sessions) {
    queuedSum += s.bufferedAmount;
    queuedMax = Math.max(queuedMax, s.bufferedAmount);
  }
  return {
    sockets: n.gateway.sessions.size,
    framesEncoded: n.hub.framesEncoded,
    commits: n.engine.commitCount,
    slowConsumerCloses: await metric('confpush_slow_consumer_closes_total'),
    collapses: await metric('confpush_backpressure_collapses_total'),
    queuedSum,
    queuedMax,
  };
}

interface EncodeTiming {
  /** Warm: the meeting's own items, whose JSON the encoder caches (the usual case: few items change between two). */
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** Cold: every item serialized (the first full message of a meeting after a restart, say). */
  coldMedianMs: number;
  bytes: number;
}

/**
 * Snapshot cost for a meeting of `members` attendees and `members` online participants: the median time to build
 * and encode a full AttendeesNotify and ParticipantsNotify (replica.snapshot() + JSON + Buffer), and their sizes.
 */
async function snapshot(args: { members: number; runs: number }): Promise<{
  confId: string;
  token: string;
  wsURL: string;
  setupMs: number;
  encode: Record<string, EncodeTiming>;
  window: [number, number];
}> {
  const n = need();
  const t = nowMs();
  const {
    meetings: [m],
  } = await setup({ count: 1, participants: args.members, attendees: args.members });
  const setupMs = nowMs() - t;
  const runtime = (await n.engine.load(m!.confId))!;
  const encode: Record<string, EncodeTiming> = {};
  const w0 = nowMs();
  for (const category of ['ParticipantsNotify', 'AttendeesNotify'] as PushCategory[]) {
    const replica = runtime.committed.streams[category];
    const times: number[] = [];
    const cold: number[] = [];
    let bytes = 0;
    for (let i = 0; i < args.runs + 2; i++) {
      const s = nowMs();
      const buf = encodeFull(m!.confId, replica, Date.now());
      const e = nowMs() - s;
      bytes = payloadOf(buf).length;
      if (i >= 2) times.push(e); // two warm-up runs
      // Cold: the same state in new item objects, whose JSON the encoder has never cached (every item serialized).
      const fresh = new CategoryReplica(category);
      fresh.applyFrame({
        action: category,
        msgMode: 0,
        version: 1,
        data: structuredClone(replica.snapshot()),
        seq: replica.seq ?? 0,
        epoch: replica.epoch ?? '',
      });
      const c = nowMs();
      encodeFull(m!.confId, fresh, Date.now());
      if (i >= 2) cold.push(nowMs() - c);
    }
    times.sort((a, b) => a - b);
    cold.sort((a, b) => a - b);
    encode[category] = {
      medianMs: times[Math.floor(times.length / 2)]!,
      minMs: times[0]!,
      maxMs: times.at(-1)!,
      coldMedianMs: cold[Math.floor(cold.length / 2)]!,
      bytes,
    };
  }
  return { ...m!, setupMs, encode, window: [w0, nowMs()] };
}

/** The stream positions of a meeting (epoch and seq per category). */
async function positions(args: { confId: string }): Promise<Record<string, { epoch: string; seq: number }>> {
  const runtime = (await need().engine.load(args.confId))!;
  const out: Record<string, { epoch: string; seq: number }> = {};
  for (const c of PUSH_CATEGORIES) {
    const r = runtime.committed.streams[c];
    out[c] = { epoch: r.epoch ?? '', seq: r.seq ?? 0 };
  }
  return out;
}

/**
 * Durable write rate: a closed loop keeping `inFlight` changes outstanding (spread over the meetings) for
 * `durationMs`; every change is committed (SQLite with the node's sync mode, or Redis) before its promise resolves.
 */
async function durable(args: { inFlight: number; durationMs: number }): Promise<{
  changes: number;
  commits: number;
  seconds: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  window: [number, number];
}> {
  const n = need();
  const commits0 = n.engine.commitCount;
  const t0 = nowMs();
  const end = t0 + args.durationMs;
  let changes = 0;
  let next = 0;
  const lat: number[] = [];
  const worker = async (): Promise<void> => {
    while (nowMs() < end) {
      const m = meetings[next++ % meetings.length]!;
      const s = nowMs();
      await n.engine.execute(m.confId, toggle(m).command);
      lat.push(nowMs() - s);
      changes++;
    }
  };
  await Promise.all(Array.from({ length: args.inFlight }, worker));
  const seconds = (nowMs() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return {
    changes,
    commits: n.engine.commitCount - commits0,
    seconds,
    latencyP50Ms: lat[Math.floor(lat.length * 0.5)] ?? 0,
    latencyP99Ms: lat[Math.floor(lat.length * 0.99)] ?? 0,
    window: [t0, nowMs()],
  };
}

/** A steady background stream of changes in one meeting (the outage of the resume benchmark). */
async function drive(args: {
  confIndex: number;
  rate: number;
  durationMs: number;
}): Promise<{ changes: number }> {
  const n = need();
  const m = meetings[args.confIndex]!;
  const total = Math.floor((args.rate * args.durationMs) / 1000);
  const t0 = nowMs();
  const pending: Promise<unknown>[] = [];
  for (let j = 0; j < total; j++) {
    const wait = t0 + (j * 1000) / args.rate - nowMs();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    // Alternate the two kinds of small roster change a meeting sees most: mute and hand toggles.
    const { command, pid } = toggle(m);
    pending.push(
      n.engine.execute(m.confId, j % 2 === 0 ? command : { type: 'hands', pids: [pid], raised: j % 4 === 1 }),
    );
  }
  await Promise.all(pending);
  return { changes: total };
}

/** What one small write + fsync costs on the data directory's disk (median and p99 of `runs`). */
async function fsyncCost(args: { runs: number }): Promise<{ medianMs: number; p99Ms: number }> {
  const file = join(dataDir, 'fsync-probe');
  const fd = openSync(file, 'w');
  const buf = Buffer.alloc(4096, 1);
  const times: number[] = [];
  for (let i = 0; i < args.runs; i++) {
    writeSync(fd, buf, 0, buf.length, (i % 16) * 4096);
    const s = nowMs();
    fsyncSync(fd);
    times.push(nowMs() - s);
  }
  closeSync(fd);
  rmSync(file);
  times.sort((a, b) => a - b);
  return { medianMs: times[Math.floor(times.length / 2)]!, p99Ms: times[Math.floor(times.length * 0.99)]! };
}

let watching: { stop: () => Promise<Sample[]> } | undefined;

serve(
  {
    start,
    /** Start sampling memory and queues (for a load driven from another process). */
    watch: (args: { everyMs: number }) => {
      watching = startSampler(args.everyMs);
      commitTimes = [];
      return {};
    },
    unwatch: async () => {
      const samples = (await watching?.stop()) ?? [];
      watching = undefined;
      return { samples, commits: commitStats() };
    },
    setup,
    sampleFrame,
    burst,
    rate,
    stats,
    ...processCommands,
    snapshot,
    positions,
    durable,
    drive,
    fsync: fsyncCost,
  },
  async () => {
    await node?.close();
    node = undefined;
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  },
);

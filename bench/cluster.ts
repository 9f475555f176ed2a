/**
 * Benchmark 7 — cluster: one node against three nodes on one Redis, measured side by side in one run, with the
 * embedded SQLite node as the reference.
 *
 *   npm run bench -- --only cluster      (part of the suite: report section 7, results in docs/benchmarks.json)
 *   npx tsx bench/cluster.ts [--quick] [--meetings 20] [--subscribers 6] [--rate 200] [--seconds 5]
 *                            [--concurrency 32] [--redis redis://…]
 *                                        (standalone: prints the report section, writes nothing)
 *
 * Per topology (real `confpush serve` processes; meetings with one participant each; every meeting's subscribers
 * spread round-robin over the nodes, connected straight to their node):
 * - latency: an open-loop stream of `rate` renames per second (`PUT …/participants/name`), every one sent to node A;
 *   the time from sending it to its frame at a subscriber on another node (the same node when there is one),
 *   p50/p99/max, and the REST answer time;
 * - throughput: `concurrency` closed-loop callers spreading renames over every node for `seconds`; renames answered
 *   per second and frames delivered per second.
 *
 * Redis is chosen by bench/lib/redis.ts (CONFPUSH_BENCH_REDIS_URL, else the local Redis when it persists every
 * write, else a dedicated `redis-server` with `appendonly yes` + `appendfsync always`; `--redis` overrides); every
 * key is under a fresh prefix, deleted afterwards. Without Redis only the SQLite topology is measured.
 *
 * Everything (nodes, Redis, the load and the subscribers, which run in this process) shares this machine's cores: a
 * three-node cluster on a small machine measures the cost of the cluster path more than the capacity of three
 * machines. The nodes are not profiled by --cpu-prof (the benchmark is not run in a profiled run).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import { ENV_VARS } from '../packages/server/src/config.js';
import {
  appAuth,
  confToken,
  createMeeting,
  http,
  pool,
  pushUrl,
  subscribeFrame,
  wsToken,
} from './lib/chain.js';
import type { BenchContext } from './lib/context.js';
import { REPO_DIR } from './lib/ipc.js';
import { openRedis, type RedisInfo } from './lib/redis.js';

const BIN = join(REPO_DIR, 'packages', 'server', 'src', 'bin.ts');

export interface ClusterParams {
  meetings: number;
  subscribers: number;
  /** Renames per second of the latency stream. */
  rate: number;
  /** Seconds of each phase. */
  seconds: number;
  /** Closed-loop callers of the throughput phase. */
  concurrency: number;
}

export interface ClusterTopology {
  topology: string;
  store: 'sqlite' | 'redis';
  nodes: number;
  /** Why the topology has no numbers. */
  failed?: string;
  latency?: {
    p50: number;
    p99: number;
    max: number;
    samples: number;
    restP50: number;
    restP99: number;
  };
  throughput?: { renamesPerSec: number; framesPerSec: number; p50: number };
}

export interface ClusterResult {
  params: ClusterParams;
  /** The Redis server and the persistence settings that applied (absent when Redis was skipped). */
  redis?: RedisInfo;
  /** Why the Redis topologies were not measured. */
  redisSkipped?: string;
  topologies: ClusterTopology[];
}

export function clusterParams(quick: boolean): ClusterParams {
  return quick
    ? { meetings: 10, subscribers: 4, rate: 100, seconds: 2, concurrency: 16 }
    : { meetings: 20, subscribers: 6, rate: 200, seconds: 5, concurrency: 32 };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const now = (): number => performance.now();

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

// --- nodes ------------------------------------------------------------------------------------------------------

interface NodeProcess {
  child: ChildProcess;
  url: string;
}

/** The environment of a node: this one without any confpush setting (the flags say everything), plus the credential. */
function nodeEnv(credential: { appId: string; appKey: string }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.values(ENV_VARS)) delete env[name];
  return { ...env, CONFPUSH_APP_ID: credential.appId, CONFPUSH_APP_KEY: credential.appKey };
}

async function startNode(
  extra: string[],
  credential: { appId: string; appKey: string },
): Promise<NodeProcess> {
  const child = spawn(
    process.execPath,
    [
      ...['--conditions=source', '--import', 'tsx', BIN, 'serve', '--port', '0', '--host', '127.0.0.1'],
      ...['--log-level', 'warn', '--callee-answer-delay-ms', '-1', ...extra],
    ],
    { cwd: REPO_DIR, env: nodeEnv(credential), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node did not start:\n${output}`)), 30_000);
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
      const m = /listening on (\S+)/.exec(output);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`node exited with ${code}:\n${output}`));
    });
  });
  return { child, url };
}

async function stopNode(node: NodeProcess): Promise<void> {
  const { child } = node;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

// --- meetings and subscribers -----------------------------------------------------------------------------------

interface Meeting {
  id: string;
  chairPwd: string;
  pid: string;
  tel: string;
  control: string;
}

async function setUpMeeting(base: string, accessToken: string, i: number): Promise<Meeting> {
  const { conferenceID: id, chairPwd } = await createMeeting(base, accessToken, `bench ${i}`);
  const tel = `+8613${String(i).padStart(7, '0')}`;
  const joined = await http<{ pid: string }>(
    base,
    'POST',
    `/confpush/v1/media/conferences/${id}/participants`,
    {
      headers: { 'X-Access-Token': accessToken },
      body: { name: 'n0', tel },
    },
  );
  const control = (await confToken(base, id, chairPwd)).token;
  return { id, chairPwd, pid: joined.pid, tel, control };
}

/** One topology's measurement: the renames sent (name → send time and node) and the subscribers. */
class Probe {
  readonly sent = new Map<string, { at: number; node: number }>();
  frames = 0;
  readonly latencies: number[] = [];
  readonly sockets: WebSocket[] = [];
  #renames = 0;

  /** A subscriber of the meeting on the node at `base`; `counted`: its frames are latency samples. */
  async subscribe(base: string, meeting: Meeting, counted: boolean): Promise<void> {
    const { token, wsURL } = await confToken(base, meeting.id, meeting.chairPwd);
    const tmpToken = await wsToken(base, meeting.id, token);
    const socket = new WebSocket(pushUrl(wsURL, meeting.id, tmpToken));
    this.sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const subscribed = new Promise<void>((resolve, reject) => {
      socket.once('close', (code: number) =>
        reject(new Error(`push socket closed (${code}) before the full message`)),
      );
      socket.on('message', (data: Buffer) => {
        const at = now();
        const frame = JSON.parse(data.toString('utf8')) as {
          action?: string;
          msgMode?: number;
          data?: { pinfoMap?: { NAME?: string } }[];
        };
        if (frame.action !== 'ParticipantsNotify') return;
        if (frame.msgMode === 0) resolve();
        if (frame.msgMode !== 1) return;
        this.frames++;
        if (!counted) return;
        for (const item of frame.data ?? []) {
          const name = item.pinfoMap?.NAME;
          const origin = name === undefined ? undefined : this.sent.get(name);
          // Samples: changes sent to node A, seen by a subscriber of another node (or of the only node).
          if (origin && origin.node === 0) this.latencies.push(at - origin.at);
        }
      });
    });
    socket.send(subscribeFrame(token, ['ParticipantsNotify']));
    await subscribed;
  }

  /** Renames the meeting's participant through the node at `base`; resolves with the REST answer time (ms). */
  async rename(base: string, node: number, meeting: Meeting): Promise<number> {
    const name = `r${++this.#renames}`;
    const started = now();
    this.sent.set(name, { at: started, node });
    await http(base, 'PUT', `/v1/mmc/control/conferences/participants/name?conferenceID=${meeting.id}`, {
      headers: { 'X-Conference-Authorization': meeting.control },
      body: { participantID: meeting.pid, number: meeting.tel, newName: name },
    });
    return now() - started;
  }

  close(): void {
    for (const s of this.sockets) s.terminate();
  }
}

// --- measurements -----------------------------------------------------------------------------------------------

async function measure(
  p: ClusterParams,
  topology: string,
  store: 'sqlite' | 'redis',
  extra: string[],
  nodeCount: number,
): Promise<ClusterTopology> {
  const credential = { appId: randomBytes(16).toString('hex'), appKey: randomBytes(16).toString('hex') };
  const started = await Promise.allSettled(
    Array.from({ length: nodeCount }, () => startNode(extra, credential)),
  );
  const nodes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const probe = new Probe();
  try {
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    const urls = nodes.map((n) => n.url);
    const accessToken = await appAuth(urls[0]!, credential.appId, credential.appKey);
    const meetings = await pool(
      Array.from({ length: p.meetings }, (_, i) => i),
      4,
      (i) => setUpMeeting(urls[0]!, accessToken, i),
    );
    // Latency is measured at subscribers on another node than the sender (node A = 0), when there is one.
    const subscribers = meetings.flatMap((meeting, m) =>
      Array.from({ length: p.subscribers }, (_, s) => ({
        meeting,
        node: (m * p.subscribers + s) % nodeCount,
      })),
    );
    await pool(subscribers, 8, ({ meeting, node }) =>
      probe.subscribe(urls[node]!, meeting, nodeCount === 1 || node !== 0),
    );
    await sleep(300);

    // Latency: open loop, every rename to node A.
    const restTimes: number[] = [];
    const latencyStart = now();
    const total = Math.round(p.rate * p.seconds);
    const inflight: Promise<void>[] = [];
    for (let j = 0; j < total; j++) {
      const wait = latencyStart + (j * 1000) / p.rate - now();
      if (wait > 1) await sleep(wait);
      const meeting = meetings[j % meetings.length]!;
      inflight.push(probe.rename(urls[0]!, 0, meeting).then((ms) => void restTimes.push(ms)));
    }
    await Promise.all(inflight);
    await sleep(500);
    const lat = [...probe.latencies].sort((a, b) => a - b);
    const rest = restTimes.sort((a, b) => a - b);
    probe.latencies.length = 0;

    // Throughput: closed loop over every node.
    const framesBefore = probe.frames;
    let answered = 0;
    const deadline = now() + p.seconds * 1000;
    const t0 = now();
    await Promise.all(
      Array.from({ length: p.concurrency }, async (_, w) => {
        for (let i = 0; now() < deadline; i++) {
          const node = (w + i) % nodeCount;
          await probe.rename(urls[node]!, node, meetings[(w * 7 + i) % meetings.length]!);
          answered++;
        }
      }),
    );
    const elapsed = (now() - t0) / 1000;
    await sleep(1000);
    const frames = probe.frames - framesBefore;
    const loaded = [...probe.latencies].sort((a, b) => a - b);
    return {
      topology,
      store,
      nodes: nodeCount,
      latency: {
        p50: quantile(lat, 0.5),
        p99: quantile(lat, 0.99),
        max: lat.at(-1) ?? NaN,
        samples: lat.length,
        restP50: quantile(rest, 0.5),
        restP99: quantile(rest, 0.99),
      },
      throughput: {
        renamesPerSec: answered / elapsed,
        framesPerSec: frames / elapsed,
        p50: quantile(loaded, 0.5),
      },
    };
  } finally {
    probe.close();
    await Promise.all(nodes.map(stopNode));
  }
}

/** Every topology, on the Redis at `redisUrl` when given (else the one bench/lib/redis.ts chooses). */
export async function measureCluster(
  p: ClusterParams,
  log: (message: string) => void,
  redisUrl?: string,
): Promise<ClusterResult> {
  log(
    `cluster: ${p.meetings} meetings × ${p.subscribers} subscribers, latency at ${p.rate} renames/s for ${p.seconds} s, ` +
      `throughput with ${p.concurrency} callers for ${p.seconds} s`,
  );
  const result: ClusterResult = { params: p, topologies: [] };
  const dataDir = mkdtempSync(join(tmpdir(), 'confpush-bench-'));
  const one = async (
    topology: string,
    store: 'sqlite' | 'redis',
    extra: string[],
    nodes: number,
  ): Promise<void> => {
    try {
      const t = await measure(p, topology, store, extra, nodes);
      const l = t.latency!;
      const th = t.throughput!;
      log(
        `cluster ${topology}: latency p50 ${l.p50.toFixed(1)} ms p99 ${l.p99.toFixed(1)} ms (${l.samples} samples), ` +
          `${th.renamesPerSec.toFixed(0)} renames/s, ${th.framesPerSec.toFixed(0)} frames/s`,
      );
      result.topologies.push(t);
    } catch (error) {
      log(`cluster ${topology} failed: ${(error as Error).stack ?? String(error)}`);
      result.topologies.push({
        topology,
        store,
        nodes,
        failed: (error as Error).message.split('\n')[0] ?? 'failed',
      });
    }
  };
  try {
    await one('embedded SQLite, 1 node', 'sqlite', ['--data-dir', dataDir, '--sync-mode', 'full'], 1);
    const redis = await openRedis(log, redisUrl);
    if ('skipped' in redis) {
      log(`cluster: Redis topologies skipped: ${redis.skipped}`);
      result.redisSkipped = redis.skipped;
      return result;
    }
    try {
      result.redis = redis.info;
      // One prefix per topology (both under the run's prefix, which close() deletes).
      const cluster = (name: string): string[] => [
        ...['--redis-url', redis.url, '--redis-prefix', `${redis.prefix}${name}:`],
        ...['--data-dir', dataDir],
      ];
      await one('Redis, 1 node', 'redis', cluster('n1'), 1);
      await one('Redis, 3 nodes', 'redis', cluster('n3'), 3);
      await redis.recheck();
    } finally {
      await redis.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  return result;
}

export async function run(ctx: BenchContext): Promise<ClusterResult> {
  const p = clusterParams(ctx.quick);
  if (ctx.options.cpuProf) {
    ctx.log('cluster: not run in a profiled run (its nodes are `confpush serve` processes, not profiled)');
    return { params: p, topologies: [] };
  }
  return measureCluster(p, (m) => ctx.log(m));
}

// --- standalone -------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      meetings: { type: 'string' },
      subscribers: { type: 'string' },
      rate: { type: 'string' },
      seconds: { type: 'string' },
      concurrency: { type: 'string' },
      redis: { type: 'string' },
    },
  });
  const p = clusterParams(values.quick);
  for (const key of ['meetings', 'subscribers', 'rate', 'seconds', 'concurrency'] as const) {
    const v = values[key];
    if (v !== undefined) p[key] = Number(v);
  }
  const result = await measureCluster(p, (m) => console.error(m), values.redis);
  const { clusterSection } = await import('./report.js');
  console.log(clusterSection(result));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}

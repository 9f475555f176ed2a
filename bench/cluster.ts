/**
 * Cluster benchmark (a script, not a test): one node against three nodes on one Redis, measured side by side in one
 * run, with the embedded SQLite node as the reference.
 *
 *   npx tsx bench/cluster.ts [--meetings 20] [--subscribers 6] [--rate 200] [--seconds 5] [--concurrency 32]
 *                            [--redis redis://127.0.0.1:6379]
 *
 * Per topology (real `confpush serve` processes; meetings with one participant each; every meeting's subscribers
 * spread round-robin over the nodes, connected straight to their node):
 * - latency: an open-loop stream of `rate` renames per second (`PUT …/participants/name`), every one sent to node A;
 *   the time from sending it to its frame at a subscriber on another node (the same node when there is one),
 *   p50/p99/max, and the REST answer time;
 * - throughput: `concurrency` closed-loop callers spreading renames over every node for `seconds`; renames answered
 *   per second and frames delivered per second.
 *
 * Everything (nodes, Redis, the load and the subscribers) shares this machine's cores: a three-node cluster on a
 * small machine measures the cost of the cluster path more than the capacity of three machines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { WebSocket } from 'ws';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'packages', 'server', 'src', 'bin.ts');

const { values: args } = parseArgs({
  options: {
    meetings: { type: 'string', default: '20' },
    subscribers: { type: 'string', default: '6' },
    rate: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '32' },
    redis: { type: 'string', default: process.env['CONFPUSH_BENCH_REDIS_URL'] ?? 'redis://127.0.0.1:6379' },
  },
});
const MEETINGS = Number(args.meetings);
const SUBSCRIBERS = Number(args.subscribers);
const RATE = Number(args.rate);
const SECONDS = Number(args.seconds);
const CONCURRENCY = Number(args.concurrency);
const REDIS_URL = args.redis;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const now = () => performance.now();

// --- nodes ------------------------------------------------------------------------------------------------------

interface NodeProcess {
  child: ChildProcess;
  url: string;
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
    {
      cwd: ROOT,
      env: { ...process.env, CONFPUSH_APP_ID: credential.appId, CONFPUSH_APP_KEY: credential.appKey },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
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
    child.once('exit', (code) => reject(new Error(`node exited with ${code}:\n${output}`)));
  });
  return { child, url };
}

async function stopNode(node: NodeProcess): Promise<void> {
  if (node.child.exitCode !== null) return;
  const exited = new Promise((resolve) => node.child.once('exit', resolve));
  node.child.kill('SIGTERM');
  await exited;
}

// --- REST -------------------------------------------------------------------------------------------------------

async function call(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<unknown> {
  const res = await fetch(base + path, {
    method,
    headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

async function appAuth(base: string, appId: string, appKey: string): Promise<string> {
  const expireTime = Math.floor(Date.now() / 1000) + 600;
  const nonce = randomBytes(24).toString('hex');
  const signature = createHmac('sha256', appKey).update(`${appId}::${expireTime}:${nonce}`).digest('hex');
  const body = (await call(
    base,
    'POST',
    '/v2/usg/acs/auth/appauth',
    { Authorization: `HMAC-SHA256 signature=${signature},access=${Buffer.from(appId).toString('base64')}` },
    { appId, clientType: 72, expireTime, nonce },
  )) as { accessToken: string };
  return body.accessToken;
}

interface Meeting {
  id: string;
  chairPwd: string;
  pid: string;
  tel: string;
  control: string;
}

async function setUpMeeting(base: string, accessToken: string, i: number): Promise<Meeting> {
  const created = (await call(
    base,
    'POST',
    '/v1/mmc/management/conferences',
    { 'X-Access-Token': accessToken },
    { mediaTypes: 'HDVideo', subject: `bench ${i}` },
  )) as { conferenceID: string; passwordEntry: { conferenceRole: string; password: string }[] }[];
  const id = created[0]!.conferenceID;
  const chairPwd = created[0]!.passwordEntry.find((p) => p.conferenceRole === 'chair')!.password;
  const tel = `+8613${String(i).padStart(7, '0')}`;
  const joined = (await call(
    base,
    'POST',
    `/confpush/v1/media/conferences/${id}/participants`,
    { 'X-Access-Token': accessToken },
    { name: 'n0', tel },
  )) as { pid: string };
  const control = (await controlToken(base, id, chairPwd)).token;
  return { id, chairPwd, pid: joined.pid, tel, control };
}

async function controlToken(
  base: string,
  id: string,
  pwd: string,
): Promise<{ token: string; wsURL: string }> {
  const body = (await call(base, 'GET', `/v1/mmc/control/conferences/token?conferenceID=${id}`, {
    'X-Password': pwd,
    'X-Login-Type': '1',
  })) as { data: { token: string; wsURL: string } };
  return body.data;
}

// --- subscribers ------------------------------------------------------------------------------------------------

/** Sent renames: name → send time (ms), and the node it was sent to. */
const sent = new Map<string, { at: number; node: number }>();

class Probe {
  frames = 0;
  readonly latencies: number[] = [];
  readonly sockets: WebSocket[] = [];

  /** A subscriber of the meeting on the node at `base`; `counted`: its frames are latency samples. */
  async subscribe(base: string, meeting: Meeting, counted: boolean) {
    const { token, wsURL } = await controlToken(base, meeting.id, meeting.chairPwd);
    const ws = (await call(base, 'GET', `/v1/mmc/control/conferences/wsToken?conferenceID=${meeting.id}`, {
      'X-Conference-Authorization': token,
    })) as { webSocketToken: string };
    const socket = new WebSocket(
      `${wsURL}/cms/open/websocket/confctl/increment/conn?confID=${meeting.id}&tmpToken=${ws.webSocketToken}`,
    );
    this.sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const subscribed = new Promise<void>((resolve) => {
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
        for (const item of frame.data ?? []) {
          const name = item.pinfoMap?.NAME;
          const origin = name === undefined ? undefined : sent.get(name);
          // Samples: changes sent to node A, seen by a subscriber of another node (or of the only node).
          if (origin && origin.node === 0 && counted) this.latencies.push(at - origin.at);
        }
      });
    });
    socket.send(
      JSON.stringify({
        sequence: '1',
        action: 'Subscribe',
        data: JSON.stringify({ subscribeType: ['ParticipantsNotify'], confToken: token }),
      }),
    );
    await subscribed;
  }

  close(): void {
    for (const s of this.sockets) s.terminate();
  }
}

// --- measurements -----------------------------------------------------------------------------------------------

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

let renames = 0;
async function rename(base: string, node: number, meeting: Meeting): Promise<number> {
  const name = `r${++renames}`;
  const started = now();
  sent.set(name, { at: started, node });
  await call(
    base,
    'PUT',
    `/v1/mmc/control/conferences/participants/name?conferenceID=${meeting.id}`,
    { 'X-Conference-Authorization': meeting.control },
    { participantID: meeting.pid, number: meeting.tel, newName: name },
  );
  return now() - started;
}

interface Result {
  topology: string;
  nodes: number;
  latency: { p50: number; p99: number; max: number; samples: number; restP50: number; restP99: number };
  throughput: { renamesPerSec: number; framesPerSec: number; p50: number };
}

async function measure(topology: string, extra: string[], nodeCount: number): Promise<Result> {
  const credential = { appId: randomBytes(16).toString('hex'), appKey: randomBytes(16).toString('hex') };
  const nodes: NodeProcess[] = [];
  for (let i = 0; i < nodeCount; i++) nodes.push(await startNode(extra, credential));
  const urls = nodes.map((n) => n.url);
  try {
    const accessToken = await appAuth(urls[0]!, credential.appId, credential.appKey);
    const meetings: Meeting[] = [];
    for (let i = 0; i < MEETINGS; i++) meetings.push(await setUpMeeting(urls[0]!, accessToken, i));
    // Latency is measured at subscribers on another node than the sender (node A = 0), when there is one.
    const probe = new Probe();
    let k = 0;
    for (const meeting of meetings) {
      for (let s = 0; s < SUBSCRIBERS; s++) {
        const node = k++ % nodeCount;
        await probe.subscribe(urls[node]!, meeting, nodeCount === 1 || node !== 0);
      }
    }
    await sleep(300);

    // Latency: open loop, every rename to node A.
    const restTimes: number[] = [];
    const latencyStart = now();
    const total = Math.round(RATE * SECONDS);
    const inflight: Promise<void>[] = [];
    for (let j = 0; j < total; j++) {
      const due = latencyStart + (j * 1000) / RATE;
      const wait = due - now();
      if (wait > 1) await sleep(wait);
      const meeting = meetings[j % meetings.length]!;
      inflight.push(rename(urls[0]!, 0, meeting).then((ms) => void restTimes.push(ms)));
    }
    await Promise.all(inflight);
    await sleep(500);
    const lat = [...probe.latencies].sort((a, b) => a - b);
    const rest = restTimes.sort((a, b) => a - b);
    probe.latencies.length = 0;

    // Throughput: closed loop over every node.
    const framesBefore = probe.frames;
    let answered = 0;
    const deadline = now() + SECONDS * 1000;
    const started = now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async (_, w) => {
        for (let i = 0; now() < deadline; i++) {
          const node = (w + i) % nodeCount;
          await rename(urls[node]!, node, meetings[(w * 7 + i) % meetings.length]!);
          answered++;
        }
      }),
    );
    const elapsed = (now() - started) / 1000;
    await sleep(1000);
    const frames = probe.frames - framesBefore;
    const loaded = [...probe.latencies].sort((a, b) => a - b);
    probe.close();
    return {
      topology,
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
    for (const node of nodes) await stopNode(node);
  }
}

async function main(): Promise<void> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  const prefix = `bench:${randomBytes(4).toString('hex')}:`;
  const dataDir = mkdtempSync(join(tmpdir(), 'confpush-bench-'));
  const cluster = ['--redis-url', REDIS_URL, '--redis-prefix', prefix];
  console.log(
    `cluster benchmark: ${cpus().length} CPUs, ${MEETINGS} meetings × ${SUBSCRIBERS} subscribers, latency at ${RATE} renames/s for ${SECONDS} s, throughput with ${CONCURRENCY} callers for ${SECONDS} s`,
  );
  const results: Result[] = [];
  try {
    results.push(await measure('embedded SQLite, 1 node', ['--data-dir', dataDir, '--sync-mode', 'full'], 1));
    results.push(await measure('Redis, 1 node', [...cluster, '--data-dir', dataDir], 1));
    results.push(await measure('Redis, 3 nodes', [...cluster, '--data-dir', dataDir], 3));
  } finally {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
    await redis.quit();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const f = (n: number) => (Number.isNaN(n) ? '—' : n.toFixed(1));
  console.log('');
  console.log(
    '| topology | latency p50 ms | p99 ms | max ms | REST p50 ms | REST p99 ms | renames/s | frames/s | p50 under load ms |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of results) {
    console.log(
      `| ${r.topology} | ${f(r.latency.p50)} | ${f(r.latency.p99)} | ${f(r.latency.max)} | ${f(r.latency.restP50)} | ${f(r.latency.restP99)} | ${r.throughput.renamesPerSec.toFixed(0)} | ${r.throughput.framesPerSec.toFixed(0)} | ${f(r.throughput.p50)} |`,
    );
  }
  const [sqlite, one, three] = results;
  if (sqlite && one && three) {
    console.log('');
    console.log(
      `3 nodes / 1 node (Redis): throughput ×${(three.throughput.renamesPerSec / one.throughput.renamesPerSec).toFixed(2)}, ` +
        `cross-node latency p50 ×${(three.latency.p50 / one.latency.p50).toFixed(2)}; ` +
        `Redis 1 node / SQLite: throughput ×${(one.throughput.renamesPerSec / sqlite.throughput.renamesPerSec).toFixed(2)}`,
    );
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);

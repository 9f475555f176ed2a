/**
 * A load-generator process holding raw `ws` client sockets: to the bare ws server (`?room=`) or to confpush (the
 * real chain: a WebSocket token per socket over REST, connect, Subscribe, wait for the full messages). The same
 * client code counts frames for both, so the only difference measured is the server.
 *
 * Modes:
 * - count: frames and bytes are counted, nothing is parsed (fan-out throughput);
 * - track: every frame is parsed; incremental ParticipantsNotify arrivals are time-stamped per change key
 *   `confID|pid|k` (the k-th change of that participant seen by this socket), for latency, and each socket checks
 *   its stream positions (every incremental is `seq + 1`, or a full message restarts the stream).
 */
import { WebSocket } from 'ws';
import { pool, pushUrl, subscribeFrame, wsToken } from '../lib/chain.js';
import { emit, nowMs, serve } from '../lib/ipc.js';

interface Target {
  confId: string;
  token: string;
  wsURL: string;
}

interface Position {
  epoch: string;
  seq: number;
}

class Client {
  ws: WebSocket | undefined;
  frames = 0;
  bytes = 0;
  /** Stream positions per category (track mode and resume). */
  readonly positions = new Map<string, Position>();
  /** confID|pid → changes of it seen (track mode). */
  readonly seen = new Map<string, number>();
  gaps = 0;
  fulls = 0;
  subscribed = false;
  delivery: Record<string, string> = {};
  nextToken = '';

  constructor(
    readonly index: number,
    readonly target: Target | undefined,
    readonly url: string,
  ) {}
}

let clients: Client[] = [];
let mode: 'count' | 'track' = 'count';
let base = '';
let expected = 0;
let total = 0;
let totalBytes = 0;
let tLast = 0;
let armed = false;
/** Track mode: arrival keys and times. */
let arrivalKeys: string[] = [];
let arrivalTimes: number[] = [];
/** Resume: target seq per category; clients not yet there. */
let targetSeq: Record<string, number> | undefined;
let behind = 0;
let onCaughtUp: (() => void) | undefined;

function upToDate(c: Client): boolean {
  if (!targetSeq) return false;
  for (const [cat, seq] of Object.entries(targetSeq))
    if ((c.positions.get(cat)?.seq ?? -1) !== seq) return false;
  return true;
}

function onFrame(c: Client, data: Buffer): void {
  c.frames++;
  c.bytes += data.length;
  total++;
  totalBytes += data.length;
  if (armed) {
    if (total >= expected) {
      tLast = nowMs();
      armed = false;
      emit('done', { tLast, frames: total, bytes: totalBytes });
    }
  }
  if (mode === 'count' && c.subscribed) return;
  const t = nowMs();
  const f = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
  const action = f['action'];
  if (action === 'Subscribe') {
    const d = f['data'] as { returnCode: number; streams?: Record<string, Position & { delivery: string }> };
    if (d.returnCode !== 0) throw new Error(`Subscribe refused: ${JSON.stringify(d)}`);
    // A resumed stream keeps the position this socket holds (the replay follows); a full one is reset by the
    // full message that follows.
    for (const [cat, s] of Object.entries(d.streams ?? {})) c.delivery[cat] = s.delivery;
    return;
  }
  if (typeof action !== 'string' || action === 'HeartBeat' || action === 'ConfControl') return;
  const pos = c.positions.get(action);
  if (f['msgMode'] === 0) {
    c.fulls++;
    c.positions.set(action, { epoch: String(f['epoch'] ?? ''), seq: Number(f['seq'] ?? 0) });
  } else {
    const version = Number(f['version']);
    if (pos && version !== pos.seq + 1) c.gaps++;
    c.positions.set(action, { epoch: pos?.epoch ?? '', seq: version });
    if (action === 'ParticipantsNotify' && mode === 'track') {
      const confId = String(f['confID']);
      for (const item of f['data'] as { pid: string }[]) {
        const key = `${confId}|${item.pid}`;
        const k = (c.seen.get(key) ?? 0) + 1;
        c.seen.set(key, k);
        arrivalKeys.push(`${key}|${k}`);
        arrivalTimes.push(t);
      }
    }
  }
  if (targetSeq && !c.subscribed && upToDate(c)) {
    c.subscribed = true;
    behind--;
    if (behind === 0) onCaughtUp?.();
  }
}

function open(c: Client, url: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    c.ws = ws;
    ws.on('message', (data: Buffer) => onFrame(c, data));
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.on('close', () => {
      if (c.ws === ws) c.ws = undefined;
    });
  });
}

/** Waits until `c` has received at least `n` frames. */
async function waitFrames(c: Client, n: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (c.frames < n) {
    if (Date.now() > deadline) throw new Error(`socket ${c.index}: ${c.frames}/${n} frames`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function connectConfpush(args: {
  base: string;
  targets: Target[];
  assign: number[];
  categories: string[];
  concurrency?: number;
}): Promise<{ sockets: number; ms: number }> {
  base = args.base;
  const t0 = nowMs();
  const fresh = args.assign.map((ti, i) => new Client(clients.length + i, args.targets[ti]!, ''));
  clients.push(...fresh);
  await pool(fresh, args.concurrency ?? 64, async (c) => {
    const t = c.target!;
    const tmp = await wsToken(base, t.confId, t.token);
    await open(c, pushUrl(t.wsURL, t.confId, tmp));
    c.ws!.send(subscribeFrame(t.token, args.categories));
    await waitFrames(c, 1 + args.categories.length);
    c.subscribed = true;
  });
  return { sockets: clients.length, ms: nowMs() - t0 };
}

async function connectWs(args: { url: string; rooms: number[]; concurrency?: number }): Promise<{
  sockets: number;
  ms: number;
}> {
  const t0 = nowMs();
  const fresh = args.rooms.map(
    (room, i) => new Client(clients.length + i, undefined, `${args.url}/?room=${room}`),
  );
  clients.push(...fresh);
  await pool(fresh, args.concurrency ?? 64, async (c) => {
    await open(c, c.url);
    c.subscribed = true;
  });
  return { sockets: clients.length, ms: nowMs() - t0 };
}

/** Connects confpush sockets without subscribing (the subscribe storm sends them all at once later). */
async function connectIdle(args: {
  base: string;
  targets: Target[];
  assign: number[];
}): Promise<{ sockets: number }> {
  base = args.base;
  const fresh = args.assign.map((ti, i) => new Client(clients.length + i, args.targets[ti]!, ''));
  clients.push(...fresh);
  await pool(fresh, 64, async (c) => {
    const t = c.target!;
    await open(c, pushUrl(t.wsURL, t.confId, await wsToken(base, t.confId, t.token)));
  });
  return { sockets: clients.length };
}

/**
 * Every idle socket subscribes at once; resolves when each has its reply and `fulls` full messages, with the time
 * of the last frame and the bytes received.
 */
async function storm(args: { categories: string[] }): Promise<{ t0: number; tLast: number; bytes: number }> {
  for (const c of clients) {
    c.frames = 0;
    c.bytes = 0;
  }
  const t0 = nowMs();
  for (const c of clients) c.ws!.send(subscribeFrame(c.target!.token, args.categories));
  let tLast = t0;
  await Promise.all(
    clients.map(async (c) => {
      await waitFrames(c, 1 + args.categories.length, 120_000);
      tLast = Math.max(tLast, nowMs());
      c.subscribed = true;
    }),
  );
  return { t0, tLast, bytes: clients.reduce((s, c) => s + c.bytes, 0) };
}

serve(
  {
    connectConfpush,
    connectWs,
    connectIdle,
    storm,
    setMode: (args: { mode: 'count' | 'track' }) => {
      mode = args.mode;
      arrivalKeys = [];
      arrivalTimes = [];
      for (const c of clients) {
        c.gaps = 0;
        c.fulls = 0;
        c.seen.clear();
      }
      return { sockets: clients.length };
    },
    /** Emits `done` once every socket together has received `perSocket` more frames each. */
    arm: (args: { perSocket: number }) => {
      expected = args.perSocket * clients.length;
      total = 0;
      totalBytes = 0;
      armed = expected > 0;
      return { expected };
    },
    counts: () => ({
      frames: total,
      bytes: totalBytes,
      open: clients.filter((c) => c.ws?.readyState === WebSocket.OPEN).length,
    }),
    /**
     * Track mode: joins this process's arrivals with the driver's accepted times; returns the latencies (ms) of
     * changes whose key is at index ≥ `fromIndex` of the driver's list (warm-up excluded).
     */
    latencies: (args: { keys: string[]; times: Float64Array; fromIndex: number }) => {
      const at = new Map<string, number>();
      for (let i = args.fromIndex; i < args.keys.length; i++) at.set(args.keys[i]!, args.times[i]!);
      const out = new Float64Array(arrivalKeys.length);
      let n = 0;
      let unmatched = 0;
      for (let i = 0; i < arrivalKeys.length; i++) {
        const t0 = at.get(arrivalKeys[i]!);
        if (t0 === undefined) unmatched++;
        else out[n++] = arrivalTimes[i]! - t0;
      }
      const gaps = clients.reduce((s, c) => s + c.gaps, 0);
      const fulls = clients.reduce((s, c) => s + c.fulls, 0);
      const closed = clients.filter((c) => c.ws?.readyState !== WebSocket.OPEN).length;
      return { latencies: out.slice(0, n), unmatched, gaps, fulls, closed };
    },
    /** Track mode: the ParticipantsNotify position of every socket, for the correctness check after an overload. */
    pnPositions: () => clients.map((c) => c.positions.get('ParticipantsNotify')?.seq ?? -1),
    /** Resume benchmark: drop every socket (the client side of an outage). */
    drop: () => {
      for (const c of clients) {
        c.ws?.terminate();
        c.ws = undefined;
      }
      return { dropped: clients.length };
    },
    /** Fetch one fresh WebSocket token per socket (before the clock starts: the same for both strategies). */
    prefetch: async () => {
      await pool(clients, 64, async (c) => {
        c.nextToken = await wsToken(base, c.target!.confId, c.target!.token);
      });
      return { tokens: clients.length };
    },
    /**
     * Reconnect every socket and subscribe again, with `resume` positions or without; resolves once every socket is
     * at `target` for every category, with the bytes and frames that took.
     */
    reconnect: async (args: { categories: string[]; resume: boolean; target: Record<string, number> }) => {
      mode = 'track';
      targetSeq = args.target;
      behind = clients.length;
      for (const c of clients) {
        c.subscribed = false;
        c.frames = 0;
        c.bytes = 0;
        c.delivery = {};
        // A client that does not resume knows nothing: it is up to date once its full messages arrived.
        if (!args.resume) c.positions.clear();
      }
      const caughtUp = new Promise<void>((r) => (onCaughtUp = r));
      const t0 = nowMs();
      await pool(clients, 256, async (c) => {
        const t = c.target!;
        await open(c, pushUrl(t.wsURL, t.confId, c.nextToken));
        const resume: Record<string, Position> = {};
        for (const cat of args.categories) {
          const p = c.positions.get(cat);
          if (p) resume[cat] = p;
        }
        c.ws!.send(subscribeFrame(t.token, args.categories, args.resume ? { resume } : {}));
      });
      await caughtUp;
      const tDone = nowMs();
      targetSeq = undefined;
      onCaughtUp = undefined;
      let resumed = 0;
      for (const c of clients) for (const d of Object.values(c.delivery)) if (d === 'resumed') resumed++;
      return {
        ms: tDone - t0,
        bytes: clients.reduce((s, c) => s + c.bytes, 0),
        frames: clients.reduce((s, c) => s + c.frames, 0),
        resumedStreams: resumed,
      };
    },
    close: async () => {
      for (const c of clients) c.ws?.terminate();
      clients = [];
      return {};
    },
  },
  () => {
    for (const c of clients) c.ws?.terminate();
  },
);

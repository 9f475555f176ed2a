/**
 * Benchmark 3 — memory per idle subscribed connection: RSS and V8 heap (after full garbage collections) of the
 * server process with N idle sockets, minus the same process after a warm-up (500 sockets connected and closed)
 * and before the measured sockets connected, divided by N; and the
 * marginal RSS per connection between consecutive sizes (RSS from a fresh baseline is distorted: the first
 * connections reuse pages that start-up garbage left resident). confpush
 * sockets hold a subscription to every category of one meeting (10 participants, 10 attendees); the bare ws
 * server holds the same number of idle sockets in one room; Socket.IO (for reference) the same in one room.
 * The three servers are filled side by side, 1k → 5k → 10k.
 */
import { join } from 'node:path';
import { PUSH_CATEGORIES } from '@confpush/protocol';
import { shares, stopAll, type BenchContext, type ServerKind } from './lib/context.js';
import type { Child } from './lib/ipc.js';

export interface MemoryPoint {
  target: ServerKind;
  n: number;
  rssPerConn: number;
  heapPerConn: number;
  /** heapUsed + external (ws and socket buffers live outside the V8 heap). */
  heapExternalPerConn: number;
  rss: number;
  heapUsed: number;
  /** RSS growth per connection from the previous size to this one (less distorted by pages freed at start-up). */
  rssMarginal?: number;
}

export interface MemoryResult {
  sizes: number[];
  baseline: Record<string, { rss: number; heapUsed: number }>;
  points: MemoryPoint[];
}

interface Held {
  target: ServerKind;
  server: Child;
  clients: Child[];
  base: NodeJS.MemoryUsage;
  url: string;
  meetings?: { confId: string; token: string; wsURL: string }[];
  connected: number;
  last?: NodeJS.MemoryUsage;
}

const WARM_UP = 500;

/** Opens `more` idle sockets to the server (confpush: subscribed to every category), spread over the clients. */
async function connect(h: Held, more: number): Promise<void> {
  const parts = shares(
    Array.from({ length: more }, () => 0),
    h.clients.length,
  );
  await Promise.all(
    parts.map((assign, i) =>
      h.target === 'confpush'
        ? h.clients[i]!.call('connectConfpush', {
            base: h.url,
            targets: h.meetings,
            assign,
            categories: PUSH_CATEGORIES,
          })
        : h.clients[i]!.call('connectWs', { url: h.url, rooms: assign }),
    ),
  );
}

export async function run(ctx: BenchContext): Promise<MemoryResult> {
  // CONFPUSH_BENCH_HEAP_DIR=dir: also write a heap snapshot of each server before any socket and at every size;
  // `node --import tsx bench/lib/heap-diff.ts dir/confpush-0.heapsnapshot dir/confpush-1000.heapsnapshot 1000` shows
  // what one connection holds, by object kind.
  const heapDir = process.env.CONFPUSH_BENCH_HEAP_DIR;
  const sizes = ctx.quick ? [500, 1500] : [1000, 5000, 10000];
  const targets: ServerKind[] = ['bare-ws', 'confpush', 'socketio'];
  const held: Held[] = [];
  const points: MemoryPoint[] = [];
  const baseline: MemoryResult['baseline'] = {};
  try {
    for (const target of targets) {
      const server = await ctx.server(target, `memory-${target}`);
      const { url } = await server.call<{ url: string }>('start', { syncMode: 'full' });
      let meetings: Held['meetings'];
      if (target === 'confpush') {
        ({ meetings } = await server.call<{ meetings: NonNullable<Held['meetings']> }>('setup', {
          count: 1,
          participants: 10,
          attendees: 10,
        }));
      } else {
        await server.call('setFrame', { bytes: Buffer.from('{"action":"ParticipantsNotify"}') });
      }
      const clients = await ctx.clients(target === 'socketio' ? 'sio' : 'ws');
      // Warm-up, every server alike: connect and close WARM_UP sockets before the baseline, so that it already holds
      // the code the connection path compiles and the pools it fills; what the sizes add is then per connection.
      const warm: Held = { target, server, clients, base: process.memoryUsage(), url, connected: 0 };
      if (meetings) warm.meetings = meetings;
      await connect(warm, WARM_UP);
      await Promise.all(clients.map((c) => c.call('close')));
      await new Promise((r) => setTimeout(r, 1000));
      const base = await server.call<NodeJS.MemoryUsage>('mem');
      if (heapDir) await server.call('heapSnapshot', { file: join(heapDir, `${target}-0.heapsnapshot`) });
      baseline[target] = { rss: base.rss, heapUsed: base.heapUsed };
      held.push({ target, server, clients, base, url, ...(meetings ? { meetings } : {}), connected: 0 });
    }
    for (const n of sizes) {
      for (const h of held) {
        const more = n - h.connected;
        await connect(h, more);
        const previous = h.connected;
        h.connected = n;
        await new Promise((r) => setTimeout(r, 500));
        const m = await h.server.call<NodeJS.MemoryUsage>('mem');
        const p: MemoryPoint = {
          target: h.target,
          n,
          rssPerConn: (m.rss - h.base.rss) / n,
          heapPerConn: (m.heapUsed - h.base.heapUsed) / n,
          heapExternalPerConn: (m.heapUsed + m.external - h.base.heapUsed - h.base.external) / n,
          rss: m.rss,
          heapUsed: m.heapUsed,
          ...(h.last && previous > 0 ? { rssMarginal: (m.rss - h.last.rss) / more } : {}),
        };
        h.last = m;
        if (heapDir)
          await h.server.call('heapSnapshot', { file: join(heapDir, `${h.target}-${n}.heapsnapshot`) });
        ctx.log(
          `memory ${h.target} ${n}: ${(p.rssPerConn / 1024).toFixed(1)} KiB RSS, ${(p.heapPerConn / 1024).toFixed(1)} KiB heap per connection`,
        );
        points.push(p);
      }
    }
  } finally {
    await stopAll(held.flatMap((h) => [...h.clients, h.server]));
  }
  return { sizes, baseline, points };
}

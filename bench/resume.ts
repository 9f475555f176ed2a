/**
 * Benchmark 6 — resume vs rebuild: the bytes and the time it takes to bring 1,000 reconnecting clients up to date
 * after a 5-second outage, with resume (Subscribe `resume` positions: the missed incrementals are replayed) and
 * with full messages (a client that knows nothing of the extension).
 *
 * One meeting of 1,000 members (1,000 online participants, 1,000 invited attendees); 1,000 sockets subscribed to
 * ParticipantsNotify and AttendeesNotify. Outage: every socket is dropped, the meeting keeps changing (mute and
 * hand toggles, 50 changes/s for 5 s), then every client reconnects at once. WebSocket tokens are fetched before
 * the clock starts (the same REST cost for both strategies); the time runs from the first reconnect to the last
 * client at the newest position of both streams.
 */
import { shares, stopAll, type BenchContext } from './lib/context.js';
import type { Child } from './lib/ipc.js';

export interface ResumeRun {
  strategy: 'resume' | 'full';
  clients: number;
  missedChanges: number;
  ms: number;
  bytes: number;
  frames: number;
  resumedStreams: number;
  serverCpuSec: number;
}

export interface ResumeResult {
  members: number;
  outageSeconds: number;
  changeRate: number;
  categories: string[];
  runs: ResumeRun[];
}

export async function run(ctx: BenchContext): Promise<ResumeResult> {
  const members = 1000;
  const n = ctx.quick ? 200 : 1000;
  const outageSeconds = ctx.quick ? 2 : 5;
  const changeRate = 50;
  const categories = ['ParticipantsNotify', 'AttendeesNotify'];
  const runs: ResumeRun[] = [];
  const server = await ctx.server('confpush', 'resume');
  let clients: Child[] = [];
  try {
    const { url } = await server.call<{ url: string }>('start', { syncMode: 'full' });
    const { meetings } = await server.call<{ meetings: { confId: string; token: string; wsURL: string }[] }>(
      'setup',
      { count: 1, participants: members, attendees: members },
    );
    const confId = meetings[0]!.confId;
    clients = await ctx.clients('ws');
    await Promise.all(
      shares(
        Array.from({ length: n }, () => 0),
        clients.length,
      ).map((assign, i) =>
        clients[i]!.call('connectConfpush', { base: url, targets: meetings, assign, categories }),
      ),
    );
    for (const strategy of ['resume', 'full', 'resume', 'full'] as const) {
      await Promise.all(clients.map((c) => c.call('drop')));
      const { changes } = await server.call<{ changes: number }>('drive', {
        confIndex: 0,
        rate: changeRate,
        durationMs: outageSeconds * 1000,
      });
      const pos = await server.call<Record<string, { seq: number }>>('positions', { confId });
      const target = Object.fromEntries(categories.map((c) => [c, pos[c]!.seq]));
      await Promise.all(clients.map((c) => c.call('prefetch')));
      const cpu0 = await server.call<NodeJS.CpuUsage>('cpu');
      const parts = await Promise.all(
        clients.map((c) =>
          c.call<{ ms: number; bytes: number; frames: number; resumedStreams: number }>('reconnect', {
            categories,
            resume: strategy === 'resume',
            target,
          }),
        ),
      );
      const cpu1 = await server.call<NodeJS.CpuUsage>('cpu');
      const r: ResumeRun = {
        strategy,
        clients: n,
        missedChanges: changes,
        ms: Math.max(...parts.map((p) => p.ms)),
        bytes: parts.reduce((s, p) => s + p.bytes, 0),
        frames: parts.reduce((s, p) => s + p.frames, 0),
        resumedStreams: parts.reduce((s, p) => s + p.resumedStreams, 0),
        serverCpuSec: (cpu1.user - cpu0.user + cpu1.system - cpu0.system) / 1e6,
      };
      ctx.log(
        `resume (${strategy}): ${r.ms.toFixed(0)} ms, ${(r.bytes / 1e6).toFixed(1)} MB, ${r.frames} frames, ` +
          `${r.resumedStreams} streams resumed`,
      );
      runs.push(r);
    }
  } finally {
    await stopAll([...clients, server]);
  }
  return { members, outageSeconds, changeRate, categories, runs };
}

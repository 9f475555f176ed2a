/**
 * Benchmark 4 — snapshots: the time to build and encode a full ParticipantsNotify and AttendeesNotify
 * (`CategoryReplica.snapshot()` + JSON + Buffer, hub/encode.ts `encodeFull`) for meetings of 100 … 10,000 members
 * (as many invited attendees as online participants), median of repeated runs inside the server process; then a
 * subscribe storm: 1,000 sockets, already connected, all send Subscribe for both categories of one 3,000-member
 * meeting at once. The full message of one stream position must be encoded once, not once per subscriber: the hub's
 * `framesEncoded` counter is read before and after.
 */
import { shares, stopAll, type BenchContext } from './lib/context.js';
import type { Child } from './lib/ipc.js';
import { fmtInt } from './lib/stats.js';

/** Warm: items whose JSON the encoder cached; cold (absent in results before it was measured): every item serialized. */
export interface EncodeTiming {
  medianMs: number;
  minMs: number;
  maxMs: number;
  coldMedianMs?: number;
  bytes: number;
}

export interface SnapshotPoint {
  members: number;
  setupMs: number;
  participants: EncodeTiming;
  attendees: EncodeTiming;
}

export interface StormResult {
  members: number;
  subscribers: number;
  categories: string[];
  encodes: number;
  ms: number;
  bytes: number;
}

export interface SnapshotResult {
  points: SnapshotPoint[];
  storm?: StormResult;
}

export async function run(ctx: BenchContext): Promise<SnapshotResult> {
  const sizes = ctx.quick ? [100, 1000, 3000] : [100, 1000, 3000, 10000];
  const stormMembers = 3000;
  const stormSubscribers = ctx.quick ? 200 : 1000;
  const points: SnapshotPoint[] = [];
  let storm: StormResult | undefined;
  const server = await ctx.server('confpush', 'snapshot');
  let clients: Child[] = [];
  try {
    const { url } = await server.call<{ url: string }>('start', { syncMode: 'full' });
    let stormMeeting: { confId: string; token: string; wsURL: string } | undefined;
    for (const members of sizes) {
      const r = await server.call<{
        confId: string;
        token: string;
        wsURL: string;
        setupMs: number;
        encode: Record<string, SnapshotPoint['participants']>;
        window: [number, number];
      }>('snapshot', { members, runs: members >= 10000 ? 9 : 21 });
      const p: SnapshotPoint = {
        members,
        setupMs: r.setupMs,
        participants: r.encode['ParticipantsNotify']!,
        attendees: r.encode['AttendeesNotify']!,
      };
      ctx.log(
        `snapshot ${members}: ParticipantsNotify ${p.participants.medianMs.toFixed(2)} ms (${p.participants.bytes} B), ` +
          `AttendeesNotify ${p.attendees.medianMs.toFixed(2)} ms (${p.attendees.bytes} B)`,
      );
      points.push(p);
      if (members === stormMembers) {
        stormMeeting = r;
        ctx.markProfile('snapshot', 'snapshot', `encodeFull of both lists, ${fmtInt(members)} members`, [
          r.window,
        ]);
      }
    }
    if (stormMeeting) {
      clients = await ctx.clients('ws');
      const categories = ['ParticipantsNotify', 'AttendeesNotify'];
      await Promise.all(
        shares(
          Array.from({ length: stormSubscribers }, () => 0),
          clients.length,
        ).map((assign, i) => clients[i]!.call('connectIdle', { base: url, targets: [stormMeeting], assign })),
      );
      const before = await server.call<{ framesEncoded: number }>('stats');
      ctx.log(
        `subscribe storm: ${stormSubscribers} sockets subscribe to a ${stormMembers}-member meeting at once`,
      );
      const parts = await Promise.all(
        clients.map((c) => c.call<{ t0: number; tLast: number; bytes: number }>('storm', { categories })),
      );
      const after = await server.call<{ framesEncoded: number }>('stats');
      storm = {
        members: stormMembers,
        subscribers: stormSubscribers,
        categories,
        encodes: after.framesEncoded - before.framesEncoded,
        ms: Math.max(...parts.map((p) => p.tLast)) - Math.min(...parts.map((p) => p.t0)),
        bytes: parts.reduce((s, p) => s + p.bytes, 0),
      };
      ctx.log(`  ${storm.encodes} encodes, ${storm.ms.toFixed(0)} ms, ${(storm.bytes / 1e6).toFixed(0)} MB`);
    }
  } finally {
    await stopAll([...clients, server]);
  }
  return { points, ...(storm ? { storm } : {}) };
}

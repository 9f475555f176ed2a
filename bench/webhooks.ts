/**
 * Benchmark 8 — webhook delivery throughput (`npm run bench -- --only webhooks`, or alone:
 * `node --conditions=source --import tsx bench/webhooks.ts [--meetings 100] [--per-meeting 40] [--sync full|normal]
 * [--in-flight N]`).
 *
 * One node on the embedded SQLite store and a local HTTPS receiver (certificate made with openssl, as in the tests) that answers 200
 * and checks each meeting's order. 100 meetings in progress; every meeting gets `per-meeting` participants joining
 * (one `meeting.join` each) through the engine as fast as it takes them. Reports sustained deliveries per second
 * (first commit to last delivery) and whether any meeting's events arrived out of order. The receiver runs in the
 * node's process (they share its CPU). Meanwhile a WebSocket subscriber of one more meeting measures the socket-push
 * latency of a change (`lib/push-probe.ts`), reported with webhooks idle vs delivering, side by side.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { createMeeting } from './lib/chain.js';
import { benchAdmin } from './lib/admin.js';
import type { BenchContext } from './lib/context.js';
import { PushProbe, summarize, type LatencySummary } from './lib/push-probe.js';
import { startReceiver, type ReceiverPlace } from './lib/webhook-receiver.js';
import { resolveConfig } from '../packages/server/src/config.js';
import { ConfpushNode } from '../packages/server/src/node.js';
import { selfSignedIn } from '../packages/server/test/support/openssl-certificate.js';

export interface WebhooksResult {
  meetings: number;
  perMeeting: number;
  sync: string;
  /** Where the receiver ran: in the bench's thread, sharing the node's event loop, or in a worker thread. */
  receiver?: ReceiverPlace;
  /** The same run with the receiver in the node's thread (as measured before the receiver had its own). */
  inline?: WebhooksResult;
  /**
   * Deliveries/s of each of the repeated runs with the receiver in a worker thread, ascending; the result is the
   * median one (a run lasts about 2 s, and single runs on 2 shared cores vary by ±15 %).
   */
  repeats?: number[];
  deliveries: number;
  committedMs: number;
  ms: number;
  deliveriesPerSecond: number;
  /** CPU time of the process (node, receiver and joins) over that time, in % of one core. */
  cpuPercent?: number;
  outOfOrder: number;
  /** Repeated attempts the receiver had already answered (same X-Request-ID; at least once), not counted above. */
  duplicates: number;
  /**
   * Socket-push latency (ms) of one subscriber of another meeting, one change at a time: with webhooks idle (after
   * everything was delivered), while the joins are committed and delivered, and while only delivering (the joins
   * are all committed, deliveries still flow); `p99Ratio` = delivering p99 / idle p99.
   */
  push?: {
    idle: LatencySummary;
    committing: LatencySummary;
    delivering: LatencySummary;
    p99Ratio: number;
    /** Share of the delivering phase the node's event loop was busy (`performance.eventLoopUtilization`). */
    deliveringLoopUtilization?: number;
    /** The same with webhooks idle: the probe's own changes (each commit's fsync holds the loop). */
    idleLoopUtilization?: number;
  };
}

const REPEATS = 3;

export async function run(ctx: BenchContext): Promise<WebhooksResult> {
  const perMeeting = ctx.quick ? 10 : 40;
  const inline = await measure(100, perMeeting, 'full', 'inline');
  ctx.log(JSON.stringify(inline));
  const runs: WebhooksResult[] = [];
  for (let i = 0; i < REPEATS; i++) {
    runs.push(await measure(100, perMeeting, 'full', 'thread'));
    ctx.log(JSON.stringify(runs[i]));
  }
  runs.sort((a, b) => a.deliveriesPerSecond - b.deliveriesPerSecond);
  const median = runs[Math.floor(REPEATS / 2)]!;
  return { ...median, inline, repeats: runs.map((r) => r.deliveriesPerSecond) };
}

async function measure(
  meetings: number,
  perMeeting: number,
  sync: string,
  place: ReceiverPlace,
  inFlight?: number,
): Promise<WebhooksResult> {
  const dir = mkdtempSync(join(tmpdir(), 'confpush-bench-webhooks-'));
  const certificate = selfSignedIn(dir);

  const expected = meetings * perMeeting;
  const receiver = await startReceiver(place, {
    cert: certificate.ca,
    key: readFileSync(certificate.key),
    expected,
  });
  const url = receiver.url;

  const config = resolveConfig({
    port: 0,
    host: '127.0.0.1',
    dataDir: join(dir, 'data'),
    logLevel: 'silent',
    syncMode: sync,
    webhookAllowPrivate: true,
    webhookCaFile: certificate.cert,
    ...(inFlight !== undefined ? { webhookInFlight: inFlight } : {}),
  });
  const node = await ConfpushNode.start({ config, logger: pino({ level: 'silent' }) });
  const token = await benchAdmin(node);
  const headers = { 'X-Access-Token': token, 'content-type': 'application/json' };
  const set = (await (
    await fetch(`${node.url}/v1/mmc/management/webhook/link-config`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ subscriberId: 'bench', subscriberKey: 'k', url }),
    })
  ).json()) as { id: string };
  const on = await fetch(`${node.url}/v1/mmc/management/webhook/change-status?id=${set.id}&status=0`, {
    method: 'PUT',
    headers,
  });
  if (on.status !== 200) throw new Error(`enable failed: ${await on.text()}`);

  const ids: string[] = [];
  for (let i = 0; i < meetings; i++) {
    const res = await fetch(`${node.url}/v1/mmc/management/conferences`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ subject: `bench ${i}`, mediaTypes: 'Voice' }),
    });
    ids.push(((await res.json()) as { conferenceID: string }[])[0]!.conferenceID);
  }
  const probeMeeting = await createMeeting(node.url, token, 'push probe');
  const probe = await PushProbe.start(node, probeMeeting.conferenceID, probeMeeting.chairPwd);
  // Let the create/started events of the set-up go out first.
  await new Promise((r) => setTimeout(r, 2000));
  await receiver.reset();
  probe.run();
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  await Promise.all(
    ids.map(async (confId) => {
      for (let n = 0; n < perMeeting; n++)
        await node.engine.execute(confId, { type: 'join', site: { pid: `p${n}`, name: String(n), role: 0 } });
    }),
  );
  const committedAt = performance.now();
  const loopAtCommitted = performance.eventLoopUtilization();
  const { outOfOrder, duplicates } = await receiver.finished();
  const finishedAt = performance.now();
  // How busy the node's event loop (this thread) was while only delivering: what the push had to wait behind.
  const deliveringLoop = performance.eventLoopUtilization(
    performance.eventLoopUtilization(),
    loopAtCommitted,
  );
  const cpu = process.cpuUsage(cpuBefore);
  const committedMs = committedAt - started;
  const ms = finishedAt - started;
  // As many idle samples as were taken while delivering, with webhooks idle and the same store.
  const delivering = probe.between(committedAt, finishedAt);
  await new Promise((r) => setTimeout(r, 500));
  const idleFrom = performance.now();
  const loopAtIdle = performance.eventLoopUtilization();
  while (probe.between(idleFrom, Infinity).length < Math.max(200, delivering.length))
    await new Promise((r) => setTimeout(r, 50));
  const idleLoop = performance.eventLoopUtilization(performance.eventLoopUtilization(), loopAtIdle);
  await probe.stop();
  const idle = summarize(probe.between(idleFrom, Infinity));
  const push = {
    idle,
    committing: summarize(probe.between(started, committedAt)),
    delivering: summarize(delivering),
    p99Ratio: Math.round((summarize(delivering).p99 / idle.p99) * 100) / 100,
    deliveringLoopUtilization: Math.round(deliveringLoop.utilization * 100) / 100,
    idleLoopUtilization: Math.round(idleLoop.utilization * 100) / 100,
  };
  await node.close();
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    meetings,
    perMeeting,
    sync,
    receiver: place,
    deliveries: expected,
    committedMs: Math.round(committedMs),
    ms: Math.round(ms),
    deliveriesPerSecond: Math.round((expected / ms) * 1000),
    cpuPercent: Math.round(((cpu.user + cpu.system) / 1000 / ms) * 100),
    outOfOrder,
    duplicates,
    push,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      meetings: { type: 'string', default: '100' },
      'per-meeting': { type: 'string', default: '40' },
      sync: { type: 'string', default: 'full' },
      'in-flight': { type: 'string' },
      receiver: { type: 'string', default: 'thread' },
    },
  });
  console.log(
    JSON.stringify(
      await measure(
        Number(values.meetings),
        Number(values['per-meeting']),
        values.sync,
        values.receiver === 'inline' ? 'inline' : 'thread',
        values['in-flight'] === undefined ? undefined : Number(values['in-flight']),
      ),
    ),
  );
}

/**
 * A load-generator process that drives meeting changes over REST, as a third-party application does:
 * `PUT /v1/mmc/control/conferences/participants/hands?conferenceID=&participantID=` with the host's
 * `X-Conference-Authorization` token, toggling the hand of each participant in turn. Used for the end-to-end
 * REST-driven fan-out rate (the in-process harness toggles MUTE, so the two never collide).
 */
import { Agent, request as httpRequest } from 'node:http';
import { nowMs, serve } from '../lib/ipc.js';

/**
 * A keep-alive pool of at most 64 connections, as an application's HTTP client would keep: requests beyond it wait
 * in the pool (and that wait counts as latency).
 */
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

interface Reply {
  status: number;
  text: string;
}

function put(url: string, token: string, body: string): Promise<Reply> {
  return new Promise<Reply>((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: 'PUT',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'X-Conference-Authorization': token,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

interface Target {
  confId: string;
  token: string;
  pids: string[];
}

const raised = new Map<string, boolean>();
/**
 * The request in flight per participant: a toggle of the same participant waits for it, so that two toggles are never
 * in flight at once (they would race, and the later "raise" could be applied before the earlier "lower").
 */
const inFlight = new Map<string, Promise<unknown>>();

function toggleHand(base: string, t: Target, pid: string): Promise<Reply> {
  const key = `${t.confId}|${pid}`;
  const up = !(raised.get(key) ?? false);
  raised.set(key, up);
  const send = (): Promise<Reply> =>
    put(
      `${base}/v1/mmc/control/conferences/participants/hands?conferenceID=${t.confId}&participantID=${pid}`,
      t.token,
      JSON.stringify({ handsState: up ? 1 : 0 }),
    );
  const previous = inFlight.get(key);
  const request = previous ? previous.then(send, send) : send();
  const settled = request.then(
    () => undefined,
    () => undefined,
  );
  inFlight.set(key, settled);
  void settled.then(() => {
    if (inFlight.get(key) === settled) inFlight.delete(key);
  });
  return request;
}

serve({
  /**
   * An open-loop stream of `rate` hand toggles/s for `durationMs` over the targets (round-robin over meetings, then
   * participants). Each request's intended send time is its "accepted" time; returns the keys `confId|pid|k` (the
   * k-th change of that participant in this stream) and those times, plus the REST round-trip times.
   */
  rate: async (args: { base: string; targets: Target[]; rate: number; durationMs: number }) => {
    const total = Math.floor((args.rate * args.durationMs) / 1000);
    const keys = new Array<string>(total);
    const times = new Float64Array(total);
    const rtt: number[] = [];
    const counts = new Map<string, number>();
    const cursor = new Map<string, number>();
    const pending: Promise<void>[] = [];
    let failed = 0;
    let firstError = '';
    const t0 = nowMs() + 5;
    for (let j = 0; j < total; j++) {
      const intended = t0 + (j * 1000) / args.rate;
      const wait = intended - nowMs();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const t = args.targets[j % args.targets.length]!;
      const i = cursor.get(t.confId) ?? 0;
      cursor.set(t.confId, (i + 1) % t.pids.length);
      const pid = t.pids[i]!;
      const key = `${t.confId}|${pid}`;
      const k = (counts.get(key) ?? 0) + 1;
      counts.set(key, k);
      keys[j] = `${key}|${k}`;
      times[j] = intended;
      pending.push(
        toggleHand(args.base, t, pid).then(
          (res) => {
            rtt.push(nowMs() - intended);
            if (res.status !== 200) {
              failed++;
              firstError ||= `${res.status} ${res.text}`;
            }
          },
          (err: unknown) => {
            failed++;
            firstError ||= String(err);
          },
        ),
      );
    }
    await Promise.all(pending);
    return { keys, times, rtt: Float64Array.from(rtt), failed, firstError };
  },
  /** `rounds` rounds of one hand toggle in every target meeting, at most `concurrency` requests in flight. */
  hands: async (args: { base: string; targets: Target[]; rounds: number; concurrency: number }) => {
    const jobs: { t: Target; pid: string }[] = [];
    const cursor = new Map<string, number>();
    for (let r = 0; r < args.rounds; r++) {
      for (const t of args.targets) {
        const i = cursor.get(t.confId) ?? 0;
        cursor.set(t.confId, (i + 1) % t.pids.length);
        jobs.push({ t, pid: t.pids[i]! });
      }
    }
    let next = 0;
    let failed = 0;
    let firstError = '';
    const t0 = nowMs();
    await Promise.all(
      Array.from({ length: args.concurrency }, async () => {
        for (;;) {
          const job = jobs[next++];
          if (!job) return;
          const res = await toggleHand(args.base, job.t, job.pid);
          if (res.status !== 200) {
            failed++;
            firstError ||= `${res.status} ${res.text}`;
          }
        }
      }),
    );
    return { t0, tDone: nowMs(), requests: jobs.length, failed, firstError };
  },
});

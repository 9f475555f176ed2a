/**
 * The relay's mirror queue (src/relay/mirror-queue.ts) with the real upstream replica, engine and store. Several
 * `mirror` commands of one meeting are in flight at once; here they are held and handed to the engine in a random
 * order, some fail (the queue tries again), and in cluster runs another node keeps changing the meeting, so the
 * store refuses entries and the engine decides them again later. However they are ordered, the committed
 * participants end equal to the newest upstream state, never more than `MAX_IN_FLIGHT` are in flight, and commits
 * are reported in the order they were submitted.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MirrorTarget } from '../src/domain/commands.js';
import type { Engine } from '../src/engine/engine.js';
import { MAX_IN_FLIGHT, MirrorQueue, type CommitInfo } from '../src/relay/mirror-queue.js';
import { UpstreamReplica } from '../src/relay/upstream-replica.js';
import { CLUSTER, startTestServer } from './helpers.js';
import { testRecord } from './store-conformance.js';

const PIDS = ['pa', 'pb', 'pc', 'pd'];
let meetings = 0;

interface Held {
  targets: () => MirrorTarget[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('mirror queue', () => {
  it('converges on the newest upstream state whatever order the engine decides its commands in', async () => {
    const server = await startTestServer({ nodes: 2 });
    const engine = server.node.engine;
    const other = server.nodes?.[1]?.engine;
    const step = fc.oneof(
      fc.record({ kind: fc.constant('frame' as const), pid: fc.nat(PIDS.length - 1), name: fc.nat(99) }),
      fc.record({ kind: fc.constant('leave' as const), pid: fc.nat(PIDS.length - 1) }),
      fc.record({ kind: fc.constant('release' as const), pick: fc.nat(), fail: fc.boolean() }),
      fc.record({ kind: fc.constant('turn' as const) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 60 }), fc.nat(), async (steps, seed) => {
        const m = await followedMeeting(engine);
        // In a cluster, another node changes the meeting meanwhile: the store refuses entries decided before.
        let competing = CLUSTER && other !== undefined;
        const competitor = (async () => {
          for (let i = 0; competing; i++) {
            await other!.execute(m.confId, { type: 'lock', locked: i % 2 === 0 });
            await turn();
          }
        })();
        const release = (pick: number, fail: boolean) => {
          const [h] = m.held.splice(pick % m.held.length, 1);
          if (fail) h!.reject(new Error('injected failure'));
          else engine.execute(m.confId, { type: 'mirror', targets: h!.targets }).then(h!.resolve, h!.reject);
        };
        for (const s of steps) {
          if (s.kind === 'frame') m.rename(PIDS[s.pid]!, `n${s.name}`);
          else if (s.kind === 'leave') m.leave(PIDS[s.pid]!);
          else if (s.kind === 'release' && m.held.length > 0) release(s.pick, s.fail);
          else await turn();
        }
        let pick = seed;
        // A guard only: in a cluster a refused command waits for the engine's backoff before it is decided again.
        const deadline = Date.now() + 20_000;
        while (m.queue.pending) {
          if (Date.now() > deadline) throw new Error('the queue never settled');
          if (m.held.length > 0) release(pick++, false);
          await turn();
        }
        competing = false;
        await competitor;
        const committed = (await engine.load(m.confId))!.committed.streams.ParticipantsNotify;
        expect(names(committed.items)).toEqual(names(m.upstream.stream('ParticipantsNotify').items));
        expect(m.mostHeld()).toBeLessThanOrEqual(MAX_IN_FLIGHT);
        // Reported in submission order, although completed in any order.
        const submissions = m.reported.map((r) => r.submission);
        expect(submissions).toEqual([...submissions].sort((a, b) => a - b));
        // Every upstream step is counted in exactly one commit that made it (one whose commit failed, in the next).
        expect(m.reported.reduce((n, r) => n + r.steps, 0)).toBe(m.touches());
      }),
      { numRuns: CLUSTER ? 15 : 30 },
    );
    // The cluster runs did exercise what they are for: entries refused by the store, decided again.
    if (CLUSTER) expect(engine.retries).toBeGreaterThan(0);
  }, 120_000);

  it('commits every upstream step as its own change when each is committed before the next arrives', async () => {
    const server = await startTestServer({ nodes: 1 });
    const engine = server.node.engine;
    const m = await followedMeeting(engine);
    await m.settle();
    const seqOf = async () => (await engine.load(m.confId))!.committed.streams.ParticipantsNotify.seq ?? 0;
    const before = await seqOf();
    for (let i = 0; i < 10; i++) {
      m.rename(PIDS[i % PIDS.length]!, `step${i}`);
      await m.settle();
    }
    expect((await seqOf()) - before).toBe(10);
    expect(names(m.upstream.stream('ParticipantsNotify').items)['pd']).toBe('step7');
  });

  it('counts a step whose commit failed in the commit that makes it, from when it was received', async () => {
    const server = await startTestServer({ nodes: 1 });
    const m = await followedMeeting(server.node.engine);
    await m.settle();
    const before = m.reported.length;
    const receivedAt = m.ticks() + 1;
    m.rename('pa', 'failed once');
    while (m.held.length === 0) await turn();
    m.held.shift()!.reject(new Error('injected failure'));
    await turn();
    m.rename('pb', 'meanwhile');
    await m.settle();
    const after = m.reported.slice(before);
    expect(after.reduce((n, r) => n + r.steps, 0)).toBe(2);
    expect(Math.min(...after.map((r) => r.receivedAt))).toBe(receivedAt);
    expect(
      names((await server.node.engine.load(m.confId))!.committed.streams.ParticipantsNotify.items),
    ).toMatchObject({
      pa: 'failed once',
      pb: 'meanwhile',
    });
  });
});

/** A followed meeting on `engine`: its upstream replica already holds every participant (a full message). */
async function followedMeeting(engine: Engine) {
  const confId = `97${String(++meetings).padStart(7, '0')}`;
  await engine.createMeeting(testRecord(confId), []);
  const held: Held[] = [];
  let mostHeld = 0;
  let ticks = 0;
  let touches = 0;
  const reported: CommitInfo[] = [];
  // The replica reports a touch only once a frame is applied, after `queue` is made.
  const upstream = new UpstreamReplica((touched) => {
    touches++;
    queue.touch(touched);
  });
  const queue = new MirrorQueue({
    replica: upstream,
    commit: (targets) =>
      new Promise<void>((resolve, reject) => {
        held.push({ targets, resolve, reject });
        mostHeld = Math.max(mostHeld, held.length);
      }),
    // A counter for a clock: the first step of each command has a time of its own.
    now: () => ++ticks,
    committed: (info) => reported.push(info),
    failed: () => undefined,
    schedule: (fn, ms) => setTimeout(fn, ms),
    retryMs: 0,
  });
  let version = 1;
  upstream.applyFrame({
    action: 'ParticipantsNotify',
    confID: confId,
    msgMode: 0,
    version,
    data: PIDS.map((pid) => ({ pid, mode: 0, pinfoMap: { NAME: `${pid}-start`, MUTE: '1' } })),
  });
  const incremental = (item: Record<string, unknown>) =>
    upstream.applyFrame({
      action: 'ParticipantsNotify',
      confID: confId,
      msgMode: 1,
      version: ++version,
      data: [item],
    });
  return {
    confId,
    held,
    queue,
    upstream,
    mostHeld: () => mostHeld,
    /** The clock's last reading (a counter). */
    ticks: () => ticks,
    /** Upstream steps the replica reported to the queue. */
    touches: () => touches,
    /** The reported commits, in the order the queue reported them. */
    reported,
    /** Hands every command to the engine in submission order, one at a time, until nothing is pending. */
    async settle() {
      while (queue.pending) {
        const h = held.shift();
        if (!h) {
          await turn();
          continue;
        }
        await engine.execute(confId, { type: 'mirror', targets: h.targets });
        h.resolve();
        await turn();
      }
    },
    /**
     * An upstream incremental renaming one participant (only the changed key, as Huawei sends it), or bringing it
     * back whole when it had left.
     */
    rename(pid: string, name: string) {
      const known = upstream.stream('ParticipantsNotify').items.has(pid);
      incremental({ pid, mode: 0, pinfoMap: known ? { NAME: name } : { NAME: name, MUTE: '1' } });
    },
    /** An upstream incremental removing one participant. */
    leave(pid: string) {
      incremental({ pid, mode: 1 });
    },
  };
}

function names(items: ReadonlyMap<string, Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [pid, item] of items) out[pid] = String((item['pinfoMap'] as Record<string, unknown>)['NAME']);
  return out;
}

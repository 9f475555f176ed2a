/**
 * Fault injection between the SDK and a real confpush server: connections cut at random points, delayed frames,
 * a stalled client while the meeting changes rapidly, a server killed and restarted mid-stream, and resume from
 * the log (exact replay) or not (full message).
 *
 * After each run the SDK's replica equals the server's committed state in every category (position and state),
 * and its trace shows every category gap-free, or explicitly `rebuilt` / `resumed` at each discontinuity.
 */
import { CATEGORY_SPECS, CLOSE_CODES, PUSH_CATEGORIES, type PushCategory } from '@confpush/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { appAuth, confToken, createMeeting, http, startMeeting } from '../../../server/test/chain.js';
import { eventually, tempDir, type TestServer } from '../../../server/test/helpers.js';
import { spawnServer } from '../../../server/test/process.js';
import {
  committedStreams,
  debug,
  describeRun,
  freePort,
  liveMeeting,
  MeetingDriver,
  OP_KINDS,
  proxiedServer,
  SETTLE_MS,
  tracedSession,
  waitUntilEqual,
  type LiveMeeting,
  type Op,
  type TracedSession,
} from './harness.js';
import { FaultProxy } from './proxy.js';

/** Categories that resume from the log (full-only categories resume only when unchanged, by design). */
const RESUMABLE: readonly PushCategory[] = PUSH_CATEGORIES.filter((c) => !CATEGORY_SPECS[c].fullOnly);

const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom(...OP_KINDS),
  pick: fc.nat({ max: 1000 }),
  flag: fc.boolean(),
});

type Step =
  | { op: Op }
  | { together: Op[] }
  | { cut: 'reset' | 'end' }
  | { cutAfter: number }
  /** Waits until the SDK has caught up with everything committed so far (a quiet moment between bursts). */
  | { settle: true }
  /** Waits until the session is live, then cuts its socket (so that every run cuts at least once). */
  | { cutWhenLive: true };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 12, arbitrary: opArb.map((op) => ({ op })) },
  { weight: 2, arbitrary: fc.array(opArb, { minLength: 2, maxLength: 4 }).map((together) => ({ together })) },
  { weight: 2, arbitrary: fc.constantFrom('reset' as const, 'end' as const).map((cut) => ({ cut })) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 6000 }).map((cutAfter) => ({ cutAfter })) },
  { weight: 2, arbitrary: fc.constant({ settle: true as const }) },
);

/** Property runs per scenario: small, each bounded; `CONFPUSH_FAULT_RUNS` raises it for a soak. */
const RUNS = Number(process.env['CONFPUSH_FAULT_RUNS'] ?? 4);

/** Rebuilds, other than a category's first state, of categories that should have resumed instead. */
function lostContinuity(traced: TracedSession): string[] {
  return traced.trace
    .rebuilds()
    .filter((r) => r.reason !== 'initial' && RESUMABLE.includes(r.category))
    .map((r) => `${r.category}: ${r.reason}`);
}

/** The delivery contract, checked at the end of a run. */
function expectCleanTrace(traced: TracedSession): void {
  expect(traced.trace.check(), traced.trace.summary()).toEqual([]);
  expect(traced.session.stats.gaps, 'gaps the server sent').toBe(0);
}

async function runSteps(
  server: TestServer,
  driver: MeetingDriver,
  proxy: FaultProxy,
  traced: TracedSession,
  steps: readonly Step[],
): Promise<number> {
  let cuts = 0;
  for (const step of steps) {
    if ('op' in step) await driver.run(step.op);
    else if ('cutWhenLive' in step) {
      await eventually(() => traced.session.state === 'live' && proxy.connections > 0, {
        timeoutMs: SETTLE_MS,
        what: 'the session to be live',
      });
      cuts += proxy.cutAll('reset');
    } else if ('together' in step) await Promise.all(step.together.map((op) => driver.run(op)));
    else if ('cut' in step) cuts += proxy.cutAll(step.cut);
    else if ('cutAfter' in step) proxy.cutAfter(step.cutAfter);
    else await waitUntilEqual(traced, () => committedStreams(server, driver.confId));
  }
  proxy.disarm();
  return cuts;
}

/** A started meeting with three sites online and captions on, driven in process. */
async function preparedMeeting(server: TestServer): Promise<{ meeting: LiveMeeting; driver: MeetingDriver }> {
  const meeting = await liveMeeting(server);
  const driver = MeetingDriver.inProcess(server, meeting);
  await driver.captionsOn();
  for (let i = 0; i < 3; i++) await driver.run({ kind: 'join', pick: i, flag: true });
  return { meeting, driver };
}

describe('fault injection (SDK ⇄ proxy ⇄ real server)', () => {
  it('(a) connections cut at random points during a burst: replica equal, every gap explicit', async () => {
    const { server, proxy } = await proxiedServer();
    let cuts = 0;
    let sockets = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(stepArb, { minLength: 40, maxLength: 80 }),
        fc.nat({ max: 39 }),
        async (steps, cutAt) => {
          const { meeting, driver } = await preparedMeeting(server);
          const traced = await tracedSession(server.url, meeting);
          try {
            // At least one cut of a live socket per run, at a random point of the burst.
            const plan: Step[] = [...steps.slice(0, cutAt), { cutWhenLive: true }, ...steps.slice(cutAt)];
            cuts += await runSteps(server, driver, proxy, traced, plan);
            await waitUntilEqual(traced, () => committedStreams(server, meeting.conferenceID));
            debug(describeRun(traced, driver));
            expectCleanTrace(traced);
            // The log holds every change of the run: list and object categories always resume, never rebuild.
            expect(lostContinuity(traced)).toEqual([]);
            expect(driver.accepted).toBeGreaterThan(0);
            sockets += traced.trace.sockets;
          } finally {
            traced.session.close();
          }
        },
      ),
      { numRuns: RUNS, endOnFailure: true },
    );
    expect(cuts).toBeGreaterThanOrEqual(RUNS);
    expect(sockets).toBeGreaterThan(RUNS);
  }, 240_000);

  it('(b) delayed frames (latency and jitter, order kept): no reconnect, no rebuild, replica equal', async () => {
    const { server, proxy } = await proxiedServer();
    await fc.assert(
      fc.asyncProperty(
        fc.array(opArb, { minLength: 20, maxLength: 40 }),
        fc.integer({ min: 1, max: 30 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 16, maxLength: 16 }),
        async (ops, latency, jitters) => {
          let j = 0;
          proxy.setDelay(latency, 40, () => jitters[j++ % jitters.length]!);
          const { meeting, driver } = await preparedMeeting(server);
          const traced = await tracedSession(server.url, meeting);
          try {
            // Changes overlap the delayed frames: half in sequence, half two at a time.
            for (let i = 0; i < ops.length; i += 2) {
              if (i % 4 === 0) await Promise.all(ops.slice(i, i + 2).map((op) => driver.run(op)));
              else for (const op of ops.slice(i, i + 2)) await driver.run(op);
            }
            await waitUntilEqual(traced, () => committedStreams(server, meeting.conferenceID));
            debug(describeRun(traced, driver));
            expectCleanTrace(traced);
            expect(traced.session.stats.reconnects).toBe(0);
            expect(proxy.stats.bytesDown).toBeGreaterThan(0);
            expect(traced.trace.rebuilds().map((r) => r.reason)).toEqual(
              PUSH_CATEGORIES.map(() => 'initial'),
            );
          } finally {
            traced.session.close();
            proxy.setDelay(0);
          }
        },
      ),
      { numRuns: RUNS, endOnFailure: true },
    );
  }, 240_000);

  describe('(c) a stalled client while the meeting changes rapidly', () => {
    /** 16 KiB names: a few hundred renames fill the kernel's buffers and then the server's queue. */
    const BIG = 'x'.repeat(16 * 1024);
    const SOFT = 64 * 1024;

    /**
     * Stalls server → client, renames participants until the server's queue for the socket passes the soft limit
     * (or the socket is gone), makes `after` more changes of several categories, then lets the bytes flow again.
     */
    async function stallThroughBurst(
      server: TestServer,
      proxy: FaultProxy,
      driver: MeetingDriver,
      extra: readonly Op[],
    ): Promise<{ renames: number; maxQueued: number }> {
      const engine = server.node.engine;
      const runtime = (await engine.load(driver.confId))!;
      const pids = [...runtime.working.streams.ParticipantsNotify.items.keys()];
      const sessions = () => (server.nodes ?? [server.node]).flatMap((node) => [...node.gateway.sessions]);
      const queued = () => Math.max(0, ...sessions().map((s) => s.bufferedAmount));
      const open = () => sessions().some((s) => s.state === 'open');
      proxy.stall('down', true);
      let renames = 0;
      let maxQueued = 0;
      try {
        const rename = async () => {
          const pid = pids[renames % pids.length]!;
          await engine.execute(driver.confId, { type: 'rename', pid, name: `${BIG}${renames++}` });
          maxQueued = Math.max(maxQueued, queued());
        };
        // Bounded: 3,000 × 16 KiB = 48 MiB, far beyond loopback buffers (a few MiB).
        while (renames < 3000 && maxQueued < SOFT && open()) await rename();
        for (let i = 0; i < 30; i++) await rename();
        for (const op of extra) await driver.run(op);
      } finally {
        proxy.stall('down', false);
      }
      return { renames, maxQueued };
    }

    it('past the soft limit the backlog collapses into full messages (rebuilt: backpressure)', async () => {
      const HARD = 256 * 1024 * 1024;
      const { server, proxy } = await proxiedServer({ queueSoftLimitBytes: SOFT, queueHardLimitBytes: HARD });
      await fc.assert(
        fc.asyncProperty(fc.array(opArb, { minLength: 10, maxLength: 20 }), async (extra) => {
          const { meeting, driver } = await preparedMeeting(server);
          const traced = await tracedSession(server.url, meeting);
          try {
            const { maxQueued } = await stallThroughBurst(server, proxy, driver, extra);
            expect(maxQueued).toBeGreaterThanOrEqual(SOFT);
            await waitUntilEqual(traced, () => committedStreams(server, meeting.conferenceID));
            debug(describeRun(traced, driver));
            expectCleanTrace(traced);
            expect(traced.trace.rebuilds('ParticipantsNotify').map((r) => r.reason)).toContain(
              'backpressure',
            );
            // Collapsed, not closed: one socket throughout.
            expect(traced.trace.sockets).toBe(1);
          } finally {
            traced.session.close();
          }
        }),
        { numRuns: 2, endOnFailure: true },
      );
    }, 240_000);

    it('past the hard limit the socket is closed with 4101; the SDK reconnects and resumes or rebuilds', async () => {
      // Hard limit = soft limit: the first frame that does not fit under it closes the socket (no collapse first).
      const HARD = SOFT;
      const { server, proxy } = await proxiedServer({ queueSoftLimitBytes: SOFT, queueHardLimitBytes: HARD });
      await fc.assert(
        fc.asyncProperty(fc.array(opArb, { minLength: 10, maxLength: 20 }), async (extra) => {
          const { meeting, driver } = await preparedMeeting(server);
          const traced = await tracedSession(server.url, meeting);
          try {
            await stallThroughBurst(server, proxy, driver, extra);
            await waitUntilEqual(traced, () => committedStreams(server, meeting.conferenceID));
            debug(describeRun(traced, driver));
            expectCleanTrace(traced);
            const closes = traced.trace.of('error').filter((e) => e.code === CLOSE_CODES.SLOW_CONSUMER.code);
            expect(closes.length, traced.trace.summary()).toBeGreaterThan(0);
            expect(traced.trace.sockets).toBeGreaterThan(1);
            // After the reconnect every category was resumed from its position, or got a full message: rebuilt, or
            // (a full-only category that changed once) the very next position, which the trace check verified.
            const after = traced.trace.socketEntries(traced.trace.sockets);
            const explained = new Set(
              after.flatMap((e) =>
                e.kind === 'resumed' || e.kind === 'rebuilt' || (e.kind === 'push' && e.msgMode === 0)
                  ? [e.category]
                  : [],
              ),
            );
            expect([...explained].sort()).toEqual([...PUSH_CATEGORIES].sort());
          } finally {
            traced.session.close();
          }
        }),
        { numRuns: 2, endOnFailure: true },
      );
    }, 240_000);
  });

  it('(d) server killed (SIGKILL) mid-stream and restarted on the same data and port: the SDK resumes from the durable log', async () => {
    const proxy = await FaultProxy.listen();
    const port = await freePort();
    const dataDir = tempDir();
    const env = { CONFPUSH_APP_ID: 'c'.repeat(32), CONFPUSH_APP_KEY: 'd'.repeat(32) };
    const args = ['--port', String(port), '--host', '127.0.0.1', '--data-dir', dataDir];
    args.push('--public-url', proxy.url);
    let proc = await spawnServer(args, env);
    proxy.target(port);
    const server = { url: proc.url, appId: env.CONFPUSH_APP_ID, appKey: env.CONFPUSH_APP_KEY } as TestServer;
    try {
      const accessToken = await appAuth(server);
      const created = await createMeeting(server, accessToken, {
        subject: 'restart',
        attendees: [{ name: 'A', phone: '+8610000001' }],
      });
      if (created.info['conferenceState'] !== 'Created') await startMeeting(server, accessToken, created);
      const control = await confToken(server, created.conferenceID, created.chairPwd);
      const meeting: LiveMeeting = { ...created, accessToken, controlToken: control.token };
      const first = await tracedSession(server.url, meeting);
      const driver = new MeetingDriver(server, meeting, {
        view: async () => ({
          pids: [...first.session.participants.keys()],
          attendees: [...first.session.attendees.keys()],
        }),
      });
      const ops = fc.sample(opArb, { numRuns: 40 });
      // Two invitations (always accepted) so that there are participants to act on, then random changes.
      for (let i = 0; i < 2; i++) await driver.run({ kind: 'invite', pick: i, flag: true });
      expect(driver.accepted).toBe(2);
      for (const op of ops.slice(0, 15)) await driver.run(op);

      // Mid-stream: changes in flight (some acknowledged and pushed, some not) when the process dies.
      // The kill follows the first of them to be answered.
      const inFlight = ops.slice(15, 25).map((op) => driver.run(op).catch(() => undefined));
      await Promise.race(inFlight);
      await proc.kill('SIGKILL');
      await Promise.all(inFlight);
      await eventually(() => first.session.state !== 'live', {
        timeoutMs: SETTLE_MS,
        what: 'the session to notice the kill',
      });
      // What the SDK holds once the socket is gone: everything it was shown, which must all be durable.
      const positions = first.session.replica.positions();
      const killedAt = first.trace.entries.length;
      const socketsBefore = first.trace.sockets;

      proc = await spawnServer(args, env);
      for (const op of ops.slice(25)) await driver.run(op);

      // A second session from scratch shows the server's state; the first must end equal to it.
      const second = await tracedSession(server.url, meeting);
      await waitUntilEqual(first, async () => (category) => second.session.replica.stream(category));
      debug(describeRun(first, driver));
      expectCleanTrace(first);
      expect(first.trace.sockets).toBeGreaterThan(socketsBefore);
      // Durable before visible: everything the SDK had been shown survived, so list and object categories resumed.
      expect(lostContinuity(first)).toEqual([]);
      const afterRestart = first.trace.entries.slice(killedAt);
      for (const category of RESUMABLE) {
        const resumed = afterRestart.filter((e) => e.kind === 'resumed' && e.category === category);
        expect(resumed.length, category).toBeGreaterThan(0);
        expect(resumed[0], category).toMatchObject({ from: positions[category]!.seq });
      }

      // The REST snapshot of the meeting says what the replica says (when the server has realTimeInfo).
      await expectRealTimeInfoMatches(server, meeting, first);
      first.session.close();
      second.session.close();
    } finally {
      await proc.kill('SIGKILL');
      await proxy.close();
    }
  }, 180_000);

  describe('(e) resume', () => {
    /** Keeps the SDK away from the server: cuts its socket and refuses new ones. */
    async function disconnect(proxy: FaultProxy, traced: TracedSession): Promise<void> {
      proxy.refuse(true);
      proxy.cutAll();
      await eventually(() => traced.session.state !== 'live', {
        timeoutMs: SETTLE_MS,
        what: 'the session to notice the cut',
      });
    }

    let added = 0;
    /** Adds `n` new attendees, one change (one AttendeesNotify incremental) each. */
    async function addAttendees(server: TestServer, confId: string, n: number): Promise<void> {
      for (let i = 0; i < n; i++) {
        const k = ++added;
        await server.node.engine.execute(confId, {
          type: 'addAttendees',
          attendees: [{ name: `late ${k}`, phone: `+8617${String(k).padStart(6, '0')}` }],
        });
      }
    }

    it('replays exactly the missed incrementals when the log holds them', async () => {
      const { server, proxy } = await proxiedServer();
      const { meeting, driver } = await preparedMeeting(server);
      const traced = await tracedSession(server.url, meeting);
      const confId = meeting.conferenceID;
      await addAttendees(server, confId, 2);
      await waitUntilEqual(traced, () => committedStreams(server, confId));
      const before = traced.session.replica.positions();

      await disconnect(proxy, traced);
      const socket = traced.trace.sockets;
      await addAttendees(server, confId, 5);
      const runtime = (await server.node.engine.load(confId))!;
      const pid = [...runtime.working.streams.ParticipantsNotify.items.keys()][0]!;
      for (let i = 0; i < 3; i++) await driver.run({ kind: 'netQuality', pick: i, flag: i === 1 });
      expect(runtime.working.streams.NetConditionNotify.items.has(pid)).toBe(true);
      proxy.refuse(false);

      await waitUntilEqual(traced, () => committedStreams(server, confId));
      debug(describeRun(traced));
      expectCleanTrace(traced);
      // Refused attempts never got a reply: the reply after the disconnect is the resuming one.
      expect(traced.trace.of('reply').length).toBe(2);
      expect(traced.trace.sockets).toBeGreaterThan(socket);
      const resumedOn = traced.trace.entries.slice(lastReplyIndex(traced));
      const pushes = resumedOn.filter((e) => e.kind === 'push');
      const attendees = pushes.filter((e) => e.category === 'AttendeesNotify');
      const from = before.AttendeesNotify!.seq;
      expect(attendees.map((e) => [e.msgMode, e.version])).toEqual([1, 2, 3, 4, 5].map((k) => [1, from + k]));
      const net = pushes.filter((e) => e.category === 'NetConditionNotify');
      expect(net.map((e) => e.msgMode)).toEqual([1, 1, 1]);
      // Nothing else was sent: every other category was resumed with nothing to replay.
      expect(pushes.length).toBe(attendees.length + net.length);
      const resumed = resumedOn.filter((e) => e.kind === 'resumed');
      expect(resumed).toContainEqual({ kind: 'resumed', category: 'AttendeesNotify', from, to: from + 5 });
      for (const category of PUSH_CATEGORIES) {
        expect(resumed.filter((e) => e.category === category).length, category).toBe(1);
      }
      expect(traced.trace.rebuilds().filter((r) => r.reason !== 'initial')).toEqual([]);
      traced.session.close();
    }, 120_000);

    it('sends a full message (rebuilt: resume-impossible) when the log no longer holds them', async () => {
      const { server, proxy } = await proxiedServer({ logRetention: 2 });
      const { meeting } = await preparedMeeting(server);
      const traced = await tracedSession(server.url, meeting);
      const confId = meeting.conferenceID;
      await disconnect(proxy, traced);
      await addAttendees(server, confId, 5);
      proxy.refuse(false);

      await waitUntilEqual(traced, () => committedStreams(server, confId));
      debug(describeRun(traced));
      expectCleanTrace(traced);
      const after = traced.trace.entries.slice(lastReplyIndex(traced));
      const attendees = after.filter((e) => e.kind === 'push' && e.category === 'AttendeesNotify');
      expect(attendees).toMatchObject([{ msgMode: 0, seq: 5 }]);
      expect(traced.trace.rebuilds('AttendeesNotify').map((r) => r.reason)).toEqual([
        'initial',
        'resume-impossible',
      ]);
      // The other categories did not change and resumed with nothing to send.
      const resumed = after.flatMap((e) => (e.kind === 'resumed' ? [e.category] : []));
      expect(resumed.sort()).toEqual(PUSH_CATEGORIES.filter((c) => c !== 'AttendeesNotify').sort());
      traced.session.close();
    }, 120_000);

    it('sends a full message when the position is of another epoch', async () => {
      const { server, proxy } = await proxiedServer();
      const { meeting } = await preparedMeeting(server);
      const traced = await tracedSession(server.url, meeting);
      const confId = meeting.conferenceID;
      await disconnect(proxy, traced);
      await addAttendees(server, confId, 2);
      // The server's epoch is regenerated only when a stream's log is lost; the client-side equivalent is a
      // position whose epoch the server no longer knows.
      traced.session.replica.stream('AttendeesNotify').epoch = 'an-old-epoch';
      proxy.refuse(false);

      await waitUntilEqual(traced, () => committedStreams(server, confId));
      debug(describeRun(traced));
      expectCleanTrace(traced);
      const after = traced.trace.entries.slice(lastReplyIndex(traced));
      expect(after.filter((e) => e.kind === 'push' && e.category === 'AttendeesNotify')).toMatchObject([
        { msgMode: 0, seq: 2 },
      ]);
      expect(traced.trace.rebuilds('AttendeesNotify').map((r) => r.reason)).toEqual([
        'initial',
        'resume-impossible',
      ]);
      traced.session.close();
    }, 120_000);
  });
});

/**
 * `GET realTimeInfo` (attendees, online participants with mute and hand) equals the SDK's views of them. Polled:
 * simulated callees may still answer. Skipped when the server has no such route.
 */
async function expectRealTimeInfoMatches(
  server: TestServer,
  meeting: LiveMeeting,
  traced: TracedSession,
): Promise<void> {
  const path = `/v1/mmc/control/conferences/realTimeInfo?conferenceID=${meeting.conferenceID}`;
  const headers = { 'X-Conference-Authorization': meeting.controlToken };
  const info = await http(server, 'GET', path, { headers });
  if (info.status === 404) return debug('realTimeInfo: no such route, not compared');
  const views = await eventually(
    async () => {
      const res = await http(server, 'GET', path, { headers });
      expect(res.status).toBe(200);
      const body = res.body as {
        participants: { pid: string; mute: number; hand: number }[];
        attendees: { name: string; phone?: string }[];
      };
      const rest = {
        participants: body.participants.map((p) => `${p.pid} mute=${p.mute} hand=${p.hand}`).sort(),
        attendees: body.attendees.map((a) => `${a.name}/${a.phone ?? ''}`).sort(),
      };
      const sdk = {
        participants: [...traced.session.participants.values()]
          .map((p) => `${p.pid} mute=${p.muted ? 1 : 0} hand=${p.handUp ? 1 : 0}`)
          .sort(),
        attendees: [...traced.session.attendees.values()]
          .map((a) => `${a.name ?? ''}/${a.phone ?? ''}`)
          .sort(),
      };
      expect(sdk).toEqual(rest);
      return rest;
    },
    { timeoutMs: SETTLE_MS, what: 'realTimeInfo to equal the SDK views' },
  );
  debug(`realTimeInfo: ${views.participants.length} participants, ${views.attendees.length} attendees`);
}

function lastReplyIndex(traced: TracedSession): number {
  const entries = traced.trace.entries;
  for (let i = entries.length - 1; i >= 0; i--) if (entries[i]!.kind === 'reply') return i;
  return 0;
}

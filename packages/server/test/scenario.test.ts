/**
 * The scenario runner: `plan` is pure and deterministic and only plans steps that make sense; a real run against
 * a test node performs exactly the plan, and every subscriber's replica ends equal to the server's committed state
 * for every category, without a gap.
 */
import { CategoryReplica, PUSH_CATEGORIES, isPushCategory, type ApplyOutcome } from '@confpush/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LEAVE_REASONS } from '../src/domain/commands.js';
import { checkPlanParams, plan, type PlanParams, type Step } from '../src/simulator/plan.js';
import { Prng } from '../src/simulator/prng.js';
import { runScenario, type ScenarioEvent } from '../src/simulator/scenario.js';
import { openPush, runningMeeting } from './chain.js';
import { eventually, startTestServer, type TestServer } from './helpers.js';
import type { PushClient } from './push-client.js';

const PARAMS: PlanParams = { participants: 12, durationMs: 60_000, rate: 5 };
const DOCUMENTED_REASONS: readonly number[] = Object.values(LEAVE_REASONS);

/** Replays a plan against a model of the meeting; returns the first inconsistency, or undefined. */
function inconsistency(steps: readonly Step[], params: PlanParams): string | undefined {
  type Where = 'online' | 'waiting' | 'invited' | 'gone';
  const where = new Map<number, Where>();
  let captions = false;
  let last = 0;
  const online = (site: number) => where.get(site) === 'online';
  for (const [i, step] of steps.entries()) {
    const at = `step ${i} (${step.kind} at ${step.at})`;
    if (step.at < last) return `${at}: out of order`;
    if (step.at < 0 || step.at > params.durationMs) return `${at}: outside the pass`;
    last = step.at;
    switch (step.kind) {
      case 'join':
        if (where.has(step.site)) return `${at}: site ${step.site} joins twice`;
        if ((step.role === 1) !== (step.site === 0)) return `${at}: only site 0 is the host`;
        where.set(step.site, step.viaWaitingRoom ? 'waiting' : 'online');
        break;
      case 'captions':
        captions = true;
        break;
      case 'admit':
        if (where.get(step.site) !== 'waiting') return `${at}: site ${step.site} is not waiting`;
        where.set(step.site, 'online');
        break;
      case 'invite':
        if (where.has(step.site)) return `${at}: site ${step.site} invited twice`;
        if (/0000$/.test(step.phone) !== (step.outcome === 'fail'))
          return `${at}: outcome and number disagree`;
        where.set(step.site, 'invited');
        break;
      case 'leave': {
        const w = where.get(step.site);
        if (w === undefined || w === 'gone') return `${at}: site ${step.site} is not there`;
        if (!DOCUMENTED_REASONS.includes(step.reason)) return `${at}: undocumented reason ${step.reason}`;
        where.set(step.site, 'gone');
        break;
      }
      case 'removeAttendees':
        break;
      case 'volumes':
        if (step.samples.length < 1 || step.samples.length > 3)
          return `${at}: ${step.samples.length} speakers`;
        for (const s of step.samples) {
          if (!online(s.site)) return `${at}: site ${s.site} is not online`;
          if (s.volume < 0 || s.volume > 100) return `${at}: volume ${s.volume}`;
        }
        break;
      case 'netQuality':
        for (const r of step.reports) if (!online(r.site)) return `${at}: site ${r.site} is not online`;
        break;
      case 'caption':
        if (!captions) return `${at}: captions are not on`;
        if (!online(step.site)) return `${at}: site ${step.site} is not online`;
        if (step.endTime < step.beginTime) return `${at}: caption ends before it begins`;
        break;
      case 'mute':
      case 'hand':
      case 'share':
      case 'camera':
        if (!online(step.site)) return `${at}: site ${step.site} is not online`;
        break;
    }
  }
  for (const [site, w] of where) {
    const failedInvite = steps.some((s) => s.kind === 'invite' && s.site === site && s.outcome === 'fail');
    if (w !== 'gone' && !(w === 'invited' && failedInvite)) return `site ${site} is still ${w} at the end`;
  }
  return undefined;
}

describe('plan', () => {
  it('is deterministic: the same seed gives the same plan, another seed another one', () => {
    const a = plan(7, PARAMS);
    expect(plan(7, PARAMS)).toEqual(a);
    expect(JSON.stringify(plan(7, { ...PARAMS }))).toBe(JSON.stringify(a));
    expect(plan(8, PARAMS)).not.toEqual(a);
    expect(plan(7, { ...PARAMS, rate: 6 })).not.toEqual(a);
  });

  it('drives a whole meeting: every kind of step, every way of arriving, network losses', () => {
    const steps = plan(3, { participants: 40, durationMs: 120_000, rate: 10 });
    const kinds = new Set(steps.map((s) => s.kind));
    for (const kind of [
      'join',
      'captions',
      'admit',
      'invite',
      'leave',
      'removeAttendees',
      'volumes',
      'mute',
      'hand',
      'netQuality',
      'caption',
      'share',
      'camera',
    ]) {
      expect(kinds, kind).toContain(kind);
    }
    const invites = steps.filter((s) => s.kind === 'invite');
    expect(invites.some((s) => s.outcome === 'fail')).toBe(true);
    expect(invites.some((s) => s.outcome === 'answer')).toBe(true);
    const reasons = new Set(steps.flatMap((s) => (s.kind === 'leave' ? [s.reason] : [])));
    expect(reasons.size).toBeGreaterThan(2);
    expect(steps[0]).toMatchObject({ at: 0, kind: 'join', site: 0, role: 1 });
    expect(steps.at(-2)).toMatchObject({ at: 120_000, kind: 'leave', site: 0 });
    expect(inconsistency(steps, { participants: 40, durationMs: 120_000, rate: 10 })).toBeUndefined();
  });

  it('only plans steps that make sense at their time, for any seed and parameters', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1000, max: 120_000 }),
        fc.double({ min: 0, max: 30, noNaN: true }),
        (seed, participants, durationMs, rate) => {
          const params = { participants, durationMs, rate };
          const steps = plan(seed, params);
          expect(inconsistency(steps, params)).toBeUndefined();
          expect(plan(seed, params)).toEqual(steps);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses parameters out of range', () => {
    expect(() => checkPlanParams({ participants: 0, durationMs: 1000, rate: 1 })).toThrow(/participants/);
    expect(() => checkPlanParams({ participants: 2.5, durationMs: 1000, rate: 1 })).toThrow(/participants/);
    expect(() => checkPlanParams({ participants: 2, durationMs: 999, rate: 1 })).toThrow(/durationMs/);
    expect(() => checkPlanParams({ participants: 2, durationMs: 1000, rate: -1 })).toThrow(/rate/);
    expect(() => checkPlanParams({ participants: 2, durationMs: 1000, rate: Number.NaN })).toThrow(/rate/);
  });

  it('rests on a PRNG that gives the same sequence for the same seed', () => {
    const draw = (seed: number) => {
      const rng = new Prng(seed);
      return Array.from({ length: 5 }, () => rng.next());
    };
    expect(draw(1)).toEqual(draw(1));
    expect(draw(1)).not.toEqual(draw(2));
    for (const x of draw(99)) expect(x >= 0 && x < 1).toBe(true);
  });
});

interface Subscriber {
  client: PushClient;
  replicas: Map<string, CategoryReplica>;
  outcomes: ApplyOutcome[];
}

/** A subscriber's replicas, rebuilt from every frame it has received so far. */
function rebuild(client: PushClient): Subscriber {
  const replicas = new Map<string, CategoryReplica>();
  const outcomes: ApplyOutcome[] = [];
  for (const c of PUSH_CATEGORIES) replicas.set(c, new CategoryReplica(c));
  for (const frame of client.frames) {
    if (isPushCategory(frame.action)) outcomes.push(replicas.get(frame.action)!.applyFrame(frame));
  }
  return { client, replicas, outcomes };
}

async function subscriber(server: TestServer, conferenceID: string, password: string): Promise<PushClient> {
  const { client, conf } = await openPush(server, conferenceID, password);
  client.subscribe(conf.token, [...PUSH_CATEGORIES]);
  expect((await client.nextAction('Subscribe')).data).toMatchObject({ returnCode: 0 });
  return client;
}

/** Every subscriber's replica equals the server's committed state for every category. */
async function expectConverged(
  server: TestServer,
  conferenceID: string,
  clients: PushClient[],
): Promise<void> {
  await eventually(async () => {
    const runtime = await server.node.engine.load(conferenceID);
    for (const client of clients) {
      const sub = rebuild(client);
      for (const c of PUSH_CATEGORIES) {
        const mine = sub.replicas.get(c)!;
        const theirs = runtime!.committed.streams[c];
        expect(mine.seq, c).toBe(theirs.seq);
        expect(mine.snapshot(), c).toEqual(theirs.snapshot());
      }
    }
    return true;
  }, 10_000);
  for (const client of clients) {
    const { outcomes } = rebuild(client);
    expect(outcomes).not.toContain('gap');
    expect(outcomes).not.toContain('ignored');
  }
}

describe('runScenario against a node', () => {
  it('performs exactly the plan; every subscriber ends with the committed state, without a gap', async () => {
    const server = await startTestServer({ config: { speakerIntervalMs: 25, calleeAnswerDelayMs: 0 } });
    const meeting = await runningMeeting(server, { subject: 'scenario' });
    const clients = [
      await subscriber(server, meeting.conferenceID, meeting.chairPwd),
      await subscriber(server, meeting.conferenceID, meeting.guestPwd),
    ];
    const params: PlanParams = { participants: 4, durationMs: 3000, rate: 40 };
    const events: ScenarioEvent[] = [];
    const result = await runScenario({
      baseUrl: server.url,
      appId: server.appId,
      appKey: server.appKey,
      conferenceID: meeting.conferenceID,
      hostPassword: meeting.chairPwd,
      seed: 42,
      ...params,
      onProgress: (e) => events.push(e),
    });
    expect(result.failures).toEqual([]);
    expect(result).toMatchObject({
      conferenceID: meeting.conferenceID,
      created: false,
      passes: 1,
      failed: 0,
    });
    expect(result.skipped).toBe(0);
    const executed = events.flatMap((e) => (e.kind === 'step' ? [e.step] : []));
    expect(executed).toEqual(plan(42, params));
    expect(events[0]).toMatchObject({ kind: 'ready', conferenceID: meeting.conferenceID });
    expect(events.at(-1)).toMatchObject({ kind: 'passEnd', pass: 0, failed: 0 });

    await expectConverged(server, meeting.conferenceID, clients);
    const state = (await server.node.engine.load(meeting.conferenceID))!.committed;
    expect(state.streams.ParticipantsNotify.items.size).toBe(0);
    expect(state.streams.WaitingListNotify.items.size).toBe(0);
    expect(state.streams.ConfDynamicInfoNotify.fields['realTimeSubtitle']).toBe(1);
    // Every kind of push was exercised by the run.
    for (const c of [
      'ParticipantsNotify',
      'SpeakerChangeNotify',
      'NetConditionNotify',
      'InviteResultNotify',
    ]) {
      expect(state.streams[c as 'ParticipantsNotify'].seq, c).toBeGreaterThan(0);
    }
    for (const client of clients) client.close();
  });

  it('creates its own meeting, loops until aborted, and leaves it empty', async () => {
    const server = await startTestServer({ config: { speakerIntervalMs: 25, calleeAnswerDelayMs: 0 } });
    const abort = new AbortController();
    const events: ScenarioEvent[] = [];
    const result = await runScenario({
      baseUrl: server.url,
      appId: server.appId,
      appKey: server.appKey,
      seed: 5,
      participants: 3,
      durationMs: 1000,
      rate: 10,
      passes: Infinity,
      subject: 'looping',
      signal: abort.signal,
      onProgress: (e) => {
        events.push(e);
        if (e.kind === 'passEnd' && e.pass === 1) abort.abort();
      },
    });
    expect(result).toMatchObject({ created: true, passes: 2, failed: 0 });
    expect(result.conferenceID).toMatch(/^\d+$/);
    expect(result.guestPassword).toMatch(/^\d+$/);
    expect(events.filter((e) => e.kind === 'pass').map((e) => (e.kind === 'pass' ? e.seed : 0))).toEqual([
      5, 6,
    ]);
    const state = (await server.node.engine.load(result.conferenceID))!.committed;
    expect(state.record.subject).toBe('looping');
    expect(state.record.state).toBe('Created');
    expect(state.streams.ParticipantsNotify.items.size).toBe(0);
    expect(state.streams.AttendeesNotify.items.size).toBe(0);
  });

  it('stops mid-pass when aborted: its sites, invited ones included, leave and its invitees are forgotten', async () => {
    const server = await startTestServer({ config: { calleeAnswerDelayMs: 0 } });
    const meeting = await runningMeeting(server);
    const params: PlanParams = { participants: 6, durationMs: 4000, rate: 10 };
    // The first seed whose plan invites a number that answers.
    let seed = 1;
    const answering = (n: number) =>
      plan(n, params).find((s) => s.kind === 'invite' && s.outcome === 'answer');
    while (!answering(seed)) seed++;
    const invite = answering(seed)!;
    const abort = new AbortController();
    let sawCallee = false;
    const result = await runScenario({
      baseUrl: server.url,
      appId: server.appId,
      appKey: server.appKey,
      conferenceID: meeting.conferenceID,
      hostPassword: meeting.chairPwd,
      seed,
      ...params,
      signal: abort.signal,
      onProgress: (e) => {
        if (e.kind !== 'step' || e.step.at < invite.at) return;
        // One step after the callee is in: the runner's own socket has seen it too.
        if (sawCallee) abort.abort();
        void server.node.engine.load(meeting.conferenceID).then((runtime) => {
          const tels = [...runtime!.committed.streams.ParticipantsNotify.items.values()].map(
            (i) => (i['pinfoMap'] as Record<string, string>)['TEL'],
          );
          if (invite.kind === 'invite' && tels.includes(invite.phone)) sawCallee = true;
        });
      },
    });
    expect(sawCallee).toBe(true);
    expect(result.passes).toBe(0);
    const state = (await server.node.engine.load(meeting.conferenceID))!.committed;
    expect(state.streams.ParticipantsNotify.items.size).toBe(0);
    expect(state.streams.WaitingListNotify.items.size).toBe(0);
    expect(state.streams.AttendeesNotify.items.size).toBe(0);
  });

  it('refuses a meeting it cannot drive, unless told to replace it', async () => {
    const server = await startTestServer();
    const meeting = await runningMeeting(server);
    await server.node.engine.execute(meeting.conferenceID, { type: 'stop' });
    const base = {
      baseUrl: server.url,
      appId: server.appId,
      appKey: server.appKey,
      conferenceID: meeting.conferenceID,
      hostPassword: meeting.chairPwd,
      seed: 1,
      participants: 1,
      durationMs: 1000,
      rate: 0,
    };
    await expect(runScenario(base)).rejects.toThrow(/111072005/);
    const replaced = await runScenario({ ...base, replaceEndedMeeting: true });
    expect(replaced.created).toBe(true);
    expect(replaced.conferenceID).not.toBe(meeting.conferenceID);
    await expect(runScenario({ ...base, conferenceID: undefined })).resolves.toMatchObject({ created: true });
    await expect(runScenario({ ...base, hostPassword: undefined })).rejects.toThrow(/hostPassword/);
  });
});

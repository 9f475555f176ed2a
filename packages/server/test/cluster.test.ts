/**
 * Cluster mode on Redis: several nodes serve the same meetings.
 *
 * - Concurrent writers: two nodes hammer one meeting at once; every subscriber on every node sees the identical
 *   frame sequence per stream, gap-free, and ends with the state in Redis.
 * - Any node: control calls sent to random nodes reach subscribers of every node in one order.
 * - Node loss: three node processes behind a load balancer under continuous scenario traffic; one is killed hard
 *   and started again. No acknowledged change is lost; SDK clients of the killed node reconnect through the
 *   balancer and end with the server's state, every discontinuity explicit (resumed or rebuilt), never silent.
 * - Redis restart: with its data (append-only, fsync always) the nodes reconnect, renew the stream epochs and
 *   clients rebuild; without it (data lost) subscribers are closed with MEETING_NOT_FOUND. Never a silent gap.
 *
 * Needs a Redis server (`CONFPUSH_TEST_REDIS_URL`, default the local one; `.ci/run` starts one) and, for the
 * restart tests, the `redis-server` binary.
 */
import {
  CATEGORY_SPECS,
  CategoryReplica,
  CLOSE_CODES,
  PUSH_CATEGORIES,
  type PushCategory,
} from '@confpush/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import {
  debug,
  describeRun,
  tracedSession,
  waitUntilEqual,
  type StreamSource,
  type TracedSession,
} from '../../client/test/e2e/harness.js';
import { stateFromStore } from '../src/engine/state.js';
import { hex32 } from '../src/ids.js';
import { runScenario } from '../src/simulator/scenario.js';
import { newEpoch } from '../src/engine/engine.js';
import { RedisStore } from '../src/store/redis.js';
import { Balancer } from './balancer.js';
import { appAuth, confToken, createMeeting, http, openPush, runningMeeting } from './chain.js';
import {
  eventually,
  startTestCluster,
  tempDir,
  TEST_REDIS_URL,
  testRedisPrefix,
  type TestServer,
} from './helpers.js';
import { spawnServer, type ServerProcess } from './process.js';
import type { Frame, PushClient } from './push-client.js';
import { DedicatedRedis } from './redis-server.js';

/** Paces a writer loop (not a wait for anything). */
const pace = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()?.();
});

/** The cluster seen through node `i` only. */
function at(server: TestServer, i: number): TestServer {
  const node = server.nodes![i]!;
  return { ...server, node, nodes: [node], url: node.url };
}

/** The state of a meeting as Redis holds it. */
async function storedStreams(url: string, prefix: string, confId: string): Promise<StreamSource> {
  const store = new RedisStore({ url, prefix, logRetention: 1000, newEpoch });
  await store.open();
  try {
    const snapshot = await store.meetings.snapshot(confId, 0);
    if (!snapshot) throw new Error(`meeting ${confId} is not in Redis`);
    const state = stateFromStore(snapshot.record, snapshot.streams);
    return (category) => state.streams[category];
  } finally {
    await store.close();
  }
}

interface Subscriber {
  node: number;
  client: PushClient;
  /** Position per category right after the Subscribe reply. */
  start: Map<PushCategory, number>;
}

async function subscribe(
  server: TestServer,
  node: number,
  confId: string,
  password: string,
  categories: PushCategory[],
) {
  const { client, conf } = await openPush(at(server, node), confId, password);
  client.subscribe(conf.token, categories);
  const reply = (await client.nextAction('Subscribe')).data as {
    streams: Record<string, { seq: number }>;
  };
  for (const category of categories) await client.nextAction(category);
  const start = new Map(categories.map((c) => [c, reply.streams[c]!.seq]));
  return { node, client, start } satisfies Subscriber;
}

/** The incremental frames of a category exactly as a subscriber received them (text, msgID included). */
function incrementals(subscriber: Subscriber, category: PushCategory): string[] {
  const { frames, texts } = subscriber.client;
  return texts.filter((_, i) => {
    const f: Frame = frames[i]!;
    return f.action === category && f['msgMode'] === 1;
  });
}

function replicaOf(subscriber: Subscriber, category: PushCategory): CategoryReplica {
  const replica = new CategoryReplica(category);
  for (const f of subscriber.client.frames) if (f.action === category) replica.applyFrame(f);
  return replica;
}

describe('cluster on Redis', () => {
  it('two nodes hammering one meeting: every subscriber on every node sees the identical frames, gap-free', async () => {
    const server = await startTestCluster({ nodes: 3 });
    const meeting = await runningMeeting(at(server, 0));
    const confId = meeting.conferenceID;
    const categories: PushCategory[] = ['ParticipantsNotify', 'AttendeesNotify', 'ConfDynamicInfoNotify'];
    const subscribers: Subscriber[] = [];
    for (let node = 0; node < 3; node++)
      for (let k = 0; k < 2; k++)
        subscribers.push(await subscribe(server, node, confId, meeting.chairPwd, categories));

    const [a, b] = [server.nodes![0]!.engine, server.nodes![1]!.engine];
    const pids = ['s0', 's1', 's2', 's3'];
    for (const [i, pid] of pids.entries())
      await (i % 2 === 0 ? a : b).execute(confId, { type: 'join', site: { pid, name: pid } });
    let refused = 0;
    const hammer = (engine: typeof a, tag: string) =>
      Promise.all(
        Array.from({ length: 4 }, async (_, loop) => {
          for (let i = 0; i < 30; i++) {
            const pid = pids[(i + loop) % pids.length]!;
            const name = `${tag}${loop}-${i}`;
            try {
              if (i % 6 === 5)
                await engine.execute(confId, {
                  type: 'addAttendees',
                  attendees: [{ name, phone: `+86${i}${loop}` }],
                });
              else if (i % 6 === 2) await engine.execute(confId, { type: 'lock', locked: i % 4 === 0 });
              else await engine.execute(confId, { type: 'rename', pid, name });
            } catch (error) {
              // A command decided again on the newer state may be refused (e.g. nothing to change); never lost.
              if ((error as Error).name !== 'DomainError') throw error;
              debug((error as Error).message);
              refused++;
            }
          }
        }),
      );
    await Promise.all([hammer(a, 'A'), hammer(b, 'B')]);
    debug(`refused ${refused}, retried ${a.retries + b.retries}`);
    expect(refused).toBe(0);

    const stored = await storedStreams(TEST_REDIS_URL, server.nodes![0]!.config.redisPrefix, confId);
    const finalSeq = (c: PushCategory) => stored(c).seq ?? 0;
    expect(finalSeq('ParticipantsNotify')).toBeGreaterThanOrEqual(4 + 80);
    for (const s of subscribers) {
      await eventually(() => categories.every((c) => (replicaOf(s, c).seq ?? 0) === finalSeq(c)), 15_000);
    }
    const first = subscribers[0]!;
    for (const category of categories) {
      const reference = incrementals(first, category);
      // Gap-free: versions start + 1 … final, each once.
      const versions = reference.map((f) => (JSON.parse(f) as { version: number }).version);
      // One change, one msgID; different changes, different msgIDs.
      const msgIds = reference.map((f) => (JSON.parse(f) as { msgID: string }).msgID);
      expect(new Set(msgIds).size).toBe(msgIds.length);
      const start = first.start.get(category)!;
      expect(versions).toEqual(Array.from({ length: finalSeq(category) - start }, (_, i) => start + i + 1));
      for (const s of subscribers) {
        expect(s.start.get(category), `node ${s.node}`).toBe(start);
        expect(incrementals(s, category), `${category} at node ${s.node}`).toEqual(reference);
        const replica = replicaOf(s, category);
        expect(replica.epoch).toBe(stored(category).epoch);
        expect(replica.snapshot()).toEqual(stored(category).snapshot());
      }
    }
    // A client resuming on another node is replayed the very bytes (msgID included) live subscribers got.
    const { client: resumer, conf } = await openPush(at(server, 2), confId, meeting.chairPwd);
    const resume = Object.fromEntries(
      categories.map((c) => [c, { epoch: stored(c).epoch, seq: first.start.get(c)! }]),
    );
    resumer.subscribe(conf.token, categories, 'r', { resume });
    await resumer.nextAction('Subscribe');
    const resumed: Subscriber = { node: 2, client: resumer, start: first.start };
    await eventually(() =>
      categories.every((c) => incrementals(resumed, c).length === finalSeq(c) - first.start.get(c)!),
    );
    for (const category of categories)
      expect(incrementals(resumed, category), category).toEqual(incrementals(first, category));
    resumer.close();
    for (const s of subscribers) s.client.close();
  });

  it('control calls on random nodes reach subscribers of every node in one order', async () => {
    const server = await startTestCluster({ nodes: 3 });
    const meeting = await runningMeeting(server);
    const confId = meeting.conferenceID;
    const subscribers: Subscriber[] = [];
    for (let node = 0; node < 3; node++)
      subscribers.push(await subscribe(server, node, confId, meeting.chairPwd, ['AttendeesNotify']));
    const control = await confToken(server, confId, meeting.chairPwd);
    for (let i = 0; i < 12; i++) {
      const res = await http(
        server,
        'POST',
        `/v1/mmc/control/conferences/participants?conferenceID=${confId}`,
        {
          headers: { 'X-Conference-Authorization': control.token },
          body: { attendees: [{ name: `guest ${i}`, phone: `+7${i}`, type: 'normal' }] },
        },
      );
      expect(res.status).toBe(200);
    }
    for (const s of subscribers)
      await eventually(() => replicaOf(s, 'AttendeesNotify').items.size >= 12, 15_000);
    const names = (s: Subscriber) =>
      s.client.frames
        .filter((f) => f.action === 'AttendeesNotify' && f['msgMode'] === 1)
        .flatMap((f) =>
          (f.data as { name: string; mode: number }[]).filter((x) => x.mode === 0).map((x) => x.name),
        );
    const reference = incrementals(subscribers[0]!, 'AttendeesNotify');
    for (const s of subscribers) expect(incrementals(s, 'AttendeesNotify')).toEqual(reference);
    expect([...new Set(names(subscribers[0]!))].filter((n) => n.startsWith('guest'))).toEqual(
      Array.from({ length: 12 }, (_, i) => `guest ${i}`),
    );
    for (const s of subscribers) s.client.close();
  });

  it('failover: a node killed hard under traffic loses no acknowledged change; its clients continue elsewhere without a silent gap', async () => {
    const prefix = testRedisPrefix(tempDir());
    const credential = { appId: hex32(), appKey: hex32() };
    const env = { CONFPUSH_APP_ID: credential.appId, CONFPUSH_APP_KEY: credential.appKey };
    const balancer = await Balancer.listen();
    closers.push(() => balancer.close());
    const args = [
      ...['--port', '0', '--host', '127.0.0.1', '--redis-url', TEST_REDIS_URL, '--redis-prefix', prefix],
      ...['--public-url', balancer.url, '--data-dir', tempDir(), '--log-retention', '5000'],
    ];
    const procs: ServerProcess[] = [];
    for (let i = 0; i < 3; i++) procs.push(await spawnServer(args, env));
    const port = (p: ServerProcess) => Number(new URL(p.url).port);
    balancer.setTargets(procs.map(port));
    const lb = { url: balancer.url, ...credential } as TestServer;

    // Continuous traffic: the scenario runner against node 1 (never killed) ...
    const abort = new AbortController();
    let ready: (info: { conferenceID: string; hostPassword: string }) => void = () => undefined;
    const meetingReady = new Promise<{ conferenceID: string; hostPassword: string }>((r) => (ready = r));
    const scenario = runScenario({
      baseUrl: procs[1]!.url,
      ...credential,
      seed: 42,
      participants: 12,
      durationMs: 60_000,
      rate: 40,
      passes: 1,
      signal: abort.signal,
      onProgress: (event) => {
        if (event.kind === 'ready') ready(event);
      },
    });
    const meeting = await meetingReady;
    const confId = meeting.conferenceID;
    // ... and control calls through the balancer (so also through the node that is killed), each remembered
    // once acknowledged.
    const control = await confToken(lb, confId, meeting.hostPassword);
    const acknowledged: string[] = [];
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        const name = `failover ${i}`;
        const res = await http(
          lb,
          'POST',
          `/v1/mmc/control/conferences/participants?conferenceID=${confId}`,
          {
            headers: { 'X-Conference-Authorization': control.token },
            body: { attendees: [{ name, phone: `+5${String(i).padStart(5, '0')}`, type: 'normal' }] },
          },
        ).catch(() => undefined);
        if (res?.status === 200) acknowledged.push(name);
        await pace(20);
      }
    })();

    // Six SDK clients through the balancer: two per node.
    const sessions: TracedSession[] = [];
    for (let i = 0; i < 6; i++)
      sessions.push(
        await tracedSession(balancer.url, { conferenceID: confId, chairPwd: meeting.hostPassword }),
      );
    /** Waits until `count` more control calls were acknowledged through the balancer. */
    const acknowledgedMore = async (count: number, what: string) => {
      const target = acknowledged.length + count;
      await eventually(() => acknowledged.length >= target, { what, timeoutMs: 20_000 });
    };
    await eventually(() => sessions.every((traced) => traced.session.state === 'live'), {
      what: 'every SDK session live',
      timeoutMs: 20_000,
    });
    await acknowledgedMore(20, 'traffic before the kill');

    const victim = procs[2]!;
    balancer.setTargets([port(procs[0]!), port(procs[1]!)]);
    await victim.kill('SIGKILL');
    await acknowledgedMore(20, 'traffic through the surviving nodes');
    procs[2] = await spawnServer(args, env);
    balancer.setTargets(procs.map(port));
    await acknowledgedMore(20, 'traffic after the restart');

    writing = false;
    await writer;
    abort.abort();
    const result = await scenario;
    expect(result.ok).toBeGreaterThan(20);

    const stored = () => storedStreams(TEST_REDIS_URL, prefix, confId);
    for (const traced of sessions) await waitUntilEqual(traced, stored);
    debug(`scenario ${JSON.stringify({ ...result, failures: result.failures.length })}`);
    debug(`acknowledged ${acknowledged.length}`);
    for (const traced of sessions) {
      debug(describeRun(traced));
      expect(traced.trace.check(), traced.trace.summary()).toEqual([]);
      expect(traced.session.stats.gaps).toBe(0);
    }
    // The clients of the killed node reconnected (through the balancer, to the others).
    expect(sessions.filter((t) => t.trace.sockets >= 2).length).toBeGreaterThanOrEqual(1);
    // Every acknowledged change is there.
    const attendees = [...(await stored())('AttendeesNotify').items.values()].map((a) => String(a['name']));
    expect(acknowledged.length).toBeGreaterThan(20);
    expect(attendees).toEqual(expect.arrayContaining(acknowledged));
    for (const traced of sessions) traced.session.close();
    for (const p of procs) await p.kill('SIGTERM');
  }, 90_000);

  it('Redis restarted with its data: nodes reconnect, streams get new epochs, clients rebuild and converge', async () => {
    const redis = await DedicatedRedis.start({ persist: true });
    const server = await startTestCluster({ nodes: 3, config: { redisUrl: redis.url } });
    const meeting = await runningMeeting(server);
    const confId = meeting.conferenceID;
    const sessions: TracedSession[] = [];
    for (let i = 0; i < 3; i++) sessions.push(await tracedSession(server.nodes![i]!.url, meeting));
    const control = await confToken(server, confId, meeting.chairPwd);
    const invite = (name: string) =>
      eventually(
        async () => {
          const res = await http(
            server,
            'POST',
            `/v1/mmc/control/conferences/participants?conferenceID=${confId}`,
            {
              headers: { 'X-Conference-Authorization': control.token },
              body: {
                attendees: [{ name, phone: `+6${name.replace(/\D/g, '')}${name.length}`, type: 'normal' }],
              },
            },
          ).catch(() => undefined);
          return res?.status === 200;
        },
        { what: `the invitation of ${name}`, timeoutMs: 15_000, everyMs: 50 },
      );
    for (let i = 0; i < 5; i++) await invite(`before ${i}`);
    const prefix = server.nodes![0]!.config.redisPrefix;
    for (const traced of sessions)
      await waitUntilEqual(traced, () => storedStreams(redis.url, prefix, confId));
    const epochBefore = (await storedStreams(redis.url, prefix, confId))('AttendeesNotify').epoch;

    await redis.restart();
    for (let i = 0; i < 5; i++) await invite(`after ${i}`);

    const stored = () => storedStreams(redis.url, prefix, confId);
    expect((await stored())('AttendeesNotify').epoch).not.toBe(epochBefore);
    for (const traced of sessions) await waitUntilEqual(traced, stored);
    for (const traced of sessions) {
      debug(describeRun(traced));
      expect(traced.trace.check(), traced.trace.summary()).toEqual([]);
      expect(traced.trace.rebuilds('AttendeesNotify').some((r) => r.reason !== 'initial')).toBe(true);
      traced.session.close();
    }
    const names = [...(await stored())('AttendeesNotify').items.values()].map((a) => String(a['name']));
    expect(names).toEqual(expect.arrayContaining(['before 0', 'before 4', 'after 0', 'after 4']));
  }, 60_000);

  it('Redis restarted without its data: subscribers are closed with MEETING_NOT_FOUND, never left silent', async () => {
    const redis = await DedicatedRedis.start({ persist: false });
    const server = await startTestCluster({ nodes: 3, config: { redisUrl: redis.url } });
    const meeting = await runningMeeting(server);
    const subscribers: Subscriber[] = [];
    for (let node = 0; node < 3; node++)
      subscribers.push(
        await subscribe(server, node, meeting.conferenceID, meeting.chairPwd, ['AttendeesNotify']),
      );

    await redis.restart();
    for (const s of subscribers) {
      expect((await s.client.closed(15_000)).code).toBe(CLOSE_CODES.MEETING_NOT_FOUND.code);
    }
    // The nodes serve again: the app credential was registered again, new meetings work end to end.
    const accessToken = await eventually(() => appAuth(server), { timeoutMs: 10_000, everyMs: 100 });
    const next = await createMeeting(server, accessToken, { subject: 'after the restart' });
    const s = await subscribe(server, 2, next.conferenceID, next.chairPwd, ['ConfBasicInfoNotify']);
    expect(s.client.frames.some((f) => f.action === 'ConfBasicInfoNotify')).toBe(true);
    s.client.close();
  }, 60_000);
});

// Keep the category list honest: the comparison above relies on these not being full-only.
for (const category of ['ParticipantsNotify', 'AttendeesNotify', 'ConfDynamicInfoNotify'] as const) {
  if (CATEGORY_SPECS[category].fullOnly || !PUSH_CATEGORIES.includes(category))
    throw new Error(`${category} changed shape`);
}

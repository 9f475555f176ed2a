/**
 * The relay in front of Huawei Cloud Meeting (src/relay/, docs/relay.md), against a second confpush node playing
 * Huawei, with a TCP fault proxy between them (test/support/relay-pair.ts). Changes stream upstream while the
 * proxy resets, ends, cuts mid-frame, stalls and delays the relay's connections at seeded random moments; after each
 * fault the relay's state equals the upstream's and a downstream subscriber has seen no full message after its
 * first (fanned-out categories that only ever send full messages aside).
 */
import { ConfpushClient, MeetingControl, type MeetingSession } from '@confpush/client';
import { CATEGORY_SPECS, HEADERS, type PushCategory } from '@confpush/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { Command } from '../src/domain/commands.js';
import { appAuth, http, runningMeeting } from './chain.js';
import { eventually, type TestServer } from './helpers.js';
import { seededRandom } from './support/fault-proxy.js';
import {
  comparable,
  committedStreams,
  startProxy,
  startRelay,
  startUpstream,
  type Upstream,
} from './support/relay-pair.js';

const sessions: MeetingSession[] = [];
afterEach(() => {
  while (sessions.length > 0) sessions.pop()?.close();
});

/** A downstream subscriber of the relay, counting the full messages it receives after its first per category. */
async function subscribe(baseUrl: string, conferenceID: string, hostPassword: string) {
  const client = new ConfpushClient({ baseUrl, reconnectInitialDelayMs: 50, reconnectMaxDelayMs: 500 });
  const session = await client.join({ conferenceID, hostPassword });
  sessions.push(session);
  const fulls = new Map<PushCategory, number>();
  const rebuilds: string[] = [];
  session.on('frame', (frame) => {
    const category = frame['action'] as PushCategory;
    if (frame['msgMode'] === 0 && category in CATEGORY_SPECS)
      fulls.set(category, (fulls.get(category) ?? 0) + 1);
  });
  session.on('rebuilt', (category, reason) => {
    if (reason !== 'initial') rebuilds.push(`${category}:${reason}`);
  });
  return {
    session,
    rebuilds,
    /** Categories that sent a second full message although they have incrementals. */
    extraFulls: () =>
      [...fulls].filter(([c, n]) => n > 1 && !CATEGORY_SPECS[c].fullOnly).map(([c, n]) => `${c}×${n}`),
    streams: () => comparable((c) => session.replica.stream(c)),
  };
}

/** Random media and control changes of the upstream meeting (decided by its engine, as its APIs would). */
function changer(upstream: Upstream, conferenceID: string, rng: () => number) {
  let joined = 0;
  return async function change(): Promise<void> {
    const runtime = await upstream.node.engine.load(conferenceID);
    const pids = [...(runtime?.committed.streams.ParticipantsNotify.items.keys() ?? [])];
    const pid = pids[Math.floor(rng() * pids.length)];
    const pick = rng();
    let command: Command;
    if (!pid || pick < 0.25)
      command = { type: 'join', site: { pid: `site${++joined}`, name: `Site ${joined}` } };
    else if (pick < 0.35 && pids.length > 2) command = { type: 'leave', pid, reason: 11076010 };
    else if (pick < 0.5) command = { type: 'selfMute', pid, mute: rng() < 0.5 };
    else if (pick < 0.6) command = { type: 'selfHand', pid, raised: rng() < 0.5 };
    else if (pick < 0.7) command = { type: 'camera', pid, on: rng() < 0.5 };
    else if (pick < 0.8) command = { type: 'speakers', volumes: [{ pid, volume: Math.floor(rng() * 100) }] };
    else if (pick < 0.9) command = { type: 'netQuality', reports: [{ pid, delay: Math.floor(rng() * 300) }] };
    else command = { type: 'lock', locked: rng() < 0.5 };
    await upstream.node.engine.execute(conferenceID, command).catch(() => undefined);
  };
}

async function converged(upstream: Upstream, relay: TestServer, conferenceID: string, what: string) {
  let last: unknown;
  try {
    await eventually(
      async () => {
        const [up, down] = [
          await committedStreams(upstream.node, conferenceID),
          await committedStreams(relay.node, conferenceID),
        ];
        last = { up, down };
        return JSON.stringify(up) === JSON.stringify(down);
      },
      { timeoutMs: 20_000, what },
    );
  } catch (error) {
    expect((last as { down: unknown }).down, what).toEqual((last as { up: unknown }).up);
    throw error;
  }
}

/** An upstream behind a fault proxy, a meeting in progress there, and a relay following it (live). */
async function followedMeeting() {
  const proxy = await startProxy();
  const upstream = await startUpstream(proxy);
  const meeting = await runningMeeting(upstream);
  const { server, relay } = await startRelay(proxy, upstream);
  await eventually(() => relay.follower(meeting.conferenceID)?.state === 'live', {
    timeoutMs: 10_000,
    what: 'the relay following the meeting',
  });
  return { proxy, upstream, meeting, server, relay };
}

describe('relay in front of an upstream meeting service', () => {
  it('mirrors a meeting through seeded faults; subscribers see only incrementals and equal replicas', async () => {
    const seed = Number(process.env['CONFPUSH_TEST_SEED'] ?? 20261206);
    const rng = seededRandom(seed);
    const { proxy, upstream, meeting, server, relay } = await followedMeeting();
    const change = changer(upstream, meeting.conferenceID, rng);
    for (let i = 0; i < 5; i++) await change();
    await converged(upstream, server, meeting.conferenceID, 'the first mirror');
    const downstream = await subscribe(server.node.url, meeting.conferenceID, meeting.chairPwd);

    const faults: string[] = [];
    for (let round = 0; round < 8; round++) {
      for (let i = 0; i < 4; i++) await change();
      faults.push(proxy.random(rng));
      for (let i = 0; i < 4; i++) await change();
      const what = `state equal after fault ${round} (${faults.join(', ')}; seed ${seed})`;
      await converged(upstream, server, meeting.conferenceID, what);
      const up = await committedStreams(upstream.node, meeting.conferenceID);
      await eventually(() => JSON.stringify(downstream.streams()) === JSON.stringify(up), {
        timeoutMs: 10_000,
        what: `downstream replica equal after fault ${round}`,
      });
      expect(downstream.extraFulls(), what).toEqual([]);
      expect(downstream.rebuilds, what).toEqual([]);
    }
    const status = relay.status().meetings[0]!;
    expect(status.commits).toBeGreaterThan(0);
    expect(status.connects).toBeGreaterThan(1);
    const metrics = await (await fetch(`${server.node.url}/metrics`)).text();
    expect(metrics).toContain(`confpush_relay_upstream_up{conference="${meeting.conferenceID}"} 1`);
    expect(metrics).toMatch(/confpush_relay_commit_lag_seconds_count\{from="relay"\} [1-9]/);
    expect(metrics).toContain('confpush_relay_upstream_auth_ok 1');
    // realTimeInfo, as a caller of each reads it, says the same.
    const realTime = async (target: TestServer) => {
      const token = await http(
        target,
        'GET',
        `/v1/mmc/control/conferences/token?conferenceID=${meeting.conferenceID}`,
        {
          headers: { [HEADERS.password]: meeting.chairPwd, [HEADERS.loginType]: '1' },
        },
      );
      const confToken = (token.body as { data: { token: string } }).data.token;
      const res = await http(
        target,
        'GET',
        `/v1/mmc/control/conferences/realTimeInfo?conferenceID=${meeting.conferenceID}`,
        {
          headers: { [HEADERS.conferenceAuthorization]: confToken },
        },
      );
      expect(res.status).toBe(200);
      return res.body;
    };
    expect(await realTime(server)).toEqual(await realTime(upstream));
  });

  it('ends the mirrored meeting when it ends upstream: subscribers get Destroyed and the close', async () => {
    const { upstream, meeting, server, relay } = await followedMeeting();
    // Held now: the relay forgets a finished follower at its next discovery pass once upstream no longer lists the
    // meeting (every 200 ms here), so looking it up after the end races with that pass.
    const follower = relay.follower(meeting.conferenceID)!;
    const downstream = await subscribe(server.node.url, meeting.conferenceID, meeting.chairPwd);
    const closed = new Promise<number>((resolve) => downstream.session.on('closed', (code) => resolve(code)));
    await upstream.node.engine.execute(meeting.conferenceID, { type: 'stop' });
    expect(await closed).toBe(4005);
    expect(downstream.session.replica.stream('ConfDynamicInfoNotify').fields['state']).toBe('Destroyed');
    await follower.done;
    expect(follower.state).toBe('ended');
    expect((await server.node.engine.load(meeting.conferenceID))?.committed.record.state).toBe('Destroyed');
  });

  it('forwards a control call of a mirrored meeting upstream; the change comes back as a push', async () => {
    const { upstream, meeting, server } = await followedMeeting();
    const downstream = await subscribe(server.node.url, meeting.conferenceID, meeting.chairPwd);
    const token = downstream.session.connection.controlToken!.token;
    const control = new MeetingControl(downstream.session.connection.rest, meeting.conferenceID, token);
    await control.lock(true);
    const upstreamLocked = await upstream.node.engine.load(meeting.conferenceID);
    expect(upstreamLocked?.committed.streams.ConfDynamicInfoNotify.fields['lock']).toBe(1);
    await eventually(() => downstream.session.replica.stream('ConfDynamicInfoNotify').fields['lock'] === 1);
    // An upstream refusal is the answer (no such participant upstream).
    const refused = await http(
      server,
      'PUT',
      `/v1/mmc/control/conferences/participants/mute?conferenceID=${meeting.conferenceID}&participantID=nobody`,
      {
        headers: { [HEADERS.conferenceAuthorization]: token },
        body: { isMute: 1 },
      },
    );
    expect(refused.status).toBeGreaterThanOrEqual(400);
  });

  it('forwards a management call of a mirrored meeting (an administrator ends it); a guest token is refused', async () => {
    const { upstream, meeting, server } = await followedMeeting();
    const downstream = await subscribe(server.node.url, meeting.conferenceID, meeting.chairPwd);
    const closed = new Promise<number>((resolve) => downstream.session.on('closed', (code) => resolve(code)));

    const guest = await http(
      server,
      'GET',
      `/v1/mmc/control/conferences/token?conferenceID=${meeting.conferenceID}`,
      {
        headers: { [HEADERS.password]: meeting.guestPwd, [HEADERS.loginType]: '1' },
      },
    );
    const guestToken = (guest.body as { data: { token: string } }).data.token;
    const refused = await http(
      server,
      'PUT',
      `/v1/mmc/control/conferences/lock?conferenceID=${meeting.conferenceID}`,
      {
        headers: { [HEADERS.conferenceAuthorization]: guestToken },
        body: { isLock: 1 },
      },
    );
    expect(refused.status).toBe(403);

    const admin = await appAuth(server);
    const ended = await http(
      server,
      'DELETE',
      `/v1/mmc/management/conferences?conferenceID=${meeting.conferenceID}&type=1`,
      {
        headers: { [HEADERS.accessToken]: admin },
      },
    );
    expect(ended.status).toBe(200);
    expect((await upstream.node.engine.load(meeting.conferenceID))?.committed.record.state).toBe('Destroyed');
    expect(await closed).toBe(4005);
  });

  it('follows only the configured meetings (upstreamMeetings)', async () => {
    const proxy = await startProxy();
    const upstream = await startUpstream(proxy);
    const ignored = await runningMeeting(upstream);
    const followed = await runningMeeting(upstream);
    const { server, relay } = await startRelay(proxy, upstream, { upstreamMeetings: followed.conferenceID });
    await eventually(() => relay.follower(followed.conferenceID)?.state === 'live', 10_000);
    await relay.pollNow();
    expect(relay.status().meetings.map((m) => m.conferenceID)).toEqual([followed.conferenceID]);
    expect(await server.node.engine.load(ignored.conferenceID)).toBeUndefined();
  });

  it('keeps subscribers resuming across a relay restart: no rebuild, replicas equal', async () => {
    const proxy = await startProxy();
    const upstream = await startUpstream(proxy);
    const meeting = await runningMeeting(upstream);
    const front = await startProxy();
    const relay = await startRelay(proxy, upstream, { publicUrl: front.url });
    front.target(Number(new URL(relay.server.node.url).port));
    const id = meeting.conferenceID;
    await eventually(() => relay.relay.follower(id)?.state === 'live', 10_000);
    const change = changer(upstream, id, seededRandom(11));
    for (let i = 0; i < 5; i++) await change();
    await converged(upstream, relay.server, id, 'before the relay restart');
    const downstream = await subscribe(front.url, id, meeting.chairPwd);

    await relay.restart();
    front.target(Number(new URL(relay.server.node.url).port));
    for (let i = 0; i < 5; i++) await change();
    await eventually(() => relay.relay.follower(id)?.state === 'live', 10_000);
    await converged(upstream, relay.server, id, 'after the relay restart');
    const up = await committedStreams(upstream.node, id);
    await eventually(() => JSON.stringify(downstream.streams()) === JSON.stringify(up), {
      timeoutMs: 10_000,
      what: 'the subscriber equal after the relay restart',
    });
    expect(downstream.session.stats.resumes).toBeGreaterThan(0);
    expect(downstream.rebuilds).toEqual([]);
  });

  it('follows the meeting again after the upstream restarted', async () => {
    const { upstream, meeting, server, relay } = await followedMeeting();
    const change = changer(upstream, meeting.conferenceID, seededRandom(7));
    for (let i = 0; i < 5; i++) await change();
    await converged(upstream, server, meeting.conferenceID, 'before the restart');
    const downstream = await subscribe(server.node.url, meeting.conferenceID, meeting.chairPwd);
    await upstream.restart();
    for (let i = 0; i < 5; i++) await change();
    await converged(upstream, server, meeting.conferenceID, 'after the restart');
    expect(relay.status().meetings[0]!.reconnects).toBeGreaterThan(0);
    expect(downstream.extraFulls()).toEqual([]);
  });
});

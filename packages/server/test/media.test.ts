/**
 * The media-plane API (`/confpush/v1/media`) on a real node: every route's push effect, field by field against
 * Huawei's examples (reference §8.3–8.9), the simulated callees, speaker coalescing, authentication and
 * validation. Plus the coalescer alone, on manual time.
 */
import { CATEGORY_SPECS, PUSH_CATEGORIES, type Item, type PushCategory } from '@confpush/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { compareShape, vector } from '../../protocol/test/vectors.js';
import type { Config } from '../src/config.js';
import { LEAVE_REASONS, type MediaCommand } from '../src/domain/commands.js';
import { MediaPlane, type MediaPort } from '../src/media/service.js';
import { MediaSource } from '../src/media/source.js';
import { ManualTimers } from '../src/media/timers.js';
import { ConfpushNode } from '../src/node.js';
import { hex32, token } from '../src/ids.js';
import { http, openPush, runningMeeting, createMeeting, appAuth, type CreatedMeeting } from './chain.js';
import { eventually, loginAsTestUser, startTestServer, tempDir, type TestServer } from './helpers.js';
import type { Frame, PushClient } from './push-client.js';
import { testConfig, testLogger } from './support/config.js';

const ALL: PushCategory[] = [...PUSH_CATEGORIES];

/** The node's simulated media plane: the plane of its built-in media source. */
function planeOf(node: ConfpushNode): MediaPlane {
  const source = node.sources.find((s) => s instanceof MediaSource);
  if (!(source instanceof MediaSource)) throw new Error('the node has no media source');
  return source.plane;
}

/** A node of this file whose media plane runs on manual time. */
const ownNodes: ConfpushNode[] = [];
afterEach(async () => {
  while (ownNodes.length > 0) await ownNodes.pop()?.close();
});

async function startManualServer(timers: ManualTimers, config: Partial<Config> = {}): Promise<TestServer> {
  const dataDir = tempDir();
  const node = await ConfpushNode.start({
    config: testConfig(dataDir, config),
    logger: testLogger(),
    mediaTimers: timers,
  });
  ownNodes.push(node);
  const { appId, appKey, corpId } = node.config;
  return { node, url: node.url, appId, appKey, corpId, dataDir };
}

interface Live {
  server: TestServer;
  meeting: CreatedMeeting & { accessToken: string };
  id: string;
  client: PushClient;
  confToken: string;
  /** Calls the media API with the meeting owner's token (or `accessToken`). */
  media(
    method: string,
    path: string,
    body?: unknown,
    accessToken?: string,
  ): Promise<{ status: number; body: unknown }>;
  join(body: Record<string, unknown>): Promise<string>;
  /** The first frame after `from` (an index into client.frames) that matches. */
  frame(match: (f: Frame) => boolean, from?: number): Promise<Frame>;
  mark(): number;
}

async function live(server: TestServer, create: Record<string, unknown> = {}): Promise<Live> {
  const meeting = await runningMeeting(server, create);
  const id = meeting.conferenceID;
  const { client, conf } = await openPush(server, id, meeting.chairPwd);
  client.subscribe(conf.token, ALL);
  await client.nextAction('Subscribe');
  await eventually(() =>
    ALL.every((c) => client.frames.some((f) => f.action === c && f['msgMode'] === 0)) ? true : undefined,
  );
  const l: Live = {
    server,
    meeting,
    id,
    client,
    confToken: conf.token,
    media: (method, path, body, accessToken = meeting.accessToken) =>
      http(server, method, `/confpush/v1/media/conferences/${id}${path === '' ? '' : `/${path}`}`, {
        headers: { 'X-Access-Token': accessToken },
        ...(body !== undefined ? { body } : {}),
      }),
    async join(body) {
      const res = await l.media('POST', 'participants', body);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const { pid, waiting } = res.body as { pid: string; waiting: boolean };
      // The push may reach a socket on another node of a cluster after the answer: wait for it, so that
      // a later `mark()` comes after it.
      const action = waiting ? 'WaitingListNotify' : 'ParticipantsNotify';
      await l.frame(
        (f) => f.action === action && (f.data as Item[] | undefined)?.some((i) => i['pid'] === pid) === true,
      );
      return pid;
    },
    frame: (match, from = 0) => eventually(() => client.frames.slice(from).find((f) => match(f))),
    mark: () => client.frames.length,
  };
  return l;
}

const incremental = (action: string) => (f: Frame) => f.action === action && f['msgMode'] === 1;
const items = (f: Frame) => f.data as Record<string, unknown>[];

/** Every field Huawei's example has must have the same JSON type here; `allowedMissing` are documented typos. */
function expectShape(name: string, frame: Frame, allowedMissing: string[] = []): void {
  const shape = compareShape(vector(name), frame);
  expect(shape.mismatched, name).toEqual([]);
  expect(
    shape.missing.filter((m) => !allowedMissing.includes(m)),
    name,
  ).toEqual([]);
}

function expectError(res: { status: number; body: unknown }, status: number, code: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect((res.body as { error_code: string }).error_code).toBe(code);
}

async function committed(l: Live) {
  const runtime = await l.server.node.engine.load(l.id);
  return runtime!.committed;
}

describe('POST …/participants (join)', () => {
  it('adds a participant: ParticipantsNotify with the full pinfoMap, every value a string', async () => {
    const l = await live(await startTestServer());
    const from = l.mark();
    const res = await l.media('POST', 'participants', {
      name: '张三',
      tel: '+86571299676493248',
      loginType: 'Mobile',
      accountId: '271682cfdbe14fa9ae3a8b25f7502627',
      account: 'zhangsan',
      thirdAccount: 'zhangsan',
    });
    expect(res.status).toBe(200);
    const { pid, waiting } = res.body as { pid: string; waiting: boolean };
    expect(waiting).toBe(false);
    expect(pid).toMatch(/^[a-z0-9]{32}$/);

    const frame = await l.frame(incremental('ParticipantsNotify'), from);
    expectShape('push-ParticipantsNotify.json', { ...frame, msgMode: 0 }, [
      'data[0].pinfoMap.CLIENT_ LOG IN_TYPE',
    ]);
    expect(frame).toMatchObject({ confID: l.id, version: 1 });
    const [item] = items(frame);
    expect(item).toMatchObject({ pid, mode: 0 });
    const info = item!['pinfoMap'] as Record<string, unknown>;
    for (const [k, v] of Object.entries(info)) expect(typeof v, k).toBe('string');
    expect(info).toMatchObject({
      NAME: '张三',
      TEL: '+86571299676493248',
      ROLE: '0',
      STATE: '0',
      HAND: '0',
      SHARE: '0',
      MUTE: '0',
      VIDEO: '1',
      CAMERASTATE: '1',
      ANONYMOUS: '0',
      CLICENT_LOGIN_TYPE: 'Mobile',
      ORG_ID: l.server.corpId,
      ACCOUNT_ID: '271682cfdbe14fa9ae3a8b25f7502627',
      ACCOUNT: 'zhangsan',
      THIRDACCOUNT: 'zhangsan',
      RTC_USER_ID: pid,
    });
    expect(info['ADDTIME']).toMatch(/^\d{13}$/);
    l.client.close();
  });

  it('joins a host only with the host password, and keeps a given pid', async () => {
    const l = await live(await startTestServer());
    expectError(await l.media('POST', 'participants', { name: 'Host', role: 1 }), 400, 'MMC.111072065');
    expectError(
      await l.media('POST', 'participants', { name: 'Host', role: 1, hostPassword: l.meeting.guestPwd }),
      400,
      'MMC.111072065',
    );
    const from = l.mark();
    const res = await l.media('POST', 'participants', {
      pid: 'host-1',
      name: 'Host',
      role: 1,
      hostPassword: l.meeting.chairPwd,
      video: false,
    });
    expect(res.body).toEqual({ pid: 'host-1', waiting: false });
    const frame = await l.frame(incremental('ParticipantsNotify'), from);
    expect(items(frame)[0]).toMatchObject({
      pid: 'host-1',
      pinfoMap: { ROLE: '1', VIDEO: '0', CAMERASTATE: '0' },
    });
    expectError(
      await l.media('POST', 'participants', { pid: 'host-1', name: 'Again' }),
      400,
      'MMC.111070001',
    );
    l.client.close();
  });

  it('through the waiting room: WaitingListNotify, then leaving it', async () => {
    const l = await live(await startTestServer());
    const from = l.mark();
    const res = await l.media('POST', 'participants', {
      name: 'yangtest05',
      tel: '+86571234209651824',
      viaWaitingRoom: true,
      loginType: 'Pad',
      accountId: '35a2093d2d53430e87c41e2839bdd338',
      account: 'yangtest05',
      thirdAccount: 'yangtest05',
    });
    expect(res.status).toBe(200);
    const { pid, waiting } = res.body as { pid: string; waiting: boolean };
    expect(waiting).toBe(true);
    const frame = await l.frame(incremental('WaitingListNotify'), from);
    // The example's `delType` is undocumented; its `CLIENT_LOGIN_TYPE` is the tables' `CLICENT_LOGIN_TYPE`.
    expectShape('push-WaitingListNotify.json', frame, [
      'data[0].delType',
      'data[0].pinfoMap.CLIENT_LOGIN_TYPE',
    ]);
    const info = items(frame)[0]!['pinfoMap'] as Record<string, unknown>;
    for (const [k, v] of Object.entries(info)) expect(typeof v, k).toBe('string');
    expect(items(frame)[0]).toMatchObject({
      pid,
      mode: 0,
      pinfoMap: {
        NAME: 'yangtest05',
        ANONYMOUS: '0',
        CLICENT_LOGIN_TYPE: 'Pad',
        ORG_ID: l.server.corpId,
        ACCOUNT_ID: '35a2093d2d53430e87c41e2839bdd338',
        ACCOUNT: 'yangtest05',
        THIRDACCOUNT: 'yangtest05',
        WAITINGSTATE: '0',
      },
    });
    expect(l.client.frames.slice(from).some(incremental('ParticipantsNotify'))).toBe(false);

    const left = l.mark();
    expect((await l.media('POST', `participants/${pid}/leave`, {})).status).toBe(204);
    expect(items(await l.frame(incremental('WaitingListNotify'), left))).toEqual([
      expect.objectContaining({ pid, mode: 1 }),
    ]);
    l.client.close();
  });
});

describe('POST …/participants/:pid/leave', () => {
  it.each(Object.entries(LEAVE_REASONS))(
    'with %s (%i): ParticipantsNotify mode 1 and InviteResultNotify {callNumber, resultCode}',
    async (_name, reason) => {
      const l = await live(await startTestServer());
      const tel = `+9910000${reason}`;
      const pid = await l.join({ name: 'Leaver', tel });
      const from = l.mark();
      expect((await l.media('POST', `participants/${pid}/leave`, { reason })).status).toBe(204);
      const gone = await l.frame(incremental('ParticipantsNotify'), from);
      expect(items(gone)).toEqual([expect.objectContaining({ pid, mode: 1 })]);
      const result = await l.frame((f) => f.action === 'InviteResultNotify' && f['msgMode'] === 1, from);
      expectShape('push-InviteResultNotify.json', { ...result, msgMode: 0 });
      expect(items(result)).toEqual([
        expect.objectContaining({ callNumber: tel, resultCode: String(reason) }),
      ]);
      l.client.close();
    },
  );

  it('defaults to 11076010 without a body; refuses undocumented reasons and unknown sites', async () => {
    const l = await live(await startTestServer());
    const pid = await l.join({ name: 'Quiet', tel: '+99100000077' });
    expectError(
      await l.media('POST', `participants/${pid}/leave`, { reason: 11076011 }),
      400,
      'MMC.111070001',
    );
    expectError(await l.media('POST', `participants/${pid}/leave`, { reason: 0 }), 400, 'MMC.111070001');
    const from = l.mark();
    const res = await http(
      l.server,
      'POST',
      `/confpush/v1/media/conferences/${l.id}/participants/${pid}/leave`,
      {
        headers: { 'X-Access-Token': l.meeting.accessToken },
      },
    );
    expect(res.status).toBe(204);
    const result = await l.frame(incremental('InviteResultNotify'), from);
    expect(items(result)[0]).toMatchObject({ callNumber: '+99100000077', resultCode: '11076010' });
    expectError(await l.media('POST', `participants/${pid}/leave`, {}), 400, 'MMC.111072010');
    l.client.close();
  });
});

describe('invitations and simulated callees', () => {
  async function invite(l: Live, phone: string, name = 'Callee'): Promise<void> {
    const res = await http(
      l.server,
      'POST',
      `/v1/mmc/control/conferences/participants?conferenceID=${l.id}`,
      {
        headers: { 'X-Conference-Authorization': l.confToken },
        body: { attendees: [{ name, phone, type: 'normal' }] },
      },
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  }

  it('a callee answers: STATE "1", then STATE "0" and InviteResultNotify "0"', async () => {
    const l = await live(await startTestServer({ config: { calleeAnswerDelayMs: 0 } }));
    const from = l.mark();
    await invite(l, '+99100001234');
    const calling = await l.frame(
      (f) => incremental('ParticipantsNotify')(f) && items(f).some((i) => i['mode'] === 0),
      from,
    );
    const pid = items(calling)[0]!['pid'] as string;
    expect(items(calling)[0]).toMatchObject({ mode: 0, pinfoMap: { STATE: '1', TEL: '+99100001234' } });
    const answered = await l.frame(
      (f) => incremental('ParticipantsNotify')(f) && f['version'] === Number(calling['version']) + 1,
      from,
    );
    expect(items(answered)).toEqual([
      expect.objectContaining({
        pid,
        mode: 0,
        pinfoMap: { STATE: '0', ADDTIME: expect.stringMatching(/^\d+$/) },
      }),
    ]);
    const result = await l.frame(incremental('InviteResultNotify'), from);
    expect(items(result)).toEqual([expect.objectContaining({ callNumber: '+99100001234', resultCode: '0' })]);
    expect(planeOf(l.server.node).pendingCallees).toBe(0);
    l.client.close();
  });

  it('a number matching calleeFailPattern fails: removed, InviteResultNotify with calleeFailCode', async () => {
    const l = await live(await startTestServer({ config: { calleeAnswerDelayMs: 0 } }));
    const from = l.mark();
    await invite(l, '+99100000000');
    const calling = await l.frame(incremental('ParticipantsNotify'), from);
    const pid = items(calling)[0]!['pid'] as string;
    const removed = await l.frame(
      (f) =>
        incremental('ParticipantsNotify')(f) && items(f).some((i) => i['pid'] === pid && i['mode'] === 1),
      from,
    );
    expect(items(removed)).toEqual([expect.objectContaining({ pid, mode: 1 })]);
    const result = await l.frame(incremental('InviteResultNotify'), from);
    expect(items(result)[0]).toMatchObject({ callNumber: '+99100000000', resultCode: '11111003' });
    l.client.close();
  });

  it('honours a configured pattern and code', async () => {
    const server = await startTestServer({
      config: { calleeAnswerDelayMs: 0, calleeFailPattern: '^\\+44', calleeFailCode: 11111002 },
    });
    const l = await live(server);
    const from = l.mark();
    await invite(l, '+44200000000');
    const result = await l.frame(incremental('InviteResultNotify'), from);
    expect(items(result)[0]).toMatchObject({ callNumber: '+44200000000', resultCode: '11111002' });
    expect(planeOf(server.node).resultCodeFor('+99100000000')).toBe(0);
    l.client.close();
  });

  it('with calleeAnswerDelayMs -1 a callee stays calling until POST …/answer', async () => {
    const l = await live(await startTestServer({ config: { calleeAnswerDelayMs: -1 } }));
    let from = l.mark();
    await invite(l, '+99100005555', 'One');
    await invite(l, '+99100006666', 'Two');
    const state = await committed(l);
    const byTel = (tel: string) =>
      [...state.streams.ParticipantsNotify.items.values()].find(
        (i) => (i['pinfoMap'] as Record<string, string>)['TEL'] === tel,
      )!;
    const one = byTel('+99100005555')['pid'] as string;
    const two = byTel('+99100006666')['pid'] as string;
    expect(planeOf(l.server.node).pendingCallees).toBe(0);
    expect((byTel('+99100005555')['pinfoMap'] as Record<string, string>)['STATE']).toBe('1');
    // Nothing answers by itself: the next change of the meeting is the one made below.
    from = l.mark();
    expect((await l.media('POST', `participants/${one}/answer`, { resultCode: 0 })).status).toBe(204);
    const answered = await l.frame(incremental('ParticipantsNotify'), from);
    expect(items(answered)[0]).toMatchObject({ pid: one, pinfoMap: { STATE: '0' } });
    expect(items(await l.frame(incremental('InviteResultNotify'), from))[0]).toMatchObject({
      callNumber: '+99100005555',
      resultCode: '0',
    });
    expectError(await l.media('POST', `participants/${one}/answer`, { resultCode: 0 }), 400, 'MMC.111070001');

    from = l.mark();
    expect((await l.media('POST', `participants/${two}/answer`, { resultCode: 11111001 })).status).toBe(204);
    expect(items(await l.frame(incremental('ParticipantsNotify'), from))[0]).toMatchObject({
      pid: two,
      mode: 1,
    });
    expect(items(await l.frame(incremental('InviteResultNotify'), from))[0]).toMatchObject({
      callNumber: '+99100006666',
      resultCode: '11111001',
    });
    expectError(
      await l.media('POST', `participants/${two}/answer`, { resultCode: -1 }),
      400,
      'MMC.111070001',
    );
    expectError(await l.media('POST', 'participants/nobody/answer', { resultCode: 0 }), 400, 'MMC.111072010');
    l.client.close();
  });

  it('does nothing when the callee left before its answer was due', async () => {
    const timers = new ManualTimers();
    const server = await startManualServer(timers, { calleeAnswerDelayMs: 1000 });
    const l = await live(server);
    const from = l.mark();
    await invite(l, '+99100007777');
    const calling = await l.frame(incremental('ParticipantsNotify'), from);
    const pid = items(calling)[0]!['pid'] as string;
    await eventually(() => (planeOf(server.node).pendingCallees === 1 ? true : undefined));
    expect((await l.media('POST', `participants/${pid}/leave`, {})).status).toBe(204);
    await eventually(() => (planeOf(server.node).pendingCallees === 0 ? true : undefined));
    timers.advance(1000);
    expect(timers.pending).toBe(0);
    const state = await committed(l);
    expect(state.streams.ParticipantsNotify.items.has(pid)).toBe(false);
    l.client.close();
  });
});

describe('POST …/volumes (speakers)', () => {
  it('pushes the three loudest with name and speakingVolume, then silence without data', async () => {
    const l = await live(await startTestServer({ config: { speakerIntervalMs: 20 } }));
    const a = await l.join({ name: 'Alice' });
    const b = await l.join({ name: 'Bob' });
    const c = await l.join({ name: '张三' });
    const d = await l.join({ name: 'Dmitri' });
    const from = l.mark();
    const res = await l.media('POST', 'volumes', {
      samples: [
        { pid: a, volume: 30 },
        { pid: b, volume: 80.4 },
        { pid: c, volume: 50 },
        { pid: d, volume: 10 },
      ],
    });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ accepted: 4 });
    const speakers = await l.frame((f) => f.action === 'SpeakerChangeNotify' && f.data !== undefined, from);
    expectShape('push-SpeakerChangeNotify.json', speakers);
    expect(speakers.data).toEqual([
      { pid: b, name: 'Bob', speakingVolume: 80 },
      { pid: c, name: '张三', speakingVolume: 50 },
      { pid: a, name: 'Alice', speakingVolume: 30 },
    ]);
    const after = l.client.frames.indexOf(speakers) + 1;
    const silence = await l.frame((f) => f.action === 'SpeakerChangeNotify', after);
    expect('data' in silence).toBe(false);
    expect(silence).toMatchObject({
      confID: l.id,
      msgMode: CATEGORY_SPECS.SpeakerChangeNotify.fullOnly ? 0 : 1,
    });
    await eventually(() => (planeOf(l.server.node).activeFeeds === 0 ? true : undefined));
    l.client.close();
  });

  it('coalesces a flood of samples within one interval into one push', async () => {
    const timers = new ManualTimers();
    const server = await startManualServer(timers, { speakerIntervalMs: 300 });
    const l = await live(server);
    const a = await l.join({ name: 'Alice' });
    const b = await l.join({ name: 'Bob' });
    const c = await l.join({ name: 'Carla' });
    const from = l.mark();
    for (let i = 0; i < 40; i++) {
      const res = await l.media('POST', 'volumes', {
        samples: [
          { pid: a, volume: i % 2 === 0 ? 90 : 20 },
          { pid: b, volume: i % 2 === 0 ? 20 : 90 },
          { pid: c, volume: 5 + i },
        ],
      });
      expect(res.status).toBe(202);
    }
    expect(timers.pending).toBe(1);
    expect(planeOf(server.node).activeFeeds).toBe(1);
    timers.advance(300);
    const pushed = await l.frame((f) => f.action === 'SpeakerChangeNotify', from);
    // The latest sample of each site wins: c 44, b 90, a 20.
    expect(pushed.data).toEqual([
      { pid: b, name: 'Bob', speakingVolume: 90 },
      { pid: c, name: 'Carla', speakingVolume: 44 },
      { pid: a, name: 'Alice', speakingVolume: 20 },
    ]);
    // A later change, pushed after anything the flood could still cause: exactly one speaker push in between.
    expect((await l.media('PUT', `participants/${a}/share`, { sharing: true })).status).toBe(204);
    const marker = await l.frame(incremental('ParticipantsNotify'), from);
    const upTo = l.client.frames.indexOf(marker);
    expect(l.client.frames.slice(from, upTo).filter((f) => f.action === 'SpeakerChangeNotify')).toHaveLength(
      1,
    );

    // Two intervals after the last samples, every site has decayed to silence, and the feed stops.
    const before = l.mark();
    timers.advance(300);
    const silence = await l.frame((f) => f.action === 'SpeakerChangeNotify', before);
    expect('data' in silence).toBe(false);
    expect(timers.pending).toBe(0);
    await eventually(() => (planeOf(server.node).activeFeeds === 0 ? true : undefined));
    l.client.close();
  });

  it('refuses unknown sites and out-of-range volumes', async () => {
    const l = await live(await startTestServer());
    const a = await l.join({ name: 'Alice' });
    expectError(
      await l.media('POST', 'volumes', { samples: [{ pid: 'nobody', volume: 10 }] }),
      400,
      'MMC.111072010',
    );
    expectError(
      await l.media('POST', 'volumes', { samples: [{ pid: a, volume: 101 }] }),
      400,
      'MMC.111070001',
    );
    expectError(
      await l.media('POST', 'volumes', { samples: [{ pid: a, volume: -1 }] }),
      400,
      'MMC.111070001',
    );
    expectError(await l.media('POST', 'volumes', { samples: [] }), 400, 'MMC.111070001');
    expect(planeOf(l.server.node).activeFeeds).toBe(0);
    l.client.close();
  });
});

describe('POST …/net-quality', () => {
  it('pushes NetConditionNotify with string values and an integer bandwidth', async () => {
    const l = await live(await startTestServer());
    const pid = await l.join({ name: 'Alice' });
    const from = l.mark();
    const res = await l.media('POST', 'net-quality', {
      reports: [{ pid, delay: 37, jitter: 0, lostPacketRate: 0, fluxIn: 2, fluxOut: 2, bandwidth: 61440 }],
    });
    expect(res.status).toBe(204);
    const frame = await l.frame(incremental('NetConditionNotify'), from);
    expectShape('push-NetConditionNotify.json', frame);
    const [item] = items(frame);
    expect(item).toMatchObject({
      participantID: pid,
      mode: 0,
      netInfo: 'good',
      delay: '37',
      jitter: '0',
      fluxIn: '2',
      fluxOut: '2',
      lostPacketRate: '0',
      bandwidth: 61440,
      audioCodecType: 'AACLD',
      videoCodecType: 'H264HP',
    });
    for (const [k, v] of Object.entries(item!)) {
      if (k === 'bandwidth') expect(Number.isInteger(v)).toBe(true);
      else if (k !== 'mode' && k !== 'seq') expect(typeof v, k).toBe('string');
    }

    const worse = l.mark();
    await l.media('POST', 'net-quality', {
      reports: [{ pid, delay: 480, lostPacketRate: 1500, bandwidth: 8000 }],
    });
    expect(items(await l.frame(incremental('NetConditionNotify'), worse))[0]).toMatchObject({
      netInfo: 'bad',
      delay: '480',
      lostPacketRate: '1500',
      bandwidth: 8000,
    });
    expectError(await l.media('POST', 'net-quality', { reports: [{ pid: 'nobody' }] }), 400, 'MMC.111072010');
    expectError(
      await l.media('POST', 'net-quality', { reports: [{ pid, bandwidth: 1.5 }] }),
      400,
      'MMC.111070001',
    );
    expectError(
      await l.media('POST', 'net-quality', { reports: [{ pid, lostPacketRate: 10001 }] }),
      400,
      'MMC.111070001',
    );
    l.client.close();
  });
});

describe('POST …/captions', () => {
  it('is refused while captions are off, then pushes RealTimeSubtitleNotify with string version/createTime', async () => {
    const l = await live(await startTestServer());
    const pid = await l.join({ name: 'Speaker' });
    const caption = {
      pid,
      text: '实时字幕。',
      lang: 'English',
      isFinal: false,
      beginTime: 100,
      endTime: 900,
      id: 'c1',
    };
    expectError(await l.media('POST', 'captions', caption), 400, 'MMC.111072088');

    l.client.send({
      sequence: '000000000000000000000000000042',
      action: 'ConfControl',
      type: 'REALTIMESUBTITLE',
      data: JSON.stringify({ conferenceID: l.id, confToken: l.confToken, isSubtitle: 1, subtitleType: 0 }),
    });
    const reply = await l.frame((f) => f.action === 'ConfControl');
    expect(reply.data).toMatchObject({ returnCode: 0 });

    const from = l.mark();
    expect((await l.media('POST', 'captions', caption)).status).toBe(204);
    const frame = await l.frame(incremental('RealTimeSubtitleNotify'), from);
    expectShape('push-RealTimeSubtitleNotify.json', { ...frame, msgMode: 0 });
    expect(frame).toMatchObject({
      version: '1',
      createTime: expect.stringMatching(/^\d+$/),
      data: {
        msgs: [{ subtitleLang: 'English', translateText: '实时字幕。', id: 'c1' }],
        isFinal: false,
        timestamp: expect.any(Number),
        beginTime: 100,
        endTime: 900,
        participantID: pid,
      },
    });
    expectError(await l.media('POST', 'captions', { ...caption, endTime: 50 }), 400, 'MMC.111070001');
    expectError(await l.media('POST', 'captions', { ...caption, pid: 'nobody' }), 400, 'MMC.111072010');
    expectError(await l.media('POST', 'captions', { ...caption, text: '' }), 400, 'MMC.111070001');
    l.client.close();
  });
});

describe('PUT …/share, /camera, /hand, /mute', () => {
  it.each([
    ['share', { sharing: true }, { SHARE: '1' }, { sharing: false }, { SHARE: '0' }],
    ['camera', { on: false }, { CAMERASTATE: '0' }, { on: true }, { CAMERASTATE: '1' }],
    ['hand', { raised: true }, { HAND: '1' }, { raised: false }, { HAND: '0' }],
    ['mute', { mute: true }, { MUTE: '1' }, { mute: false }, { MUTE: '0' }],
  ])('%s sets exactly its pinfoMap key', async (path, on, onInfo, off, offInfo) => {
    const l = await live(await startTestServer());
    const pid = await l.join({ name: 'Alice' });
    let from = l.mark();
    expect((await l.media('PUT', `participants/${pid}/${path}`, on)).status).toBe(204);
    expect(items(await l.frame(incremental('ParticipantsNotify'), from))).toEqual([
      { pid, mode: 0, pinfoMap: onInfo, seq: expect.any(Number) },
    ]);
    from = l.mark();
    expect((await l.media('PUT', `participants/${pid}/${path}`, off)).status).toBe(204);
    expect(items(await l.frame(incremental('ParticipantsNotify'), from))).toEqual([
      { pid, mode: 0, pinfoMap: offInfo, seq: expect.any(Number) },
    ]);
    expectError(await l.media('PUT', `participants/nobody/${path}`, on), 400, 'MMC.111072010');
    expectError(await l.media('PUT', `participants/${pid}/${path}`, {}), 400, 'MMC.111070001');
    expectError(
      await l.media('PUT', `participants/${pid}/${path}`, { ...on, extra: 1 }),
      400,
      'MMC.111070001',
    );
    l.client.close();
  });

  it('refuses self-unmuting while the host forbids it', async () => {
    const l = await live(await startTestServer());
    const pid = await l.join({ name: 'Alice' });
    await l.server.node.engine.execute(l.id, { type: 'muteAll', mute: true, allowUnmuteByOneself: false });
    expectError(await l.media('PUT', `participants/${pid}/mute`, { mute: false }), 403, 'MMC.111072023');
    l.client.close();
  });
});

describe('authentication and validation', () => {
  it('needs an access token of an enterprise administrator or the meeting owner', async () => {
    const server = await startTestServer();
    const l = await live(server);
    const path = 'participants';
    const body = { name: 'Alice' };
    expectError(await l.media('POST', path, body, ''), 401, 'USG.201040006');
    expectError(await l.media('POST', path, body, 'cptunknown'), 401, 'USG.201040006');
    // Authentication comes first: an unauthenticated caller learns nothing about the body.
    expectError(await l.media('POST', path, { bogus: true }, 'cptunknown'), 401, 'USG.201040006');

    const plain = await loginAsTestUser(server);
    expectError(await l.media('POST', path, body, plain.accessToken), 403, 'MMC.111070003');
    const admin = await loginAsTestUser(server, { admin: true });
    expect((await l.media('POST', path, body, admin.accessToken)).status).toBe(200);

    // The owner of a meeting may drive it without being an administrator.
    const ownerToken = await appAuth(server, 'owner-1');
    const own = await createMeeting(server, ownerToken, { subject: 'own' });
    const res = await http(
      server,
      'POST',
      `/confpush/v1/media/conferences/${own.conferenceID}/participants`,
      {
        headers: { 'X-Access-Token': ownerToken },
        body,
      },
    );
    expect(res.status).toBe(200);

    // Another enterprise's administrator does not see the meeting at all.
    const now = Date.now();
    await server.node.store.identity.putCorp({
      corpId: '200000002',
      spId: null,
      name: 'other',
      createdAt: now,
    });
    const foreignUser = {
      ...admin.user,
      userId: hex32(),
      corpId: '200000002',
      thirdAccount: 'foreign-admin',
    };
    await server.node.store.identity.putUser(foreignUser);
    const foreign = token('cpt');
    await server.node.store.identity.putAccessToken(
      {
        token: foreign,
        userId: foreignUser.userId,
        clientType: 72,
        tokenIp: '127.0.0.1',
        createdAt: now,
        expiresAt: now + 3_600_000,
        refreshToken: token('cpr'),
        refreshExpiresAt: now + 7_200_000,
      },
      64,
    );
    expectError(await l.media('POST', path, body, foreign), 400, 'MMC.111070005');
    l.client.close();
  });

  it('needs an existing meeting in progress', async () => {
    const server = await startTestServer();
    const accessToken = await appAuth(server);
    const media = (id: string) =>
      http(server, 'POST', `/confpush/v1/media/conferences/${id}/participants`, {
        headers: { 'X-Access-Token': accessToken },
        body: { name: 'Alice' },
      });
    expectError(await media('999999999'), 400, 'MMC.111070005');
    const startTime = new Date(Date.now() + 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
    const scheduled = await createMeeting(server, accessToken, { subject: 'later', startTime });
    expectError(await media(scheduled.conferenceID), 400, 'MMC.111072005');
    const l = await live(server);
    await server.node.engine.execute(l.id, { type: 'stop' });
    expectError(await media(l.id), 400, 'MMC.111072005');
  });

  it('validates every body against its schema and changes nothing when refusing', async () => {
    const l = await live(await startTestServer());
    const before = (await committed(l)).streams.ParticipantsNotify.seq;
    const bad: [string, unknown][] = [
      ['name too long', { name: 'x'.repeat(97) }],
      ['no name', { tel: '+991' }],
      ['unknown field', { name: 'A', colour: 'red' }],
      ['bad role', { name: 'A', role: 3 }],
      ['bad login type', { name: 'A', loginType: 'Watch' }],
      ['bad pid', { name: 'A', pid: 'has space' }],
      ['pid too long', { name: 'A', pid: 'p'.repeat(65) }],
      ['tel too long', { name: 'A', tel: '1'.repeat(128) }],
    ];
    for (const [label, body] of bad) {
      const res = await l.media('POST', 'participants', body);
      expect(res.status, label).toBe(400);
      expect((res.body as { error_code: string }).error_code, label).toBe('MMC.111070001');
      expect((res.body as { error_msg: string }).error_msg, label).toMatch(/^INVALID_PARAMETER: body/);
    }
    const notJson = await http(l.server, 'POST', `/confpush/v1/media/conferences/${l.id}/participants`, {
      headers: { 'X-Access-Token': l.meeting.accessToken },
      body: '{"name":',
    });
    expectError(notJson, 400, 'MMC.111070001');
    expect((await committed(l)).streams.ParticipantsNotify.seq).toBe(before);
    l.client.close();
  });
});

describe('MediaPlane on manual time', () => {
  function fakePort(): MediaPort & { commands: MediaCommand[] } {
    const commands: MediaCommand[] = [];
    return {
      commands,
      execute: async (_id, command) => {
        commands.push(command);
        return undefined as never;
      },
      read: async () => undefined,
    };
  }

  function plane(timers: ManualTimers, port: MediaPort) {
    return new MediaPlane({
      port,
      logger: testLogger(),
      timers,
      speakerIntervalMs: 100,
      calleeAnswerDelayMs: 0,
      calleeFailPattern: '0000$',
      calleeFailCode: 11111003,
    });
  }

  it('sends at most one speakers command per interval, decays a site after two intervals without samples, then stops', async () => {
    const timers = new ManualTimers();
    const port = fakePort();
    const media = plane(timers, port);
    expect(timers.pending).toBe(0);
    for (let v = 1; v <= 50; v++) media.volumes('m1', [{ pid: 'a', volume: v }]);
    media.volumes('m1', [{ pid: 'b', volume: 40 }]);
    expect(port.commands).toEqual([]);
    expect(timers.pending).toBe(1);
    timers.advance(99);
    expect(port.commands).toEqual([]);
    timers.advance(1);
    expect(port.commands).toEqual([
      {
        type: 'speakers',
        volumes: [
          { pid: 'a', volume: 50 },
          { pid: 'b', volume: 40 },
        ],
      },
    ]);
    timers.advance(50);
    media.volumes('m1', [
      { pid: 'b', volume: 0 },
      { pid: 'a', volume: 60 },
    ]);
    timers.advance(50);
    expect(port.commands[1]).toEqual({ type: 'speakers', volumes: [{ pid: 'a', volume: 60 }] });
    timers.advance(100);
    expect(port.commands[2]).toEqual({ type: 'speakers', volumes: [{ pid: 'a', volume: 60 }] });
    timers.advance(100);
    expect(port.commands[3]).toEqual({ type: 'speakers', volumes: [] });
    expect(timers.pending).toBe(0);
    expect(media.activeFeeds).toBe(0);
    timers.advance(1000);
    expect(port.commands).toHaveLength(4);
    await media.close();
  });

  it('keeps meetings apart and cancels everything on close', async () => {
    const timers = new ManualTimers();
    const port = fakePort();
    const media = plane(timers, port);
    media.volumes('m1', [{ pid: 'a', volume: 10 }]);
    media.volumes('m2', [{ pid: 'x', volume: 20 }]);
    expect(timers.pending).toBe(2);
    await media.close();
    expect(timers.pending).toBe(0);
    media.volumes('m1', [{ pid: 'a', volume: 10 }]);
    timers.advance(1000);
    expect(port.commands).toEqual([]);
  });
});

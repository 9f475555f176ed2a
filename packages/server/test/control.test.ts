/**
 * Live meeting control over real HTTP, observed through a real push socket: for every control call the exact
 * incremental messages it causes, the host/participant role check, token refusals, unknown participants, invalid
 * bodies (each refusal changing nothing), and `realTimeInfo` agreeing with a replica built from the pushed frames.
 *
 * Participants get into the meeting through the in-process media plane: invited with `POST /participants` and
 * answering (`callResult`), or joining by themselves (`join`).
 */
import { clockWithNow } from '../src/clock.js';
import {
  CategoryReplica,
  PUSH_CATEGORIES,
  ERRORS,
  type Item,
  type PushCategory,
  type ErrorName,
} from '@confpush/protocol';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../src/clock.js';
import { confToken, http, openPush, runningMeeting } from './chain.js';
import { startTestServer, type TestServer } from './helpers.js';
import { expectedRealTimeInfo } from './support/realtime-view.js';
import type { Frame, PushClient } from './push-client.js';

const BASE = '/v1/mmc/control/conferences';
const CHAIR_TEL = '+99100000000010';
const ALICE_TEL = '+99100000000011';
const BOB_TEL = '+99100000000012';
const ENVELOPE = new Set(['action', 'version', 'createTime', 'msgID', 'msgMode', 'confID', 'seq', 'epoch']);

interface Room {
  server: TestServer;
  conferenceID: string;
  chairPwd: string;
  guestPwd: string;
  /** Control tokens: host password, guest password. */
  host: string;
  guest: string;
  /** Participant IDs: the host's own site (ROLE 1), an invited site that answered, a site that joined. */
  chair: string;
  alice: string;
  bob: string;
  client: PushClient;
  /** Replicas of every category, built only from the frames the subscriber received. */
  replicas: Record<PushCategory, CategoryReplica>;
}

interface CallOptions {
  token?: string | null;
  query?: Record<string, string>;
  body?: unknown;
  headers?: Record<string, string>;
}

async function call(r: Room, method: string, path: string, options: CallOptions = {}) {
  const query = new URLSearchParams({ conferenceID: r.conferenceID, ...options.query });
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? r.host : options.token;
  if (token !== null) headers['X-Conference-Authorization'] = token;
  return http(r.server, method, `${BASE}${path}?${query.toString()}`, {
    headers,
    ...(options.body !== undefined ? { body: options.body } : {}),
  });
}

/** A call that must succeed with Huawei's empty 200. */
async function ok(r: Room, method: string, path: string, options: CallOptions = {}): Promise<void> {
  const res = await call(r, method, path, options);
  expect(res.body, `${method} ${path}`).toBeUndefined();
  expect(res.status, `${method} ${path}`).toBe(200);
}

function expectError(res: { status: number; body: unknown }, name: ErrorName, label = ''): void {
  const spec = ERRORS[name];
  expect(
    { status: res.status, code: (res.body as { error_code?: string } | undefined)?.error_code },
    label,
  ).toEqual({ status: spec.status, code: spec.code });
}

async function pidOf(server: TestServer, conferenceID: string, tel: string): Promise<string> {
  const runtime = await server.node.engine.load(conferenceID);
  for (const [pid, item] of runtime!.committed.streams.ParticipantsNotify.items) {
    if ((item['pinfoMap'] as Record<string, string>)['TEL'] === tel) return pid;
  }
  throw new Error(`no participant with TEL ${tel}`);
}

/**
 * A running meeting with three online participants and a host subscriber to every category whose full messages
 * have been consumed: the next frame it receives is the first change a test makes.
 */
async function room(options: { clock?: Clock } = {}): Promise<Room> {
  const server = await startTestServer(options.clock ? { clock: options.clock } : {});
  const meeting = await runningMeeting(server);
  const { conferenceID, chairPwd, guestPwd } = meeting;
  const host = (await confToken(server, conferenceID, chairPwd)).token;
  const guest = (await confToken(server, conferenceID, guestPwd)).token;
  const engine = server.node.engine;
  await engine.execute(conferenceID, { type: 'join', site: { name: 'Host', tel: CHAIR_TEL, role: 1 } });
  const invited = await http(server, 'POST', `${BASE}/participants?conferenceID=${conferenceID}`, {
    headers: { 'X-Conference-Authorization': host },
    body: { attendees: [{ name: 'Alice', phone: ALICE_TEL, type: 'normal' }] },
  });
  expect(invited.status).toBe(200);
  const alice = await pidOf(server, conferenceID, ALICE_TEL);
  await engine.execute(conferenceID, { type: 'callResult', pid: alice, resultCode: 0 });
  await engine.execute(conferenceID, { type: 'join', site: { name: 'Bob', tel: BOB_TEL } });

  const { client, conf } = await openPush(server, conferenceID, chairPwd);
  client.subscribe(conf.token, [...PUSH_CATEGORIES]);
  expect((await client.nextAction('Subscribe')).data).toMatchObject({ returnCode: 0 });
  const replicas = {} as Record<PushCategory, CategoryReplica>;
  for (const category of PUSH_CATEGORIES) replicas[category] = new CategoryReplica(category);
  for (let i = 0; i < PUSH_CATEGORIES.length; i++) {
    const full = await client.next();
    expect(full['msgMode']).toBe(0);
    expect(replicas[full.action as PushCategory].applyFrame(full)).toBe('applied');
  }
  return {
    server,
    conferenceID,
    chairPwd,
    guestPwd,
    host,
    guest,
    chair: await pidOf(server, conferenceID, CHAIR_TEL),
    alice,
    bob: await pidOf(server, conferenceID, BOB_TEL),
    client,
    replicas,
  };
}

/** The next push frame, applied to the subscriber's replicas (it must apply in order, without a gap). */
async function next(r: Room, action: PushCategory, msgMode: 0 | 1 = 1): Promise<Frame> {
  const frame = await r.client.next();
  expect({ action: frame.action, msgMode: frame['msgMode'] }).toEqual({ action, msgMode });
  expect(r.replicas[action].applyFrame(frame)).toBe('applied');
  return frame;
}

/** The list items of a frame without the per-item sequence number. */
function itemsOf(frame: Frame): Item[] {
  return (frame.data as Item[]).map(({ seq: _seq, ...rest }) => rest);
}

function fieldsOf(frame: Frame): Item {
  return Object.fromEntries(Object.entries(frame).filter(([k]) => !ENVELOPE.has(k)));
}

async function expectParticipants(r: Room, expected: Item[]): Promise<Frame> {
  const frame = await next(r, 'ParticipantsNotify');
  expect(itemsOf(frame)).toEqual(expected);
  return frame;
}

const patch = (pid: string, pinfoMap: Record<string, string>) => ({ pid, mode: 0, pinfoMap });

async function expectStatus(r: Room, fields: Item): Promise<void> {
  expect(fieldsOf(await next(r, 'ConfDynamicInfoNotify'))).toEqual(fields);
}

/** Stream positions and record of the committed meeting, to prove a refused call changed nothing. */
async function positions(r: Room): Promise<unknown> {
  const runtime = await r.server.node.engine.load(r.conferenceID);
  const state = runtime!.committed;
  return {
    record: state.record,
    seqs: PUSH_CATEGORIES.map((c) => [c, state.streams[c].seq]),
  };
}

/** Proves that nothing was pushed since the last frame taken: a new change must be the very next frame. */
async function expectNothingPushed(r: Room): Promise<void> {
  const locked = r.replicas.ConfDynamicInfoNotify.fields['lock'] === 1;
  await ok(r, 'PUT', '/lock', { body: { isLock: locked ? 0 : 1 } });
  await expectStatus(r, { lock: locked ? 0 : 1 });
}

describe('participant control pushes exactly the change', () => {
  it('POST /participants/delete hangs sites up: ParticipantsNotify mode 1 and InviteResultNotify 11076002', async () => {
    const r = await room();
    await ok(r, 'POST', '/participants/delete', { body: { bulkHangUpParticipants: [r.alice, r.alice] } });
    await expectParticipants(r, [{ pid: r.alice, mode: 1 }]);
    const result = await next(r, 'InviteResultNotify');
    expect(itemsOf(result)).toHaveLength(1);
    expect(itemsOf(result)[0]).toMatchObject({ callNumber: ALICE_TEL, resultCode: '11076002' });
    // Hung up, not deleted: still an attendee.
    expect(r.replicas.AttendeesNotify.items.has(r.alice)).toBe(true);
    r.client.close();
  });

  it('PUT /participants/mute: the host mutes and unmutes a participant (only MUTE)', async () => {
    const r = await room();
    await ok(r, 'PUT', '/participants/mute', { query: { participantID: r.bob }, body: { isMute: 1 } });
    await expectParticipants(r, [patch(r.bob, { MUTE: '1' })]);
    await ok(r, 'PUT', '/participants/mute', { query: { participantID: r.bob }, body: { isMute: 0 } });
    await expectParticipants(r, [patch(r.bob, { MUTE: '0' })]);
    r.client.close();
  });

  it('PUT /participants/mute with a participant token (un)mutes that participant unless self-unmute is off', async () => {
    const r = await room();
    await ok(r, 'PUT', '/participants/mute', {
      token: r.guest,
      query: { participantID: r.bob },
      body: { isMute: 1 },
    });
    await expectParticipants(r, [patch(r.bob, { MUTE: '1' })]);
    await ok(r, 'PUT', '/participants/mute', {
      token: r.guest,
      query: { participantID: r.bob },
      body: { isMute: 0 },
    });
    await expectParticipants(r, [patch(r.bob, { MUTE: '0' })]);

    await ok(r, 'PUT', '/mute', { body: { isMute: 1, allowUnmuteByOneself: 0 } });
    await expectStatus(r, { mute: 1, canUnmute: 0 });
    await expectParticipants(r, [patch(r.alice, { MUTE: '1' }), patch(r.bob, { MUTE: '1' })]);
    const before = await positions(r);
    const refused = await call(r, 'PUT', '/participants/mute', {
      token: r.guest,
      query: { participantID: r.bob },
      body: { isMute: 0 },
    });
    expectError(refused, 'SELF_UNMUTE_FORBIDDEN');
    expect(await positions(r)).toEqual(before);
    // The host may still unmute.
    await ok(r, 'PUT', '/participants/mute', { query: { participantID: r.bob }, body: { isMute: 0 } });
    await expectParticipants(r, [patch(r.bob, { MUTE: '0' })]);
    r.client.close();
  });

  it('PUT /participants/role: the host gives the role (the previous host loses it)', async () => {
    const r = await room();
    await ok(r, 'PUT', '/participants/role', { query: { participantID: r.bob }, body: { applyChair: 1 } });
    await expectParticipants(r, [patch(r.chair, { ROLE: '0' }), patch(r.bob, { ROLE: '1' })]);
    await ok(r, 'PUT', '/participants/role', { query: { participantID: r.bob }, body: { applyChair: 0 } });
    await expectParticipants(r, [patch(r.bob, { ROLE: '0' })]);
    r.client.close();
  });

  it('PUT /participants/role: a participant token applies with the host password, and only with it', async () => {
    const r = await room();
    const before = await positions(r);
    const asGuest = (body: unknown) =>
      call(r, 'PUT', '/participants/role', { token: r.guest, query: { participantID: r.bob }, body });
    expectError(await asGuest({ applyChair: 1, chairmanPwd: `${r.chairPwd}0` }), 'CONF_AUTH_FAILED', 'wrong');
    expectError(await asGuest({ applyChair: 1, chairmanPwd: r.guestPwd }), 'CONF_AUTH_FAILED', 'guest pwd');
    expectError(await asGuest({ applyChair: 1 }), 'CONF_AUTH_FAILED', 'no pwd');
    expectError(await asGuest({ applyChair: 0 }), 'CONF_NOT_CHAIR', 'release without pwd');
    expect(await positions(r)).toEqual(before);
    await expectNothingPushed(r);

    const res = await asGuest({ applyChair: 1, chairmanPwd: r.chairPwd });
    expect(res.status).toBe(200);
    await expectParticipants(r, [patch(r.chair, { ROLE: '0' }), patch(r.bob, { ROLE: '1' })]);
    r.client.close();
  });

  it('PUT /participants/cohost sets and revokes IS_COHOST', async () => {
    const r = await room();
    await ok(r, 'PUT', '/participants/cohost', { query: { participantID: r.bob }, body: { isCohost: 1 } });
    await expectParticipants(r, [patch(r.bob, { IS_COHOST: '1' })]);
    await ok(r, 'PUT', '/participants/cohost', { query: { participantID: r.bob }, body: { isCohost: 0 } });
    await expectParticipants(r, [patch(r.bob, { IS_COHOST: '0' })]);
    r.client.close();
  });

  it('PUT /participants/name renames the attendee and the participant; by number when no participantID', async () => {
    const r = await room();
    await ok(r, 'PUT', '/participants/name', {
      body: { participantID: r.alice, number: ALICE_TEL, newName: 'Alicia' },
    });
    const attendees = await next(r, 'AttendeesNotify');
    expect(itemsOf(attendees)).toHaveLength(1);
    expect(itemsOf(attendees)[0]).toMatchObject({
      participantID: r.alice,
      mode: 0,
      name: 'Alicia',
      phone: ALICE_TEL,
    });
    await expectParticipants(r, [patch(r.alice, { NAME: 'Alicia' })]);

    await ok(r, 'PUT', '/participants/name', { body: { number: BOB_TEL, newName: 'Robert' } });
    await expectParticipants(r, [patch(r.bob, { NAME: 'Robert' })]);

    const long = await call(r, 'PUT', '/participants/name', {
      body: { number: BOB_TEL, newName: 'x'.repeat(97) },
    });
    expectError(long, 'MMC_INVALID_PARAMETER');
    await ok(r, 'PUT', '/participants/name', { body: { number: BOB_TEL, newName: 'y'.repeat(96) } });
    await expectParticipants(r, [patch(r.bob, { NAME: 'y'.repeat(96) })]);
    r.client.close();
  });

  it('PUT /participants/hands: host or participant token; PUT /participants/batch/hands: host', async () => {
    const r = await room();
    await ok(r, 'PUT', '/participants/hands', { query: { participantID: r.bob }, body: { handsState: 1 } });
    await expectParticipants(r, [patch(r.bob, { HAND: '1' })]);
    await ok(r, 'PUT', '/participants/hands', {
      token: r.guest,
      query: { participantID: r.bob },
      body: { handsState: 0 },
    });
    await expectParticipants(r, [patch(r.bob, { HAND: '0' })]);
    await ok(r, 'PUT', '/participants/batch/hands', { body: { handsState: 1, pids: [r.alice, r.bob] } });
    await expectParticipants(r, [patch(r.alice, { HAND: '1' }), patch(r.bob, { HAND: '1' })]);
    await ok(r, 'PUT', '/participants/batch/hands', { body: { handsState: 0, pids: [r.bob] } });
    await expectParticipants(r, [patch(r.bob, { HAND: '0' })]);
    r.client.close();
  });

  it('PUT /participants/video asks to close (1) and open (0) the camera', async () => {
    const r = await room();
    await ok(r, 'PUT', '/participants/video', { query: { participantID: r.bob }, body: { status: 1 } });
    await expectParticipants(r, [patch(r.bob, { CAMERASTATE: '0' })]);
    await ok(r, 'PUT', '/participants/video', { query: { participantID: r.bob }, body: { status: 0 } });
    await expectParticipants(r, [patch(r.bob, { CAMERASTATE: '1' })]);
    r.client.close();
  });

  it('PUT /participants/share/invite sets INVITE_SHARE_STATE', async () => {
    const r = await room();
    await ok(r, 'PUT', '/participants/share/invite', { query: { participantID: r.bob }, body: { share: 1 } });
    await expectParticipants(r, [patch(r.bob, { INVITE_SHARE_STATE: '1' })]);
    await ok(r, 'PUT', '/participants/share/invite', { query: { participantID: r.bob }, body: { share: 0 } });
    await expectParticipants(r, [patch(r.bob, { INVITE_SHARE_STATE: '0' })]);
    r.client.close();
  });

  it('PUT /participants/broadcast and PUT /cancelBroadcast (body-less, with or without a JSON content type)', async () => {
    const r = await room();
    await ok(r, 'PUT', '/participants/broadcast', {
      query: { participantID: r.bob },
      headers: { 'Content-Type': 'application/json' },
    });
    await expectStatus(r, { mode: 'BROADCAST' });
    await expectParticipants(r, [patch(r.bob, { BROADCAST: '1' })]);
    await ok(r, 'PUT', '/participants/broadcast', { query: { participantID: r.alice } });
    await expectParticipants(r, [patch(r.alice, { BROADCAST: '1' }), patch(r.bob, { BROADCAST: '0' })]);
    await ok(r, 'PUT', '/cancelBroadcast', { headers: { 'Content-Type': 'application/json' } });
    await expectStatus(r, { mode: 'FREE' });
    await expectParticipants(r, [patch(r.alice, { BROADCAST: '0' })]);
    r.client.close();
  });

  it('PUT /participants/rollCall gives the floor and unmutes', async () => {
    const r = await room();
    await ok(r, 'PUT', '/participants/mute', { query: { participantID: r.bob }, body: { isMute: 1 } });
    await expectParticipants(r, [patch(r.bob, { MUTE: '1' })]);
    await ok(r, 'PUT', '/participants/rollCall', { query: { participantID: r.bob } });
    await expectStatus(r, { mode: 'ROLLCALL' });
    await expectParticipants(r, [patch(r.bob, { ROLLCALL: '1', MUTE: '0' })]);
    r.client.close();
  });

  it('PUT /partView sets VIEW_TYPE; PUT /lockView sets LOCKED_VIEW', async () => {
    const r = await room();
    await ok(r, 'PUT', '/partView', {
      query: { participantID: r.bob },
      body: { viewType: 2, participantID: r.alice },
    });
    await expectParticipants(r, [patch(r.bob, { VIEW_TYPE: '2' })]);
    await ok(r, 'PUT', '/partView', {
      query: { participantID: r.bob },
      body: { viewType: 0, participantID: r.alice },
    });
    await expectParticipants(r, [patch(r.bob, { VIEW_TYPE: '0' })]);
    await ok(r, 'PUT', '/lockView', {
      query: { participantID: r.bob },
      body: { status: 1, participantID: r.alice },
    });
    await expectParticipants(r, [patch(r.bob, { LOCKED_VIEW: '1' })]);
    r.client.close();
  });

  it('PUT /allowClientRecord sets ALLOW_CLIENT_REC', async () => {
    const r = await room();
    await ok(r, 'PUT', '/allowClientRecord', {
      query: { participantID: r.bob },
      body: { allowClientRecord: 1 },
    });
    await expectParticipants(r, [patch(r.bob, { ALLOW_CLIENT_REC: '1' })]);
    r.client.close();
  });
});

describe('meeting control pushes exactly the change', () => {
  it('PUT /mute mutes everyone but the host; PUT /mute/guestUnMute sets canUnmute', async () => {
    const r = await room();
    await ok(r, 'PUT', '/mute', { body: { isMute: 1, allowUnmuteByOneself: 0 } });
    await expectStatus(r, { mute: 1, canUnmute: 0 });
    await expectParticipants(r, [patch(r.alice, { MUTE: '1' }), patch(r.bob, { MUTE: '1' })]);
    await ok(r, 'PUT', '/mute/guestUnMute', { body: { allowUnmuteByOneself: 1 } });
    await expectStatus(r, { canUnmute: 1 });
    await ok(r, 'PUT', '/mute', { body: { isMute: 0 } });
    await expectStatus(r, { mute: 0 });
    await expectParticipants(r, [patch(r.alice, { MUTE: '0' }), patch(r.bob, { MUTE: '0' })]);
    r.client.close();
  });

  it('PUT /lock sets lock', async () => {
    const r = await room();
    await ok(r, 'PUT', '/lock', { body: { isLock: 1 } });
    await expectStatus(r, { lock: 1 });
    await ok(r, 'PUT', '/lock', { body: { isLock: 0 } });
    await expectStatus(r, { lock: 0 });
    r.client.close();
  });

  it('PUT /updateStartedConfConfig changes every documented setting', async () => {
    const r = await room();
    await ok(r, 'PUT', '/updateStartedConfConfig', {
      body: {
        lockSharing: 1,
        callInRestriction: 2,
        allowUnmuteByOneself: 0,
        chatPermission: 1,
        audienceCallInRestriction: 2,
        clientRecMode: 1,
        allowOpenCamera: 0,
        allowRename: 0,
        isLock: 1,
        freeShare: 0,
      },
    });
    await expectStatus(r, {
      lockSharing: 1,
      callInRestriction: 2,
      canUnmute: 0,
      forbiddenChat: 1,
      chatPermission: 1,
      audienceCallInRestriction: 2,
      clientRecMode: 1,
      allowOpenCamera: 0,
      allowRename: 0,
      lock: 1,
      enableShareSetting: 0,
    });
    await ok(r, 'PUT', '/updateStartedConfConfig', { body: { chatPermission: 4 } });
    await expectStatus(r, { forbiddenChat: 0, chatPermission: 4 });
    // Nothing asked, nothing changed, nothing pushed.
    await ok(r, 'PUT', '/updateStartedConfConfig', { body: {} });
    await expectNothingPushed(r);
    r.client.close();
  });

  it('PUT /duration extends endTime by duration minutes, 15 by default', async () => {
    const r = await room();
    const endTime = () => Number(r.replicas.ConfDynamicInfoNotify.fields['endTime']);
    const first = endTime();
    const length = (await r.server.node.engine.load(r.conferenceID))!.committed.record.length;
    await ok(r, 'PUT', '/duration', { body: { auto: 0, duration: 30 } });
    await expectStatus(r, { endTime: String(first + 30 * 60_000) });
    await ok(r, 'PUT', '/duration', { body: { auto: 1 } });
    await expectStatus(r, { endTime: String(first + 45 * 60_000) });
    const runtime = await r.server.node.engine.load(r.conferenceID);
    expect(runtime!.committed.record.length).toBe(length + 45);
    r.client.close();
  });

  it('PUT /record and PUT /mmrRecord (0 pause, 1 start, 2 stop) drive recState', async () => {
    const r = await room();
    await ok(r, 'PUT', '/record', { body: { isRecord: 1 } });
    await expectStatus(r, { recState: 1, recOccurred: 1 });
    await ok(r, 'PUT', '/record', { body: { isRecord: 0 } });
    await expectStatus(r, { recState: 0 });
    await ok(r, 'PUT', '/mmrRecord', { body: { recordType: 1 } });
    await expectStatus(r, { recState: 1 });
    await ok(r, 'PUT', '/mmrRecord', { body: { recordType: 0 } });
    await expectStatus(r, { recState: 0 });
    await ok(r, 'PUT', '/mmrRecord', { body: { recordType: 1 } });
    await expectStatus(r, { recState: 1 });
    await ok(r, 'PUT', '/mmrRecord', { body: { recordType: 2 } });
    await expectStatus(r, { recState: 0 });
    r.client.close();
  });

  it('PUT /live and PUT /mmrLive drive liveState', async () => {
    const r = await room();
    await ok(r, 'PUT', '/live', { body: { isLive: 1 } });
    await expectStatus(r, { liveState: 1 });
    await ok(r, 'PUT', '/mmrLive', { body: { liveState: 0 } });
    await expectStatus(r, { liveState: 0 });
    await ok(r, 'PUT', '/mmrLive', { body: { liveState: 1 } });
    await expectStatus(r, { liveState: 1 });
    r.client.close();
  });

  it('PUT /pause pauses and resumes the meeting', async () => {
    const r = await room();
    await ok(r, 'PUT', '/pause', { body: { pause: 1 } });
    await expectStatus(r, { pause: true });
    await ok(r, 'PUT', '/pause', { body: { pause: 0 } });
    await expectStatus(r, { pause: false });
    r.client.close();
  });

  it('PUT /display/mode sets mode, vas and picNum', async () => {
    const r = await room();
    await ok(r, 'PUT', '/display/mode', { body: { switchMode: 'Fixed', imageType: 1 } });
    await expectStatus(r, { vas: 0, mode: 'FIXED', picNum: 4 });
    await ok(r, 'PUT', '/display/mode', { body: { switchMode: 'VAS', imageType: 0 } });
    await expectStatus(r, { vas: 1, mode: 'FREE', picNum: 1 });
    r.client.close();
  });

  it('PUT /chairView starts and stops the host view', async () => {
    const r = await room();
    await ok(r, 'PUT', '/chairView', { body: { viewType: 0, switchTime: 10, status: 1 } });
    await expectStatus(r, { chairView: 1 });
    await ok(r, 'PUT', '/chairView', { body: { viewType: 2, participantID: r.bob, status: 0 } });
    await expectStatus(r, { chairView: 0 });
    await ok(r, 'PUT', '/chairView', { body: { viewType: 1 } });
    await expectStatus(r, { chairView: 1 });
    const before = await positions(r);
    expectError(await call(r, 'PUT', '/chairView', { body: { viewType: 2 } }), 'MMC_INVALID_PARAMETER');
    expectError(
      await call(r, 'PUT', '/chairView', { body: { viewType: 0, switchTime: 9 } }),
      'MMC_INVALID_PARAMETER',
    );
    expect(await positions(r)).toEqual(before);
    r.client.close();
  });

  it('PUT /allowAudience sets allowAudience', async () => {
    const r = await room();
    await ok(r, 'PUT', '/allowAudience', { body: { allowAudience: 1 } });
    await expectStatus(r, { allowAudience: true });
    r.client.close();
  });

  it('PUT /simultaneousInterpretation accepts isOpen as boolean or 0/1 (absent: open)', async () => {
    const r = await room();
    await ok(r, 'PUT', '/simultaneousInterpretation', { body: { isOpen: true } });
    await expectStatus(r, { simultaneousInterpretation: 1 });
    await ok(r, 'PUT', '/simultaneousInterpretation', { body: { isOpen: 0 } });
    await expectStatus(r, { simultaneousInterpretation: 0 });
    await ok(r, 'PUT', '/simultaneousInterpretation', { body: {} });
    await expectStatus(r, { simultaneousInterpretation: 1 });
    await ok(r, 'PUT', '/simultaneousInterpretation', { body: { isOpen: false } });
    await expectStatus(r, { simultaneousInterpretation: 0 });
    await ok(r, 'PUT', '/simultaneousInterpretation', { body: { isOpen: 1 } });
    await expectStatus(r, { simultaneousInterpretation: 1 });
    expectError(
      await call(r, 'PUT', '/simultaneousInterpretation', { body: { isOpen: 2 } }),
      'MMC_INVALID_PARAMETER',
    );
    r.client.close();
  });

  it('PUT /interpreterGroup pushes InterpreterGroupNotify with both data and interpreterGroups', async () => {
    const r = await room();
    const groups = [
      {
        groupID: 'f798ed8d5e45cb342baa6be0dc8b2068',
        firstLanguage: 'en',
        secondLanguage: 'zh',
        interpreters: [
          { userID: 'abe9848d09d640a99aa3c80087a722f0', callNumber: '+99111229866410894', name: 'mmrcorp28' },
        ],
      },
      {
        groupID: 'g2',
        groupName: 'French',
        firstLanguage: 'fr',
        secondLanguage: 'en',
        groupType: 'AI',
        interpreters: [],
      },
    ];
    await ok(r, 'PUT', '/interpreterGroup', { body: { interpreterGroups: groups } });
    const frame = await next(r, 'InterpreterGroupNotify', 0);
    const expected = [
      {
        ...groups[0],
        groupType: 'MANUAL',
        interpreters: [{ ...groups[0]!.interpreters[0], interpreterType: 'MANUAL' }],
      },
      { ...groups[1], groupType: 'AI' },
    ];
    expect(frame.data).toEqual(expected);
    expect(frame['interpreterGroups']).toEqual(expected);
    expect(r.replicas.InterpreterGroupNotify.value).toEqual(expected);

    const before = await positions(r);
    const duplicate = await call(r, 'PUT', '/interpreterGroup', {
      body: { interpreterGroups: [groups[0], { ...groups[1], groupID: groups[0]!.groupID }] },
    });
    expectError(duplicate, 'INTERPRETER_GROUP_DUPLICATE');
    const sameLanguage = await call(r, 'PUT', '/interpreterGroup', {
      body: { interpreterGroups: [{ ...groups[0], secondLanguage: 'en' }] },
    });
    expectError(sameLanguage, 'INTERPRETER_LANGUAGE_INVALID');
    expect(await positions(r)).toEqual(before);

    await ok(r, 'PUT', '/interpreterGroup', { body: { interpreterGroups: [] } });
    const cleared = await next(r, 'InterpreterGroupNotify', 0);
    expect(cleared.data).toEqual([]);
    expect(cleared['interpreterGroups']).toEqual([]);
    r.client.close();
  });
});

describe('waiting room control pushes exactly the change', () => {
  it('PUT /moveToWaitingRoom moves a participant out of the meeting into WaitingListNotify', async () => {
    const r = await room();
    await ok(r, 'PUT', '/moveToWaitingRoom', { body: { participantID: r.bob } });
    await expectParticipants(r, [{ pid: r.bob, mode: 1 }]);
    const waiting = itemsOf(await next(r, 'WaitingListNotify'));
    expect(waiting).toHaveLength(1);
    expect(waiting[0]).toMatchObject({
      pid: r.bob,
      mode: 0,
      pinfoMap: { NAME: 'Bob', TEL: BOB_TEL, WAITINGSTATE: '0', ANONYMOUS: '0' },
    });
    r.client.close();
  });

  it('PUT /batchMoveToWaitingRoom and PUT /allowWaitingParticipant (one, then all)', async () => {
    const r = await room();
    await ok(r, 'PUT', '/batchMoveToWaitingRoom', { body: { batchParticipants: [r.alice, r.bob, r.bob] } });
    await expectParticipants(r, [
      { pid: r.alice, mode: 1 },
      { pid: r.bob, mode: 1 },
    ]);
    const waiting = itemsOf(await next(r, 'WaitingListNotify'));
    expect(waiting.map((w) => [w['pid'], w['mode'], (w['pinfoMap'] as Item)['NAME']])).toEqual([
      [r.alice, 0, 'Alice'],
      [r.bob, 0, 'Bob'],
    ]);

    await ok(r, 'PUT', '/allowWaitingParticipant', { body: { participantID: r.bob } });
    const admitted = itemsOf(await next(r, 'ParticipantsNotify'));
    expect(admitted).toHaveLength(1);
    expect(admitted[0]).toMatchObject({
      pid: r.bob,
      mode: 0,
      pinfoMap: { NAME: 'Bob', TEL: BOB_TEL, STATE: '0', ROLE: '0' },
    });
    expect(itemsOf(await next(r, 'WaitingListNotify'))).toEqual([{ pid: r.bob, mode: 1 }]);

    await ok(r, 'PUT', '/allowWaitingParticipant', { body: { allowAll: true } });
    const all = itemsOf(await next(r, 'ParticipantsNotify'));
    expect(all.map((p) => [p['pid'], (p['pinfoMap'] as Item)['STATE']])).toEqual([[r.alice, '0']]);
    expect(itemsOf(await next(r, 'WaitingListNotify'))).toEqual([{ pid: r.alice, mode: 1 }]);

    const before = await positions(r);
    expectError(await call(r, 'PUT', '/allowWaitingParticipant', { body: {} }), 'MMC_INVALID_PARAMETER');
    expectError(
      await call(r, 'PUT', '/allowWaitingParticipant', { body: { allowAll: 0 } }),
      'MMC_INVALID_PARAMETER',
    );
    expectError(
      await call(r, 'PUT', '/allowWaitingParticipant', { body: { participantID: r.bob } }),
      'PARTICIPANT_NOT_FOUND',
      'no longer waiting',
    );
    expect(await positions(r)).toEqual(before);
    r.client.close();
  });
});

/** Every live-control route, with a valid call of it, and which calls name a participant. */
interface RouteCase {
  method: 'GET' | 'PUT' | 'POST';
  path: string;
  /** A participant token may make this call. */
  guest?: boolean;
  valid: (r: Room) => { query?: Record<string, string>; body?: unknown };
  /** The same call naming a participant that is not online (or waiting, for admission). */
  unknown?: (r: Room) => { query?: Record<string, string>; body?: unknown }[];
  /** Bodies (or queries) the schema refuses. */
  invalid?: (r: Room) => { query?: Record<string, string>; body?: unknown }[];
}

const NOBODY = 'nobody0000000000000000000000000000';
const pidQuery = (pid: string) => ({ participantID: pid });

const ROUTES: RouteCase[] = [
  {
    method: 'POST',
    path: '/participants/delete',
    valid: (r) => ({ body: { bulkHangUpParticipants: [r.bob] } }),
    unknown: (r) => [{ body: { bulkHangUpParticipants: [r.bob, NOBODY] } }],
    invalid: () => [
      { body: {} },
      { body: { bulkHangUpParticipants: [] } },
      { body: { bulkHangUpParticipants: 'x' } },
    ],
  },
  {
    method: 'PUT',
    path: '/participants/mute',
    guest: true,
    valid: (r) => ({ query: pidQuery(r.bob), body: { isMute: 1 } }),
    unknown: () => [{ query: pidQuery(NOBODY), body: { isMute: 1 } }],
    invalid: (r) => [
      { query: pidQuery(r.bob), body: {} },
      { query: pidQuery(r.bob), body: { isMute: 2 } },
      { query: pidQuery(r.bob), body: { isMute: 'yes' } },
      { body: { isMute: 1 } },
    ],
  },
  {
    method: 'PUT',
    path: '/mute',
    valid: () => ({ body: { isMute: 1, allowUnmuteByOneself: 1 } }),
    invalid: () => [{ body: {} }, { body: { isMute: 1, allowUnmuteByOneself: 3 } }, { body: 'not json' }],
  },
  {
    method: 'PUT',
    path: '/mute/guestUnMute',
    valid: () => ({ body: { allowUnmuteByOneself: 0 } }),
    invalid: () => [{ body: {} }, { body: { allowUnmuteByOneself: -1 } }],
  },
  {
    method: 'PUT',
    path: '/participants/role',
    guest: true,
    // Releasing the chair (applyChair 0) keeps Bob a guest, so the co-host route that follows still applies to him.
    valid: (r) => ({ query: pidQuery(r.bob), body: { applyChair: 0 } }),
    unknown: (r) => [{ query: pidQuery(NOBODY), body: { applyChair: 1, chairmanPwd: r.chairPwd } }],
    invalid: (r) => [
      { query: pidQuery(r.bob), body: {} },
      { query: pidQuery(r.bob), body: { applyChair: 5 } },
    ],
  },
  {
    method: 'PUT',
    path: '/participants/cohost',
    valid: (r) => ({ query: pidQuery(r.bob), body: { isCohost: 1 } }),
    unknown: () => [{ query: pidQuery(NOBODY), body: { isCohost: 1 } }],
    invalid: (r) => [{ query: pidQuery(r.bob), body: { isCohost: 2 } }, { body: { isCohost: 1 } }],
  },
  {
    method: 'PUT',
    path: '/participants/name',
    valid: (r) => ({ body: { participantID: r.bob, number: BOB_TEL, newName: 'Robert' } }),
    unknown: () => [
      { body: { participantID: NOBODY, number: '+99199999999998', newName: 'Robert' } },
      { body: { number: '+99199999999999', newName: 'Robert' } },
    ],
    invalid: (r) => [
      { body: { participantID: r.bob, number: BOB_TEL } },
      { body: { participantID: r.bob, newName: 'Robert' } },
      { body: { participantID: r.bob, number: BOB_TEL, newName: '' } },
      { body: { participantID: r.bob, number: BOB_TEL, newName: 'x'.repeat(97) } },
    ],
  },
  {
    method: 'PUT',
    path: '/participants/hands',
    guest: true,
    valid: (r) => ({ query: pidQuery(r.bob), body: { handsState: 1 } }),
    unknown: () => [{ query: pidQuery(NOBODY), body: { handsState: 1 } }],
    invalid: (r) => [{ query: pidQuery(r.bob), body: { handsState: 'up' } }, { body: { handsState: 1 } }],
  },
  {
    method: 'PUT',
    path: '/participants/batch/hands',
    valid: (r) => ({ body: { handsState: 1, pids: [r.alice, r.bob] } }),
    unknown: (r) => [{ body: { handsState: 1, pids: [r.alice, NOBODY] } }],
    invalid: (r) => [
      { body: { handsState: 1 } },
      { body: { handsState: 1, pids: [] } },
      { body: { pids: [r.bob] } },
    ],
  },
  {
    method: 'PUT',
    path: '/lock',
    valid: () => ({ body: { isLock: 1 } }),
    invalid: () => [{ body: {} }, { body: { isLock: 'locked' } }],
  },
  {
    method: 'PUT',
    path: '/updateStartedConfConfig',
    valid: () => ({ body: { lockSharing: 1, chatPermission: 2 } }),
    invalid: () => [
      { body: { callInRestriction: 1 } },
      { body: { chatPermission: 5 } },
      { body: { audienceCallInRestriction: 3 } },
      { body: { clientRecMode: 3 } },
      { body: { freeShare: 2 } },
    ],
  },
  {
    method: 'PUT',
    path: '/duration',
    valid: () => ({ body: { auto: 0, duration: 20 } }),
    invalid: () => [
      { body: { duration: 20 } },
      { body: { auto: 0, duration: 0 } },
      { body: { auto: 0, duration: 1441 } },
      { body: { auto: 0, duration: 1.5 } },
    ],
  },
  {
    method: 'PUT',
    path: '/record',
    valid: () => ({ body: { isRecord: 1 } }),
    invalid: () => [{ body: {} }, { body: { isRecord: 3 } }],
  },
  {
    method: 'PUT',
    path: '/mmrRecord',
    valid: () => ({ body: { recordType: 1 } }),
    invalid: () => [{ body: {} }, { body: { recordType: 3 } }],
  },
  {
    method: 'PUT',
    path: '/live',
    valid: () => ({ body: { isLive: 1 } }),
    invalid: () => [{ body: {} }, { body: { isLive: 2 } }],
  },
  {
    method: 'PUT',
    path: '/mmrLive',
    valid: () => ({ body: { liveState: 1 } }),
    invalid: () => [{ body: {} }, { body: { liveState: 2 } }],
  },
  {
    method: 'PUT',
    path: '/pause',
    valid: () => ({ body: { pause: 1 } }),
    invalid: () => [{ body: {} }, { body: { pause: 2 } }],
  },
  {
    method: 'PUT',
    path: '/participants/video',
    valid: (r) => ({ query: pidQuery(r.bob), body: { status: 1 } }),
    unknown: () => [{ query: pidQuery(NOBODY), body: { status: 1 } }],
    invalid: (r) => [{ query: pidQuery(r.bob), body: { status: 2 } }, { body: { status: 1 } }],
  },
  {
    method: 'PUT',
    path: '/participants/share/invite',
    valid: (r) => ({ query: pidQuery(r.bob), body: { share: 1 } }),
    unknown: () => [{ query: pidQuery(NOBODY), body: { share: 1 } }],
    invalid: (r) => [{ query: pidQuery(r.bob), body: {} }, { body: { share: 1 } }],
  },
  {
    method: 'PUT',
    path: '/participants/broadcast',
    valid: (r) => ({ query: pidQuery(r.bob) }),
    unknown: () => [{ query: pidQuery(NOBODY) }],
    invalid: () => [{}, { query: pidQuery('') }, { query: pidQuery('x'.repeat(65)) }],
  },
  { method: 'PUT', path: '/cancelBroadcast', valid: () => ({}) },
  {
    method: 'PUT',
    path: '/participants/rollCall',
    valid: (r) => ({ query: pidQuery(r.bob) }),
    unknown: () => [{ query: pidQuery(NOBODY) }],
    invalid: () => [{}],
  },
  {
    method: 'PUT',
    path: '/display/mode',
    valid: () => ({ body: { switchMode: 'Fixed', imageType: 0 } }),
    invalid: () => [{ body: { switchMode: 'fixed', imageType: 0 } }, { body: { switchMode: 'VAS' } }],
  },
  {
    method: 'PUT',
    path: '/chairView',
    valid: (r) => ({ body: { viewType: 2, participantID: r.bob, switchTime: 120, status: 1 } }),
    unknown: () => [{ body: { viewType: 2, participantID: NOBODY } }],
    invalid: () => [
      { body: {} },
      { body: { viewType: 3 } },
      { body: { viewType: 0, switchTime: 121 } },
      { body: { viewType: 0, status: 2 } },
    ],
  },
  {
    method: 'PUT',
    path: '/partView',
    valid: (r) => ({ query: pidQuery(r.bob), body: { viewType: 2, participantID: r.alice } }),
    unknown: (r) => [
      { query: pidQuery(NOBODY), body: { viewType: 2, participantID: r.alice } },
      { query: pidQuery(r.bob), body: { viewType: 2, participantID: NOBODY } },
    ],
    invalid: (r) => [
      { query: pidQuery(r.bob), body: { viewType: 2 } },
      { query: pidQuery(r.bob), body: { viewType: 4, participantID: r.alice } },
      { body: { viewType: 2, participantID: r.alice } },
    ],
  },
  {
    method: 'PUT',
    path: '/lockView',
    valid: (r) => ({ query: pidQuery(r.bob), body: { status: 1, participantID: r.alice } }),
    unknown: (r) => [
      { query: pidQuery(NOBODY), body: { status: 1, participantID: r.alice } },
      { query: pidQuery(r.bob), body: { status: 1, participantID: NOBODY } },
    ],
    invalid: (r) => [
      { query: pidQuery(r.bob), body: { status: 1 } },
      { query: pidQuery(r.bob), body: { status: 2, participantID: r.alice } },
    ],
  },
  {
    method: 'PUT',
    path: '/moveToWaitingRoom',
    valid: (r) => ({ body: { participantID: r.bob } }),
    unknown: () => [{ body: { participantID: NOBODY } }],
    invalid: () => [{ body: {} }, { body: { participantID: '' } }],
  },
  {
    method: 'PUT',
    path: '/batchMoveToWaitingRoom',
    valid: (r) => ({ body: { batchParticipants: [r.alice, r.bob] } }),
    unknown: (r) => [{ body: { batchParticipants: [r.alice, NOBODY] } }],
    invalid: () => [{ body: {} }, { body: { batchParticipants: [] } }],
  },
  {
    method: 'PUT',
    path: '/allowWaitingParticipant',
    valid: () => ({ body: { allowAll: 1 } }),
    unknown: (r) => [{ body: { participantID: NOBODY } }, { body: { participantID: r.bob } }],
    invalid: () => [{ body: { allowAll: 'all' } }, { body: { participantID: '' } }],
  },
  {
    method: 'PUT',
    path: '/allowClientRecord',
    valid: (r) => ({ query: pidQuery(r.bob), body: { allowClientRecord: 1 } }),
    unknown: () => [{ query: pidQuery(NOBODY), body: { allowClientRecord: 1 } }],
    invalid: (r) => [{ query: pidQuery(r.bob), body: {} }, { body: { allowClientRecord: 1 } }],
  },
  {
    method: 'PUT',
    path: '/allowAudience',
    valid: () => ({ body: { allowAudience: 1 } }),
    invalid: () => [{ body: {} }, { body: { allowAudience: 2 } }],
  },
  {
    method: 'PUT',
    path: '/simultaneousInterpretation',
    valid: () => ({ body: { isOpen: true } }),
    invalid: () => [{ body: { isOpen: 'maybe' } }],
  },
  {
    method: 'PUT',
    path: '/interpreterGroup',
    valid: () => ({
      body: {
        interpreterGroups: [{ groupID: 'g1', firstLanguage: 'en', secondLanguage: 'zh', interpreters: [] }],
      },
    }),
    invalid: () => [
      { body: {} },
      { body: { interpreterGroups: [{ groupID: 'g1', firstLanguage: 'en', interpreters: [] }] } },
      { body: { interpreterGroups: [{ groupID: 'g1', firstLanguage: 'en', secondLanguage: 'zh' }] } },
      {
        body: {
          interpreterGroups: [
            {
              groupID: 'g1',
              firstLanguage: 'en',
              secondLanguage: 'zh',
              groupType: 'ROBOT',
              interpreters: [],
            },
          ],
        },
      },
    ],
  },
  { method: 'GET', path: '/realTimeInfo', guest: true, valid: () => ({}) },
];

const label = (c: RouteCase) => `${c.method} ${c.path}`;

describe('every live-control route', () => {
  it('refuses a participant (guest password) token on host-only calls with 403 MMC.111072040, changing nothing', async () => {
    const r = await room();
    const before = await positions(r);
    const hostOnly = ROUTES.filter((c) => !c.guest);
    expect(hostOnly.length).toBeGreaterThan(25);
    for (const c of hostOnly) {
      expectError(
        await call(r, c.method, c.path, { ...c.valid(r), token: r.guest }),
        'CONF_NOT_CHAIR',
        label(c),
      );
    }
    expect(await positions(r)).toEqual(before);
    await expectNothingPushed(r);
    r.client.close();
  });

  it('accepts the host token, raw or as Basic base64, on every route', async () => {
    const r = await room();
    const basic = `Basic ${Buffer.from(r.host).toString('base64')}`;
    const engine = r.server.node.engine;
    for (const [i, c] of ROUTES.entries()) {
      const res = await call(r, c.method, c.path, { ...c.valid(r), token: i % 2 === 0 ? r.host : basic });
      expect(res.status, `${label(c)} ${JSON.stringify(res.body)}`).toBe(200);
      // The routes that take Bob (and Alice) out of the meeting: bring them back for the next ones.
      if (c.path === '/participants/delete') {
        await engine.execute(r.conferenceID, {
          type: 'join',
          site: { pid: r.bob, name: 'Bob', tel: BOB_TEL },
        });
      }
      if (c.path === '/moveToWaitingRoom' || c.path === '/batchMoveToWaitingRoom') {
        await engine.execute(r.conferenceID, { type: 'admit', pids: 'all' });
      }
    }
    r.client.close();
  });

  it('refuses a missing, unknown, expired or other-meeting token, changing nothing', async () => {
    let now = Date.now();
    const r = await room({ clock: clockWithNow(() => now) });
    const other = await runningMeeting(r.server);
    const otherToken = (await confToken(r.server, other.conferenceID, other.chairPwd)).token;
    const before = await positions(r);
    for (const c of ROUTES) {
      const valid = c.valid(r);
      expectError(
        await call(r, c.method, c.path, { ...valid, token: null }),
        'MMC_INVALID_PARAMETER',
        label(c),
      );
      expectError(
        await call(r, c.method, c.path, { ...valid, token: 'cpcunknown' }),
        'CONF_AUTH_FAILED',
        label(c),
      );
      expectError(
        await call(r, c.method, c.path, { ...valid, token: otherToken }),
        'CONF_TOKEN_WRONG_MEETING',
        label(c),
      );
    }
    now += 31 * 60_000;
    for (const c of ROUTES) {
      expectError(await call(r, c.method, c.path, c.valid(r)), 'CONF_TOKEN_EXPIRED', `${label(c)} host`);
      expectError(
        await call(r, c.method, c.path, { ...c.valid(r), token: r.guest }),
        'CONF_TOKEN_EXPIRED',
        `${label(c)} guest`,
      );
    }
    expect(await positions(r)).toEqual(before);
  });

  it('refuses an unknown participantID with 400 MMC.111072010, changing nothing', async () => {
    const r = await room();
    const before = await positions(r);
    let count = 0;
    for (const c of ROUTES) {
      for (const variant of c.unknown?.(r) ?? []) {
        expectError(
          await call(r, c.method, c.path, variant),
          'PARTICIPANT_NOT_FOUND',
          `${label(c)} ${JSON.stringify(variant)}`,
        );
        if (c.guest && c.path !== '/participants/role') {
          expectError(
            await call(r, c.method, c.path, { ...variant, token: r.guest }),
            'PARTICIPANT_NOT_FOUND',
            label(c),
          );
        }
        count++;
      }
    }
    expect(count).toBeGreaterThan(20);
    expect(await positions(r)).toEqual(before);
    await expectNothingPushed(r);
    r.client.close();
  });

  it('refuses invalid bodies and queries with 400 MMC.111070001, changing nothing', async () => {
    const r = await room();
    const before = await positions(r);
    for (const c of ROUTES) {
      for (const variant of c.invalid?.(r) ?? []) {
        const res = await call(r, c.method, c.path, variant);
        expectError(res, 'MMC_INVALID_PARAMETER', `${label(c)} ${JSON.stringify(variant)}`);
        expect((res.body as { error_msg: string }).error_msg).toMatch(/^INVALID_PARAMETER: /);
      }
      // Without conferenceID.
      const bare = await http(r.server, c.method, `${BASE}${c.path}`, {
        headers: { 'X-Conference-Authorization': r.host },
        ...(c.valid(r).body !== undefined ? { body: c.valid(r).body } : {}),
      });
      expectError(bare, 'MMC_INVALID_PARAMETER', `${label(c)} without conferenceID`);
    }
    expect(await positions(r)).toEqual(before);
    await expectNothingPushed(r);
    r.client.close();
  });

  it('refuses every call once the meeting has ended (400 MMC.111072005)', async () => {
    const r = await room();
    await ok(r, 'PUT', '/stop');
    for (const c of ROUTES) {
      expectError(await call(r, c.method, c.path, c.valid(r)), 'CONF_NOT_STARTED', label(c));
    }
  });
});

describe('GET /realTimeInfo', () => {
  it('renders attendees, online participants, host and co-hosts from the committed state', async () => {
    const r = await room();
    await ok(r, 'PUT', '/participants/mute', { query: { participantID: r.bob }, body: { isMute: 1 } });
    await ok(r, 'PUT', '/participants/hands', { query: { participantID: r.alice }, body: { handsState: 1 } });
    await ok(r, 'PUT', '/participants/cohost', { query: { participantID: r.alice }, body: { isCohost: 1 } });
    await ok(r, 'POST', '/participants', {
      body: { attendees: [{ name: 'Phone', phone: '+99100000000013', type: 'mobile', accountId: 'phone1' }] },
    });
    const res = await call(r, 'GET', '/realTimeInfo', { token: r.guest });
    expect(res.status).toBe(200);
    const phone = await pidOf(r.server, r.conferenceID, '+99100000000013');
    expect(res.body).toEqual({
      attendees: [
        { name: 'Alice', phone: ALICE_TEL },
        { name: 'Phone', phone: '+99100000000013', accountID: 'phone1' },
      ],
      participants: [
        { pid: r.chair, name: 'Host', phone: CHAIR_TEL, state: 0, video: 1, mute: 0, hand: 0 },
        { pid: r.alice, name: 'Alice', phone: ALICE_TEL, state: 0, video: 1, mute: 0, hand: 1 },
        { pid: r.bob, name: 'Bob', phone: BOB_TEL, state: 0, video: 1, mute: 1, hand: 0 },
        { pid: phone, name: 'Phone', phone: '+99100000000013', state: 1, video: 0, mute: 0, hand: 0 },
      ],
      confInfo: { chairID: r.chair, coHosts: [r.alice] },
    });
    r.client.close();
  });

  it('agrees with the replica a subscriber built from the frames it received', async () => {
    const r = await room();
    const steps: [string, string, CallOptions][] = [
      ['PUT', '/mute', { body: { isMute: 1 } }],
      ['PUT', '/participants/role', { query: { participantID: r.bob }, body: { applyChair: 1 } }],
      ['PUT', '/participants/cohost', { query: { participantID: r.alice }, body: { isCohost: 1 } }],
      [
        'PUT',
        '/participants/name',
        { body: { participantID: r.alice, number: ALICE_TEL, newName: 'Alicia' } },
      ],
      ['PUT', '/participants/batch/hands', { body: { handsState: 1, pids: [r.alice, r.chair] } }],
      [
        'POST',
        '/participants',
        {
          body: {
            attendees: [{ name: 'Room 7', phone: '+99100000000017', type: 'terminal', userUUID: 'u7' }],
          },
        },
      ],
      ['PUT', '/moveToWaitingRoom', { body: { participantID: r.chair } }],
      ['POST', '/participants/delete', { body: { bulkHangUpParticipants: [r.alice] } }],
      ['PUT', '/allowWaitingParticipant', { body: { allowAll: 1 } }],
    ];
    for (const [method, path, options] of steps) {
      await ok(r, method, path, options);
      const res = await call(r, 'GET', '/realTimeInfo');
      expect(res.status).toBe(200);
      // The call answered after its changes were pushed: drain what the subscriber has been sent so far.
      const runtime = await r.server.node.engine.load(r.conferenceID);
      const target = runtime!.committed.streams;
      while (PUSH_CATEGORIES.some((c) => (r.replicas[c].seq ?? 0) < (target[c].seq ?? 0))) {
        const frame = await r.client.next();
        expect(r.replicas[frame.action as PushCategory].applyFrame(frame), `${method} ${path}`).toBe(
          'applied',
        );
      }
      expect(res.body, `${method} ${path}`).toEqual(expectedRealTimeInfo(r.replicas));
    }
    const final = (await call(r, 'GET', '/realTimeInfo')).body as {
      participants: { pid: string }[];
      confInfo: unknown;
    };
    expect(final.participants.map((p) => p.pid).sort()).toEqual(
      [r.bob, r.chair, await pidOf(r.server, r.conferenceID, '+99100000000017')].sort(),
    );
    expect(final.confInfo).toEqual({ chairID: r.bob, coHosts: [] });
    r.client.close();
  });
});

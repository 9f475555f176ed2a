/**
 * Meeting management over real HTTP: create, edit, cancel, start, lists, detail pages, field limits and
 * visibility, checked against the Huawei reference (§2.5, §3, §4, §8).
 */
import { clockWithNow } from '../src/clock.js';
import type { Item } from '@confpush/protocol';
import { describe, expect, it } from 'vitest';
import { hex32, token } from '../src/ids.js';
import type { User } from '../src/store/types.js';
import { loginAsTestUser, nodeUrls, startTestServer, type TestServer } from './helpers.js';

const BASE = '/v1/mmc/management/conferences';

interface Reply {
  status: number;
  body: unknown;
  text: string;
}

type Json = Record<string, unknown>;

async function call(
  server: TestServer,
  accessToken: string | undefined,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      ...(accessToken === undefined ? {} : { 'X-Access-Token': accessToken }),
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, text, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

/** Creates a meeting and returns its ConferenceInfo (asserting success). */
async function create(server: TestServer, accessToken: string, body: Json): Promise<Json> {
  const reply = await call(server, accessToken, 'POST', BASE, body);
  expect(reply.status, reply.text).toBe(200);
  const list = reply.body as Json[];
  expect(list).toHaveLength(1);
  return list[0] as Json;
}

function utcMinute(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

/** A start time `minutes` from now, rounded up to the next whole minute. */
function startIn(minutes: number): string {
  return utcMinute(Math.ceil((Date.now() + minutes * 60_000) / 60_000) * 60_000);
}

async function attendeeItems(server: TestServer, confId: string): Promise<Item[]> {
  const runtime = await server.node.engine.load(confId);
  if (!runtime) throw new Error(`meeting ${confId} is not loaded`);
  return [...runtime.committed.streams.AttendeesNotify.items.values()];
}

/** A user of another enterprise (or of this one), with an access token. */
async function loginInCorp(
  server: TestServer,
  corpId: string,
  options: { admin?: boolean } = {},
): Promise<{ accessToken: string; user: User }> {
  const now = Date.now();
  const user: User = {
    userId: hex32(),
    corpId,
    account: null,
    thirdAccount: `other-${hex32().slice(0, 8)}`,
    appId: server.appId,
    passwordHash: null,
    name: 'Other User',
    email: null,
    phone: null,
    sipNumber: '+99100000000002',
    userType: 2,
    adminType: options.admin ? 0 : 2,
    createdAt: now,
  };
  await server.node.store.identity.putUser(user);
  const accessToken = token('cpt');
  await server.node.store.identity.putAccessToken(
    {
      token: accessToken,
      userId: user.userId,
      clientType: 72,
      tokenIp: '127.0.0.1',
      createdAt: now,
      expiresAt: now + 3_600_000,
      refreshToken: token('cpr'),
      refreshExpiresAt: now + 7_200_000,
    },
    64,
  );
  return { accessToken, user };
}

function expectError(reply: Reply, status: number, code: string, msgPart?: string): void {
  expect(reply.status, reply.text).toBe(status);
  const body = reply.body as { error_code: string; error_msg: string };
  expect(body.error_code).toBe(code);
  if (msgPart !== undefined) expect(body.error_msg).toContain(msgPart);
}

const FULL_ATTENDEES = [
  {
    userUUID: 'ff80808167ef1edf0167f339533d05a6',
    accountId: 'zhangshan@huawei.com',
    appId: 'caaab5a3e584497990f6a9b582a0ae42',
    name: 'Zhang San',
    role: 1,
    phone: '+99111234567',
    phone2: '+99111234568',
    phone3: '+99111234569',
    email: 'zhangsan@example.com',
    sms: '+8613800000000',
    isMute: 1,
    isAutoInvite: 1,
    type: 'normal',
    address: 'Room 1',
    deptUUID: 'dept-1',
    deptName: 'R&D',
    uniqueType: 0,
  },
  { name: 'Room A', phone: '+99111000001', type: 'terminal' },
  { name: 'Li Si', phone: '+99111000002', type: 'mobile', role: 0, isMute: 0 },
];

/** The fields of Huawei's create-response example (§3.6) and the JSON type of each. */
const EXAMPLE_FIELD_TYPES: Readonly<Record<string, string>> = {
  conferenceID: 'string',
  mediaTypes: 'string',
  subject: 'string',
  size: 'number',
  timeZoneID: 'string',
  startTime: 'string',
  endTime: 'string',
  conferenceState: 'string',
  accessNumber: 'string',
  language: 'string',
  passwordEntry: 'array',
  userUUID: 'string',
  scheduserName: 'string',
  conferenceType: 'number',
  confType: 'string',
  isAutoMute: 'number',
  isAutoRecord: 'number',
  chairJoinUri: 'string',
  guestJoinUri: 'string',
  recordType: 'number',
  confConfigInfo: 'object',
};

/** Every other field a host sees, with its type (§3.4). */
const OTHER_FIELD_TYPES: Readonly<Record<string, string>> = {
  audienceJoinUri: 'string',
  recordAuxStream: 'number',
  recordAuthType: 'number',
  vmrFlag: 'number',
  partAttendeeInfo: 'array',
  terminlCount: 'number',
  normalCount: 'number',
  deptName: 'string',
  role: 'string',
  webinar: 'boolean',
  multiStreamFlag: 'number',
  confMode: 'string',
  concurrentParticipants: 'number',
  supportSimultaneousInterpretation: 'boolean',
};

function jsonType(value: unknown): string {
  return Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
}

function fieldTypes(info: Json): Record<string, string> {
  return Object.fromEntries(Object.entries(info).map(([k, v]) => [k, jsonType(v)]));
}

describe('create', () => {
  it('creates an instant meeting: Huawei ConferenceInfo field names and types, attendees pushed', async () => {
    const server = await startTestServer();
    const { accessToken, user } = await loginAsTestUser(server, { name: 'Jin Mishu' });
    const before = Date.now();
    const info = await create(server, accessToken, {
      subject: '例行会议',
      mediaTypes: 'HDVideo',
      attendees: FULL_ATTENDEES,
      confConfigInfo: { isSendNotify: false, isSendSms: false, isSendCalendar: false },
    });

    expect(fieldTypes(info)).toEqual({ ...EXAMPLE_FIELD_TYPES, ...OTHER_FIELD_TYPES, confUUID: 'string' });
    expect(info['conferenceID']).toMatch(/^9\d{8}$/);
    expect(info).toMatchObject({
      mediaTypes: 'Data,Voice,HDVideo',
      subject: '例行会议',
      size: 3,
      timeZoneID: '56',
      conferenceState: 'Created',
      accessNumber: '+991117',
      language: 'zh-CN',
      userUUID: user.userId,
      scheduserName: 'Jin Mishu',
      conferenceType: 0,
      confType: 'IMMEDIATELY',
      isAutoMute: 0,
      isAutoRecord: 0,
      recordType: 0,
      terminlCount: 1,
      normalCount: 2,
      role: 'chair',
      webinar: false,
      confMode: 'COMMON',
      deptName: 'confpush',
    });
    const start = Date.parse(`${String(info['startTime']).replace(' ', 'T')}:00Z`);
    expect(start).toBeGreaterThanOrEqual(Math.floor(before / 60_000) * 60_000);
    expect(info['endTime']).toBe(utcMinute(start + 30 * 60_000));
    expect(info['confUUID']).toMatch(/^[0-9a-f]{32}$/);
    const confId = String(info['conferenceID']);
    const linkPattern = new RegExp(`^(${nodeUrls(server).join('|')})/#/j/${confId}/[0-9a-f]{48}$`);
    for (const key of ['chairJoinUri', 'guestJoinUri', 'audienceJoinUri'])
      expect(info[key]).toMatch(linkPattern);
    const passwords = info['passwordEntry'] as { conferenceRole: string; password: string }[];
    expect(passwords.map((p) => p.conferenceRole)).toEqual(['chair', 'general']);
    for (const p of passwords) expect(p.password).toMatch(/^\d{6}$/);
    expect(passwords[0]?.password).not.toBe(passwords[1]?.password);
    expect(info['confConfigInfo']).toMatchObject({
      isSendNotify: false,
      isSendSms: false,
      isSendCalendar: false,
    });
    expect(info['partAttendeeInfo']).toEqual([
      {
        name: 'Zhang San',
        phone: '+99111234567',
        phone2: '+99111234568',
        phone3: '+99111234569',
        type: 'normal',
        role: 1,
        isMute: 1,
      },
      { name: 'Room A', phone: '+99111000001', type: 'terminal', role: 0, isMute: 0 },
      { name: 'Li Si', phone: '+99111000002', type: 'mobile', role: 0, isMute: 0 },
    ]);

    const items = await attendeeItems(server, confId);
    expect(items.map((i) => i['phone'])).toEqual(['+99111234567', '+99111000001', '+99111000002']);
    expect(items[0]).toMatchObject({
      accountId: 'zhangshan@huawei.com',
      deptName: 'R&D',
      role: 1,
      isAutoInvite: 1,
    });
  });

  it('creates a scheduled meeting; booleans, guest password and defaults are honoured', async () => {
    const server = await startTestServer();
    const { accessToken } = await loginAsTestUser(server);
    const startTime = startIn(2 * 24 * 60);
    const info = await create(server, accessToken, {
      subject: 'Weekly',
      mediaTypes: 'Voice',
      startTime,
      length: 60,
      timeZoneID: '26',
      language: 'en-US',
      recordType: 2,
      isAutoRecord: 1,
      recordAuxStream: 1,
      recordAuthType: 1,
      liveAddress: 'rtmp://live.example.com/main',
      concurrentParticipants: 50,
      supportSimultaneousInterpretation: true,
      unknownExtraField: { ignored: true },
      confConfigInfo: {
        isSendNotify: false,
        isSendSms: false,
        isSendCalendar: false,
        isAutoMute: true,
        allowGuestStartConf: true,
        callInRestriction: 2,
        guestPwd: '1234',
        prolongLength: 15,
        somethingNew: 1,
      },
    });
    expect(info).toMatchObject({
      mediaTypes: 'Data,Voice',
      confType: 'FUTURE',
      conferenceState: 'Schedule',
      startTime,
      timeZoneID: '26',
      language: 'en-US',
      isAutoMute: 1,
      isAutoRecord: 1,
      recordType: 2,
      recordAuxStream: 1,
      recordAuthType: 1,
      liveAddress: 'rtmp://live.example.com/main',
      concurrentParticipants: 50,
      supportSimultaneousInterpretation: true,
      size: 0,
      partAttendeeInfo: [],
    });
    const start = Date.parse(`${startTime.replace(' ', 'T')}:00Z`);
    expect(info['endTime']).toBe(utcMinute(start + 60 * 60_000));
    expect(info['confUUID']).toBeUndefined();
    expect(info['confConfigInfo']).toEqual({
      isSendNotify: false,
      isSendSms: false,
      isSendCalendar: false,
      isAutoMute: true,
      isHardTerminalAutoMute: false,
      isGuestFreePwd: false,
      callInRestriction: 2,
      allowGuestStartConf: true,
      vmrIDType: 0,
      prolongLength: 15,
      enableWaitingRoom: false,
      isHostCameraOn: false,
      isGuestCameraOn: false,
      supportRealTimeSubtitle: true,
    });
    const passwords = info['passwordEntry'] as { conferenceRole: string; password: string }[];
    expect(passwords.find((p) => p.conferenceRole === 'general')?.password).toBe('1234');
  });

  it('refuses a request without a valid X-Access-Token, and an empty body', async () => {
    const server = await startTestServer();
    expectError(await call(server, undefined, 'POST', BASE, { mediaTypes: 'Voice' }), 401, 'USG.201040006');
    expectError(await call(server, 'cpt-unknown', 'GET', BASE), 401, 'USG.201040006');
    const { accessToken } = await loginAsTestUser(server);
    const empty = await call(server, accessToken, 'POST', BASE, undefined, {
      'Content-Type': 'application/json',
    });
    expectError(empty, 400, 'MMC.111070001', 'body');
  });
});

describe('field limits (§8)', () => {
  const cases: [string, Json][] = [
    ['mediaTypes', { subject: 'x' }],
    ['mediaTypes', { mediaTypes: 'Audio' }],
    ['subject', { mediaTypes: 'Voice', subject: 'x'.repeat(129) }],
    ['startTime', { mediaTypes: 'Voice', startTime: '2030/01/01 10:00' }],
    ['startTime', { mediaTypes: 'Voice', startTime: '2030-02-30 10:00' }],
    ['startTime', { mediaTypes: 'Voice', startTime: '2020-01-01 10:00' }],
    ['length', { mediaTypes: 'Voice', length: 14 }],
    ['length', { mediaTypes: 'Voice', length: 1441 }],
    ['attendees.0.name', { mediaTypes: 'Voice', attendees: [{ name: 'n'.repeat(97), phone: '+1' }] }],
    [
      'attendees.0.deptName',
      { mediaTypes: 'Voice', attendees: [{ phone: '+1', deptName: 'd'.repeat(129) }] },
    ],
    ['groupuri', { mediaTypes: 'Voice', groupuri: 'g'.repeat(32) }],
    ['isAutoRecord', { mediaTypes: 'Voice', isAutoRecord: 2 }],
    ['encryptMode', { mediaTypes: 'Voice', encryptMode: 3 }],
    ['language', { mediaTypes: 'Voice', language: 'fr-FR' }],
    ['recordType', { mediaTypes: 'Voice', recordType: 4 }],
    ['liveAddress', { mediaTypes: 'Voice', liveAddress: 'l'.repeat(256) }],
    ['auxAddress', { mediaTypes: 'Voice', auxAddress: 'a'.repeat(256) }],
    ['recordAuxStream', { mediaTypes: 'Voice', recordAuxStream: 2 }],
    ['recordAuthType', { mediaTypes: 'Voice', recordAuthType: 3 }],
    ['confConfigInfo.guestPwd', { mediaTypes: 'Voice', confConfigInfo: { guestPwd: '123' } }],
    ['confConfigInfo.guestPwd', { mediaTypes: 'Voice', confConfigInfo: { guestPwd: '1'.repeat(17) } }],
    ['confConfigInfo.guestPwd', { mediaTypes: 'Voice', confConfigInfo: { guestPwd: 'abcd' } }],
    ['confConfigInfo.prolongLength', { mediaTypes: 'Voice', confConfigInfo: { prolongLength: 61 } }],
    ['confConfigInfo.callInRestriction', { mediaTypes: 'Voice', confConfigInfo: { callInRestriction: 1 } }],
    ['confConfigInfo.vmrIDType', { mediaTypes: 'Voice', confConfigInfo: { vmrIDType: 2 } }],
    ['confConfigInfo.isSendNotify', { mediaTypes: 'Voice', confConfigInfo: { isSendNotify: 'maybe' } }],
    ['vmrFlag', { mediaTypes: 'Voice', vmrFlag: 2 }],
    ['vmrID', { mediaTypes: 'Voice', vmrFlag: 1 }],
    ['concurrentParticipants', { mediaTypes: 'Voice', concurrentParticipants: -1 }],
    ['confResType', { mediaTypes: 'Voice', confResType: 4 }],
    ['cycleconferences', { mediaTypes: 'Voice', cycleParams: { startDate: '2030-01-01', cycle: 'Day' } }],
  ];

  it('refuses every out-of-range field with 400 MMC.111070001 naming it, and creates nothing', async () => {
    const server = await startTestServer();
    const { accessToken } = await loginAsTestUser(server);
    for (const [field, body] of cases) {
      const reply = await call(server, accessToken, 'POST', BASE, body);
      expectError(reply, 400, 'MMC.111070001', field);
    }
    const list = await call(server, accessToken, 'GET', BASE);
    expect(list.body).toMatchObject({ count: 0, data: [] });
  });

  it('refuses list and detail query parameters out of range', async () => {
    const server = await startTestServer();
    const { accessToken } = await loginAsTestUser(server);
    expectError(await call(server, accessToken, 'GET', `${BASE}?limit=501`), 400, 'MMC.111070001', 'limit');
    expectError(await call(server, accessToken, 'GET', `${BASE}?limit=0`), 400, 'MMC.111070001', 'limit');
    expectError(await call(server, accessToken, 'GET', `${BASE}?offset=-1`), 400, 'MMC.111070001', 'offset');
    // Text that parses to an infinite number is not one (the REST fuzz found `limit=1e309` answered 500).
    for (const [query, field] of [
      ['limit=1e309', 'limit'],
      ['limit=-1e309', 'limit'],
      ['offset=Infinity', 'offset'],
    ] as const) {
      for (const path of [BASE, `${BASE}/online`])
        expectError(await call(server, accessToken, 'GET', `${path}?${query}`), 400, 'MMC.111070001', field);
    }
    expectError(
      await call(server, accessToken, 'GET', `${BASE}?searchKey=`),
      400,
      'MMC.111070001',
      'searchKey',
    );
    const longKey = 'k'.repeat(129);
    expectError(
      await call(server, accessToken, 'GET', `${BASE}?searchKey=${longKey}`),
      400,
      'MMC.111070001',
      'searchKey',
    );
    expectError(
      await call(server, accessToken, 'GET', `${BASE}?queryConfMode=AYEAR`),
      400,
      'MMC.111070001',
      'queryConfMode',
    );
    expectError(
      await call(server, accessToken, 'GET', `${BASE}?sortType=RANDOM`),
      400,
      'MMC.111070001',
      'sortType',
    );
    expectError(
      await call(server, accessToken, 'GET', `${BASE}/confDetail`),
      400,
      'MMC.111070001',
      'conferenceID',
    );
  });
});

describe('edit', () => {
  it('replaces the attendee list keeping the participantIDs of unchanged attendees; absent fields keep their value', async () => {
    const server = await startTestServer();
    const { accessToken } = await loginAsTestUser(server);
    const startTime = startIn(120);
    const created = await create(server, accessToken, {
      subject: 'Planning',
      mediaTypes: 'HDVideo',
      startTime,
      language: 'en-US',
      confConfigInfo: { isAutoMute: true, guestPwd: '4321' },
      attendees: [
        { name: 'A', phone: '+99111000010' },
        { name: 'B', accountId: 'b-account' },
        { name: 'C', email: 'c@example.com' },
      ],
    });
    const confId = String(created['conferenceID']);
    const before = await attendeeItems(server, confId);
    const pidOf = (items: Item[], name: string) => items.find((i) => i['name'] === name)?.['participantID'];
    const [pidA, pidC] = [pidOf(before, 'A'), pidOf(before, 'C')];

    const newStart = startIn(240);
    const reply = await call(server, accessToken, 'PUT', `${BASE}?conferenceID=${confId}`, {
      subject: 'Planning (moved)',
      mediaTypes: 'HDVideo',
      startTime: newStart,
      length: 45,
      confConfigInfo: { isSendNotify: false },
      attendees: [
        { name: 'A renamed', phone: '+99111000010' },
        { name: 'C', email: 'c@example.com' },
        { name: 'D', phone: '+99111000011', type: 'terminal' },
      ],
    });
    expect(reply.status, reply.text).toBe(200);
    const [info] = reply.body as Json[];
    expect(info).toMatchObject({
      conferenceID: confId,
      subject: 'Planning (moved)',
      startTime: newStart,
      language: 'en-US',
      isAutoMute: 1,
      size: 3,
      terminlCount: 1,
      confType: 'FUTURE',
      conferenceState: 'Schedule',
    });
    const start = Date.parse(`${newStart.replace(' ', 'T')}:00Z`);
    expect(info?.['endTime']).toBe(utcMinute(start + 45 * 60_000));
    const passwords = info?.['passwordEntry'] as { conferenceRole: string; password: string }[];
    expect(passwords.find((p) => p.conferenceRole === 'general')?.password).toBe('4321');

    const after = await attendeeItems(server, confId);
    expect(after.map((i) => i['name']).sort()).toEqual(['A renamed', 'C', 'D']);
    expect(pidOf(after, 'A renamed')).toBe(pidA);
    expect(pidOf(after, 'C')).toBe(pidC);
    expect(pidOf(after, 'D')).not.toBe(pidOf(before, 'B'));

    // No attendees in the body: the list stays as it is.
    const again = await call(server, accessToken, 'PUT', `${BASE}?conferenceID=${confId}`, {
      mediaTypes: 'HDVideo',
      subject: 'Planning (final)',
    });
    expect(again.status, again.text).toBe(200);
    expect((await attendeeItems(server, confId)).map((i) => i['participantID'])).toEqual(
      after.map((i) => i['participantID']),
    );
  });

  it('refuses to edit a started meeting or to change immutable fields, changing nothing', async () => {
    const server = await startTestServer();
    const { accessToken } = await loginAsTestUser(server);
    const instant = await create(server, accessToken, { mediaTypes: 'Voice', subject: 'Now' });
    const confId = String(instant['conferenceID']);
    const refused = await call(server, accessToken, 'PUT', `${BASE}?conferenceID=${confId}`, {
      mediaTypes: 'Voice',
      subject: 'Changed',
    });
    expectError(refused, 400, 'MMC.111070010');

    const scheduled = await create(server, accessToken, {
      mediaTypes: 'Voice',
      subject: 'Later',
      startTime: startIn(60),
    });
    const scheduledId = String(scheduled['conferenceID']);
    const path = `${BASE}?conferenceID=${scheduledId}`;
    const chairPwd = (scheduled['passwordEntry'] as { password: string }[])[0]?.password;
    expectError(
      await call(server, accessToken, 'PUT', path, { mediaTypes: 'Voice', confResType: 2 }),
      400,
      'MMC.111070001',
      'confResType',
    );
    expectError(
      await call(server, accessToken, 'PUT', path, {
        mediaTypes: 'Voice',
        confConfigInfo: { guestPwd: chairPwd },
      }),
      400,
      'MMC.111070001',
      'guestPwd',
    );
    expectError(
      await call(server, accessToken, 'PUT', path, { mediaTypes: 'Voice', subject: 'x', length: 5 }),
      400,
      'MMC.111070001',
      'length',
    );
    expectError(
      await call(server, accessToken, 'PUT', `${BASE}?conferenceID=912345678`, { mediaTypes: 'Voice' }),
      400,
      'MMC.111070005',
    );

    const list = await call(server, accessToken, 'GET', `${BASE}?sortType=ASC_StartTIME`);
    const subjects = (list.body as { data: Json[] }).data.map((m) => m['subject']);
    expect(subjects).toEqual(['Now', 'Later']);
  });
});

describe('edit with a start time that has passed', () => {
  it('accepts the current start time resent after it passed, refuses another past one', async () => {
    let now = Date.now();
    const server = await startTestServer({ clock: clockWithNow(() => now) });
    const { accessToken } = await loginAsTestUser(server);
    const startTime = utcMinute(Math.ceil((now + 10 * 60_000) / 60_000) * 60_000);
    const info = await create(server, accessToken, { mediaTypes: 'Voice', subject: 'Late', startTime });
    const path = `${BASE}?conferenceID=${String(info['conferenceID'])}`;
    now += 20 * 60_000;
    const resent = await call(server, accessToken, 'PUT', path, {
      mediaTypes: 'Voice',
      startTime,
      subject: 'Late!',
    });
    expect(resent.status, resent.text).toBe(200);
    expect((resent.body as Json[])[0]).toMatchObject({ startTime, subject: 'Late!' });
    const earlier = utcMinute(Date.parse(`${startTime.replace(' ', 'T')}:00Z`) - 60_000);
    expectError(
      await call(server, accessToken, 'PUT', path, { mediaTypes: 'Voice', startTime: earlier }),
      400,
      'MMC.111070001',
      'startTime',
    );
  });
});

describe('cancel', () => {
  it('cancels a scheduled meeting with an empty 200; it disappears everywhere', async () => {
    const server = await startTestServer();
    const { accessToken } = await loginAsTestUser(server);
    const info = await create(server, accessToken, { mediaTypes: 'Voice', startTime: startIn(60) });
    const confId = String(info['conferenceID']);
    const reply = await call(server, accessToken, 'DELETE', `${BASE}?conferenceID=${confId}`, undefined, {
      'Content-Type': 'application/json',
    });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.text).toBe('');
    expectError(
      await call(server, accessToken, 'GET', `${BASE}/confDetail?conferenceID=${confId}`),
      400,
      'MMC.111070005',
    );
    expectError(
      await call(server, accessToken, 'DELETE', `${BASE}?conferenceID=${confId}`),
      400,
      'MMC.111070005',
    );
    const start = await call(server, accessToken, 'POST', `${BASE}/start`, {
      conferenceID: confId,
      password: (info['passwordEntry'] as { password: string }[])[0]?.password,
    });
    expectError(start, 400, 'MMC.111072065');
    expect((await call(server, accessToken, 'GET', BASE)).body).toMatchObject({ count: 0 });
  });

  it('cancels a running meeting only with type=1', async () => {
    const server = await startTestServer();
    const { accessToken } = await loginAsTestUser(server);
    const info = await create(server, accessToken, { mediaTypes: 'Voice' });
    const confId = String(info['conferenceID']);
    expectError(
      await call(server, accessToken, 'DELETE', `${BASE}?conferenceID=${confId}`),
      400,
      'MMC.111070010',
    );
    expect((await call(server, accessToken, 'GET', `${BASE}/online`)).body).toMatchObject({ count: 1 });

    const ended = await call(server, accessToken, 'DELETE', `${BASE}?conferenceID=${confId}&type=1`);
    expect(ended.status, ended.text).toBe(200);
    const runtime = await server.node.engine.load(confId);
    expect(runtime?.committed.record).toMatchObject({ state: 'Destroyed', cancelled: true });
    expect((await call(server, accessToken, 'GET', `${BASE}/online`)).body).toMatchObject({ count: 0 });
  });
});

describe('details', () => {
  it('pages, searches and splits the invited attendees', async () => {
    const server = await startTestServer();
    const { accessToken } = await loginAsTestUser(server);
    const attendees = [
      { name: 'Alice', phone: '+99111000021', email: 'alice@example.com', deptName: 'Sales' },
      { name: 'Bob', phone: '+99111000022' },
      { name: 'Carol', phone: '+99111000023' },
      { name: 'Room 1', phone: '+99111000024', type: 'terminal' },
      { name: 'Dave', accountId: 'dave-account', appId: 'app-1' },
    ];
    const info = await create(server, accessToken, {
      mediaTypes: 'Voice',
      startTime: startIn(60),
      attendees,
    });
    const confId = String(info['conferenceID']);

    const page = await call(
      server,
      accessToken,
      'GET',
      `${BASE}/confDetail?conferenceID=${confId}&offset=1&limit=2`,
    );
    expect(page.status, page.text).toBe(200);
    const detail = page.body as {
      conferenceData: Json;
      data: { offset: number; limit: number; count: number; data: Json[] };
    };
    expect(detail.conferenceData).toMatchObject({ conferenceID: confId, size: 5, role: 'chair' });
    expect(detail.data).toMatchObject({ offset: 1, limit: 2, count: 5 });
    expect(detail.data.data.map((p) => p['name'])).toEqual(['Bob', 'Carol']);
    expect(detail.data.data[0]).toEqual({
      participantID: '+99111000022',
      name: 'Bob',
      role: 0,
      state: 'MEETTING',
      attendeeType: 'normal',
      isAutoInvite: 0,
      isNotOverlayPidName: false,
    });

    const all = (await call(server, accessToken, 'GET', `${BASE}/confDetail?conferenceID=${confId}`))
      .body as typeof detail;
    expect(all.data).toMatchObject({ offset: 0, limit: 20, count: 5 });
    expect(all.data.data[0]).toMatchObject({ email: 'alice@example.com', deptName: 'Sales' });
    const dave = all.data.data[4];
    expect(dave).toMatchObject({ name: 'Dave', accountId: 'dave-account', appId: 'app-1' });
    const items = await attendeeItems(server, confId);
    expect(dave?.['participantID']).toBe(items[4]?.['participantID']);

    const search = (
      await call(server, accessToken, 'GET', `${BASE}/confDetail?conferenceID=${confId}&searchKey=ALI`)
    ).body as typeof detail;
    expect(search.data.data.map((p) => p['name'])).toEqual(['Alice']);
    const terminals = (
      await call(server, accessToken, 'GET', `${BASE}/confDetail?conferenceID=${confId}`, undefined, {
        'X-Type': '2',
        'X-Query-Type': '1',
      })
    ).body as typeof detail;
    expect(terminals.data.data.map((p) => p['name'])).toEqual(['Room 1']);

    expectError(
      await call(server, accessToken, 'GET', `${BASE}/online/confDetail?conferenceID=${confId}`),
      400,
      'MMC.111072005',
    );
  });
});

describe('lists', () => {
  it('lists not-ended meetings with filters, sorting and paging; online lists running ones', async () => {
    const server = await startTestServer();
    const { accessToken } = await loginAsTestUser(server, { name: 'Scheduler' });
    const soon = await create(server, accessToken, {
      mediaTypes: 'Voice',
      subject: 'Soon',
      startTime: startIn(120),
    });
    const later = await create(server, accessToken, {
      mediaTypes: 'Voice',
      subject: 'Later review',
      startTime: startIn(3 * 24 * 60),
    });
    const far = await create(server, accessToken, {
      mediaTypes: 'Voice',
      subject: 'Far',
      startTime: startIn(60 * 24 * 60),
    });
    const now = await create(server, accessToken, { mediaTypes: 'Voice', subject: 'Running' });
    const ids = (body: unknown) => (body as { data: Json[] }).data.map((m) => m['conferenceID']);

    const all = await call(server, accessToken, 'GET', BASE);
    expect(all.body).toMatchObject({ offset: 0, limit: 20, count: 4 });
    expect(ids(all.body)).toEqual([now, soon, later, far].map((m) => m['conferenceID']));
    const desc = await call(server, accessToken, 'GET', `${BASE}?sortType=DSC_StartTIME`);
    expect(ids(desc.body)).toEqual([far, later, soon, now].map((m) => m['conferenceID']));
    const paged = await call(server, accessToken, 'GET', `${BASE}?offset=1&limit=2`);
    expect(paged.body).toMatchObject({ offset: 1, limit: 2, count: 4 });
    expect(ids(paged.body)).toEqual([soon, later].map((m) => m['conferenceID']));

    expect(ids((await call(server, accessToken, 'GET', `${BASE}?queryConfMode=ADAY`)).body)).toEqual(
      [now, soon].map((m) => m['conferenceID']),
    );
    expect(ids((await call(server, accessToken, 'GET', `${BASE}?queryConfMode=AWEEK`)).body)).toEqual(
      [now, soon, later].map((m) => m['conferenceID']),
    );
    expect(ids((await call(server, accessToken, 'GET', `${BASE}?searchKey=review`)).body)).toEqual([
      later['conferenceID'],
    ]);
    expect(
      ids((await call(server, accessToken, 'GET', `${BASE}?searchKey=${String(far['conferenceID'])}`)).body),
    ).toEqual([far['conferenceID']]);
    expect((await call(server, accessToken, 'GET', `${BASE}?searchKey=schedul`)).body).toMatchObject({
      count: 4,
    });

    const online = await call(server, accessToken, 'GET', `${BASE}/online`);
    expect(online.body).toMatchObject({ count: 1 });
    const [running] = (online.body as { data: Json[] }).data;
    expect(running).toMatchObject({
      conferenceID: now['conferenceID'],
      onlineAttendeeAmount: 0,
      conferenceState: 'Created',
    });
    const onlineDetail = await call(
      server,
      accessToken,
      'GET',
      `${BASE}/online/confDetail?conferenceID=${String(now['conferenceID'])}`,
    );
    expect(onlineDetail.status, onlineDetail.text).toBe(200);
  });

  it('lists the enterprise for administrators with queryAll, only own meetings otherwise', async () => {
    const server = await startTestServer();
    const owner = await loginAsTestUser(server);
    const colleague = await loginAsTestUser(server);
    const admin = await loginAsTestUser(server, { admin: true });
    const outsider = await loginInCorp(server, '200000002', { admin: true });
    await create(server, owner.accessToken, { mediaTypes: 'Voice', subject: 'Owner' });
    await create(server, colleague.accessToken, { mediaTypes: 'Voice', subject: 'Colleague' });

    const count = async (accessToken: string, query = '') =>
      ((await call(server, accessToken, 'GET', `${BASE}${query}`)).body as { count: number }).count;
    expect(await count(owner.accessToken)).toBe(1);
    expect(await count(owner.accessToken, '?queryAll=true')).toBe(1);
    expect(await count(admin.accessToken)).toBe(0);
    expect(await count(admin.accessToken, '?queryAll=true')).toBe(2);
    expect(await count(admin.accessToken, `?userUUID=${colleague.user.userId}`)).toBe(1);
    expect(await count(outsider.accessToken, '?queryAll=true')).toBe(0);
    const onlineAll = await call(server, admin.accessToken, 'GET', `${BASE}/online?queryAll=true`);
    expect(onlineAll.body).toMatchObject({ count: 2 });
  });
});

describe('start and region', () => {
  it('starts a scheduled meeting with the host password', async () => {
    const server = await startTestServer();
    const { accessToken } = await loginAsTestUser(server);
    const info = await create(server, accessToken, { mediaTypes: 'Voice', startTime: startIn(60) });
    const confId = String(info['conferenceID']);
    const [chair, guest] = (info['passwordEntry'] as { password: string }[]).map((p) => p.password);

    expectError(
      await call(server, accessToken, 'GET', `${BASE}/region/info?conferenceID=${confId}`),
      400,
      'MMC.111072005',
    );
    expectError(
      await call(server, accessToken, 'POST', `${BASE}/start`, { conferenceID: confId, password: '000000' }),
      400,
      'MMC.111072065',
    );
    expectError(
      await call(server, accessToken, 'POST', `${BASE}/start`, { conferenceID: confId, password: guest }),
      400,
      'MMC.111072065',
      'guest password',
    );
    expectError(
      await call(server, accessToken, 'POST', `${BASE}/start`, {
        conferenceID: '900000000',
        password: chair,
      }),
      400,
      'MMC.111072065',
    );
    expect((await server.node.store.meetings.getMeeting(confId))?.state).toBe('Schedule');

    const started = await call(server, accessToken, 'POST', `${BASE}/start`, {
      conferenceID: confId,
      password: chair,
    });
    expect(started.status, started.text).toBe(200);
    expect(started.body).toEqual({ uuid: expect.stringMatching(/^[0-9a-f]{32}$/), regionIP: '127.0.0.1' });
    const detail = await call(server, accessToken, 'GET', `${BASE}/confDetail?conferenceID=${confId}`);
    const data = (detail.body as { conferenceData: Json }).conferenceData;
    expect(data).toMatchObject({ conferenceState: 'Created', confUUID: (started.body as Json)['uuid'] });

    const region = await call(server, accessToken, 'GET', `${BASE}/region/info?conferenceID=${confId}`);
    expect(region.status, region.text).toBe(200);
    expect(region.body).toEqual({ regionIP: '127.0.0.1', regionUrl: expect.any(String) });
    expect(nodeUrls(server).map((url) => new URL(url).host)).toContain((region.body as Json)['regionUrl']);
    // Starting a running meeting again is harmless.
    const twice = await call(server, accessToken, 'POST', `${BASE}/start`, {
      conferenceID: confId,
      password: chair,
    });
    expect(twice.status, twice.text).toBe(200);
  });

  it('starts with the guest password only when allowGuestStartConf', async () => {
    const server = await startTestServer();
    const { accessToken } = await loginAsTestUser(server);
    const other = await loginInCorp(server, '200000002');
    const info = await create(server, accessToken, {
      mediaTypes: 'Voice',
      startTime: startIn(60),
      confConfigInfo: { allowGuestStartConf: true, guestPwd: '24680' },
    });
    const confId = String(info['conferenceID']);
    const reply = await call(server, other.accessToken, 'POST', `${BASE}/start`, {
      conferenceID: confId,
      password: '24680',
    });
    expect(reply.status, reply.text).toBe(200);
    expect((await server.node.store.meetings.getMeeting(confId))?.state).toBe('Created');
  });
});

describe('visibility', () => {
  it('hides a meeting from other users and enterprises; administrators of its enterprise manage it', async () => {
    const server = await startTestServer();
    const owner = await loginAsTestUser(server);
    const colleague = await loginAsTestUser(server);
    const admin = await loginAsTestUser(server, { admin: true });
    const outsider = await loginInCorp(server, '200000002', { admin: true });
    const info = await create(server, owner.accessToken, { mediaTypes: 'Voice', startTime: startIn(60) });
    const confId = String(info['conferenceID']);
    const detailPath = `${BASE}/confDetail?conferenceID=${confId}`;

    for (const stranger of [colleague, outsider]) {
      expectError(await call(server, stranger.accessToken, 'GET', detailPath), 400, 'MMC.111070005');
      expectError(
        await call(server, stranger.accessToken, 'PUT', `${BASE}?conferenceID=${confId}`, {
          mediaTypes: 'Voice',
          subject: 'x',
        }),
        400,
        'MMC.111070005',
      );
      expectError(
        await call(server, stranger.accessToken, 'DELETE', `${BASE}?conferenceID=${confId}`),
        400,
        'MMC.111070005',
      );
      expectError(
        await call(server, stranger.accessToken, 'GET', `${BASE}/region/info?conferenceID=${confId}`),
        400,
        'MMC.111070005',
      );
    }
    const seen = await call(server, admin.accessToken, 'GET', detailPath);
    expect(seen.status, seen.text).toBe(200);
    expect((seen.body as { conferenceData: Json }).conferenceData['passwordEntry']).toHaveLength(2);
    const cancelled = await call(server, admin.accessToken, 'DELETE', `${BASE}?conferenceID=${confId}`);
    expect(cancelled.status, cancelled.text).toBe(200);
    expectError(await call(server, owner.accessToken, 'GET', detailPath), 400, 'MMC.111070005');
  });

  it('shows an invited user the meeting as a guest: guest password only, no host link, no management', async () => {
    const server = await startTestServer();
    const owner = await loginAsTestUser(server);
    const invitee = await loginAsTestUser(server);
    const info = await create(server, owner.accessToken, {
      mediaTypes: 'Voice',
      startTime: startIn(60),
      attendees: [{ name: 'Invitee', accountId: invitee.user.thirdAccount ?? '' }],
    });
    const confId = String(info['conferenceID']);
    const ownerView = (
      await call(server, owner.accessToken, 'GET', `${BASE}/confDetail?conferenceID=${confId}`)
    ).body as { conferenceData: Json };
    expect(ownerView.conferenceData['role']).toBe('chair');
    expect(ownerView.conferenceData['chairJoinUri']).toEqual(expect.any(String));
    expect(ownerView.conferenceData['passwordEntry']).toHaveLength(2);

    const reply = await call(server, invitee.accessToken, 'GET', `${BASE}/confDetail?conferenceID=${confId}`);
    expect(reply.status, reply.text).toBe(200);
    const guestView = (reply.body as { conferenceData: Json }).conferenceData;
    expect(guestView['role']).toBe('general');
    expect(guestView['chairJoinUri']).toBeUndefined();
    const guestPwd = (info['passwordEntry'] as { conferenceRole: string; password: string }[])[1]?.password;
    expect(guestView['passwordEntry']).toEqual([{ conferenceRole: 'general', password: guestPwd }]);

    expectError(
      await call(server, invitee.accessToken, 'DELETE', `${BASE}?conferenceID=${confId}`),
      403,
      'MMC.111070003',
    );
    expect((await call(server, invitee.accessToken, 'GET', BASE)).body).toMatchObject({ count: 0 });
    expect((await server.node.store.meetings.getMeeting(confId))?.cancelled).toBe(false);
  });
});

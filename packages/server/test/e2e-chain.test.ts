/**
 * The whole Huawei chain through real HTTP and a real WebSocket on loopback: signed App ID authentication,
 * meeting with attendees, start, control token, WebSocket token, connect, subscribe, full AttendeesNotify,
 * attendee changes as ordered incrementals, and a replica built from the frames equal to the server's list.
 */
import { CategoryReplica, REPLY_CODES } from '@confpush/protocol';
import { describe, expect, it } from 'vitest';
import { compareShape, vector } from '../../protocol/test/vectors.js';
import { appAuth, confToken, createMeeting, http, pushUrl, startMeeting, wsToken } from './chain.js';
import { nodeUrls, startTestServer } from './helpers.js';
import { PushClient, type Frame } from './push-client.js';

const ATTENDEES = [
  {
    name: '张三',
    role: 1,
    phone: '+86571299676493248',
    email: 'zhangsan@example.com',
    sms: '+8613800000000',
    isMute: 0,
    isAutoInvite: 1,
    type: 'normal',
    deptUUID: 'ff808081689de0d901689df549fe0009',
    deptName: 'department2',
    accountId: 'zhangsan',
    userUUID: '271682cfdbe14fa9ae3a8b25f7502627',
  },
  { name: 'Room 1', phone: '+99111229866410894', type: 'terminal' },
];

describe('the token chain to the push socket', () => {
  it('pushes AttendeesNotify full then gap-free incrementals that rebuild the server list exactly', async () => {
    const server = await startTestServer();
    const accessToken = await appAuth(server);
    const startTime = new Date(Date.now() + 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
    const meeting = await createMeeting(server, accessToken, {
      subject: 'e2e',
      startTime,
      attendees: ATTENDEES,
    });
    expect(meeting.info['conferenceState']).toBe('Schedule');
    await startMeeting(server, accessToken, meeting);

    const conf = await confToken(server, meeting.conferenceID, meeting.chairPwd);
    expect(conf.role).toBe(1);
    expect(conf.confTokenExpireTime).toBe(1800);
    expect(conf.expireTime).toBeGreaterThan(Date.now() + 29 * 60_000);
    expect(nodeUrls(server).map((url) => url.replace('http', 'ws'))).toContain(conf.wsURL);
    expect(conf.supportNotifyType).toContain('AttendeesNotify');
    const tmp = await wsToken(server, meeting.conferenceID, conf.token);
    const client = await PushClient.connect(pushUrl(conf.wsURL, meeting.conferenceID, tmp));
    client.subscribe(conf.token, [
      'ConfBasicInfoNotify',
      'ConfDynamicInfoNotify',
      'AttendeesNotify',
      'CustomMultiPicNotify',
    ]);

    const reply = await client.nextAction('Subscribe');
    expect(reply['sequence']).toBe('000000000000000001702459164879');
    expect(reply.data).toMatchObject({
      returnCode: 0,
      returnDesc: 'SUCCESS',
      ignored: ['CustomMultiPicNotify'],
    });

    const basic = await client.nextAction('ConfBasicInfoNotify');
    const dynamic = await client.nextAction('ConfDynamicInfoNotify');
    const full = await client.nextAction('AttendeesNotify');
    for (const [frame, name] of [
      [basic, 'push-ConfBasicInfoNotify.json'],
      [dynamic, 'push-ConfDynamicInfoNotify.json'],
      [full, 'push-AttendeesNotify.json'],
    ] as const) {
      const shape = compareShape(vector(name), frame);
      expect(shape.mismatched, name).toEqual([]);
    }
    expect(basic).toMatchObject({
      msgMode: 0,
      confID: meeting.conferenceID,
      title: 'e2e',
      displayID: meeting.conferenceID,
    });
    expect(dynamic).toMatchObject({ msgMode: 0, state: 'Created' });
    expect(full).toMatchObject({ msgMode: 0, confID: meeting.conferenceID, seq: 0 });
    expect(full['msgID']).toMatch(/^[0-9a-f]{32}$/);
    expect(Math.abs((full['version'] as number) - Date.now())).toBeLessThan(60_000);
    const fullItems = full.data as Frame[];
    expect(fullItems.map((a) => a['name'])).toEqual(['张三', 'Room 1']);
    expect(fullItems[0]).toMatchObject({
      mode: 0,
      role: 1,
      phone: ATTENDEES[0]!.phone,
      type: 'normal',
      isAutoInvite: 1,
    });

    const replica = new CategoryReplica('AttendeesNotify');
    expect(replica.applyFrame(full)).toBe('applied');

    const control = { 'X-Conference-Authorization': conf.token };
    const q = `?conferenceID=${meeting.conferenceID}`;
    let res = await http(server, 'POST', `/v1/mmc/control/conferences/participants${q}`, {
      headers: control,
      body: { attendees: [{ name: '上海分会场', role: 0, phone: '+8657100000001', type: 'normal' }] },
    });
    expect(res.status).toBe(200);
    expect(res.body).toBeUndefined();
    res = await http(server, 'POST', `/v1/mmc/control/conferences/attendees/delete${q}`, {
      headers: { 'X-Conference-Authorization': `Basic ${Buffer.from(conf.token).toString('base64')}` },
      body: { bulkDelAttendInfo: [{ number: '+99111229866410894' }] },
    });
    expect(res.status).toBe(200);
    res = await http(server, 'POST', `/v1/mmc/control/conferences/participants${q}`, {
      headers: control,
      body: { attendees: [{ name: '上海分会场 (renamed)', phone: '+8657100000001', type: 'normal' }] },
    });
    expect(res.status).toBe(200);

    const incrementals: Frame[] = [];
    for (let i = 0; i < 3; i++) incrementals.push(await client.nextAction('AttendeesNotify'));
    expect(incrementals.map((f) => [f['msgMode'], f['version']])).toEqual([
      [1, 1],
      [1, 2],
      [1, 3],
    ]);
    expect((incrementals[1]!.data as Frame[])[0]).toMatchObject({ mode: 1 });
    for (const frame of incrementals) expect(replica.applyFrame(frame)).toBe('applied');

    const runtime = await server.node.engine.load(meeting.conferenceID);
    const serverList = runtime!.committed.streams.AttendeesNotify.snapshot();
    expect(replica.snapshot()).toEqual(serverList);
    expect((replica.snapshot() as Frame[]).map((a) => a['name'])).toEqual(['张三', '上海分会场 (renamed)']);

    const detail = await http(server, 'GET', `/v1/mmc/management/conferences/confDetail${q}`, {
      headers: { 'X-Access-Token': accessToken },
    });
    const listed = (detail.body as { data: { data: Frame[] } }).data.data.map((p) => p['name']);
    expect(listed.sort()).toEqual(['张三', '上海分会场 (renamed)'].sort());

    client.send({ sequence: '000000000000000001611993655770', action: 'HeartBeat' });
    expect(await client.nextAction('HeartBeat')).toEqual({
      sequence: '000000000000000001611993655770',
      action: 'HeartBeat',
    });
    client.close();
  });

  it('keeps the control token alive with X-Conference-Authorization and accepts tmpWsToken once', async () => {
    const server = await startTestServer();
    const accessToken = await appAuth(server);
    const meeting = await createMeeting(server, accessToken, { subject: 'instant' });
    const first = await confToken(server, meeting.conferenceID, meeting.chairPwd);
    const res = await http(
      server,
      'GET',
      `/v1/mmc/control/conferences/token?conferenceID=${meeting.conferenceID}`,
      {
        headers: { 'X-Conference-Authorization': first.token, 'X-Login-Type': '1' },
      },
    );
    expect(res.status).toBe(200);
    const renewed = (res.body as { data: { token: string; expireTime: number } }).data;
    expect(renewed.token).toBe(first.token);
    expect(renewed.expireTime).toBeGreaterThanOrEqual(first.expireTime);

    const guest = await confToken(server, meeting.conferenceID, meeting.guestPwd);
    expect(guest.role).toBe(0);

    const client = await PushClient.connect(pushUrl(first.wsURL, meeting.conferenceID, first.tmpWsToken));
    client.subscribe(first.token, ['AttendeesNotify']);
    expect((await client.nextAction('Subscribe')).data).toMatchObject({
      returnCode: REPLY_CODES.SUCCESS.code,
    });
    const again = await PushClient.connect(pushUrl(first.wsURL, meeting.conferenceID, first.tmpWsToken));
    expect((await again.closed()).code).toBe(4001);
    client.close();
  });
});

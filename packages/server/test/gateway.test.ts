/** The push socket's refusals, replies and timers, each asserted by its documented code. */
import { clockWithNow, ManualClock } from '../src/clock.js';
import { CLOSE_CODES, REPLY_CODES } from '@confpush/protocol';
import { describe, expect, it } from 'vitest';
import { confToken, http, openPush, pushUrl, runningMeeting, wsToken } from './chain.js';
import { startTestServer } from './helpers.js';
import { PushClient } from './push-client.js';

describe('WebSocket authentication', () => {
  it('closes with WS_TOKEN_INVALID for an unknown, missing or reused token', async () => {
    const server = await startTestServer();
    const meeting = await runningMeeting(server);
    const conf = await confToken(server, meeting.conferenceID, meeting.chairPwd);
    const base = `${conf.wsURL}/cms/open/websocket/confctl/increment/conn`;
    for (const url of [
      `${base}?confID=${meeting.conferenceID}&tmpToken=cpwnotatoken`,
      `${base}?confID=${meeting.conferenceID}`,
      `${base}?tmpToken=${conf.tmpWsToken}x`,
    ]) {
      const c = await PushClient.connect(url);
      expect(await c.closed(), url).toMatchObject({
        code: CLOSE_CODES.WS_TOKEN_INVALID.code,
        reason: 'WS_TOKEN_INVALID',
      });
    }
    const tmp = await wsToken(server, meeting.conferenceID, conf.token);
    const ok = await PushClient.connect(pushUrl(conf.wsURL, meeting.conferenceID, tmp));
    const reused = await PushClient.connect(pushUrl(conf.wsURL, meeting.conferenceID, tmp));
    expect((await reused.closed()).code).toBe(4001);
    expect(ok.closeInfo).toBeUndefined();
    ok.close();
  });

  it('closes with WS_TOKEN_INVALID for an expired token', async () => {
    let now = Date.now();
    const server = await startTestServer({ clock: clockWithNow(() => now), config: { wsTokenTtlMs: 150 } });
    const meeting = await runningMeeting(server);
    const conf = await confToken(server, meeting.conferenceID, meeting.chairPwd);
    now += 250;
    const c = await PushClient.connect(pushUrl(conf.wsURL, meeting.conferenceID, conf.tmpWsToken));
    expect((await c.closed()).code).toBe(4001);
  });

  it('closes with FORBIDDEN for a token of another meeting', async () => {
    const server = await startTestServer();
    const a = await runningMeeting(server);
    const b = await runningMeeting(server);
    const conf = await confToken(server, a.conferenceID, a.chairPwd);
    const c = await PushClient.connect(pushUrl(conf.wsURL, b.conferenceID, conf.tmpWsToken));
    expect((await c.closed()).code).toBe(CLOSE_CODES.FORBIDDEN.code);
  });

  it('closes with MEETING_ENDED when the meeting ended after the token was issued', async () => {
    const server = await startTestServer();
    const meeting = await runningMeeting(server);
    const conf = await confToken(server, meeting.conferenceID, meeting.chairPwd);
    const stop = await http(
      server,
      'PUT',
      `/v1/mmc/control/conferences/stop?conferenceID=${meeting.conferenceID}`,
      {
        headers: { 'X-Conference-Authorization': conf.token },
      },
    );
    expect(stop.status).toBe(200);
    const c = await PushClient.connect(pushUrl(conf.wsURL, meeting.conferenceID, conf.tmpWsToken));
    expect((await c.closed()).code).toBe(CLOSE_CODES.MEETING_ENDED.code);
  });

  it('answers 404 to an upgrade on another path', async () => {
    const server = await startTestServer();
    const c = PushClient.connect(`${server.url.replace('http', 'ws')}/cms/open/websocket/other`);
    await expect(c).rejects.toThrow(/404/);
  });
});

describe('Subscribe', () => {
  it('accepts data as an object and ignores unknown categories', async () => {
    const server = await startTestServer();
    const meeting = await runningMeeting(server);
    const { client, conf } = await openPush(server, meeting.conferenceID, meeting.chairPwd);
    client.send({
      action: 'Subscribe',
      sequence: 's1',
      data: {
        subscribeType: ['NoSuchNotify', 'AttendeesNotify'],
        confToken: conf.token,
        conferenceID: meeting.conferenceID,
      },
    });
    const reply = await client.nextAction('Subscribe');
    expect(reply).toMatchObject({ sequence: 's1', data: { returnCode: 0, ignored: ['NoSuchNotify'] } });
    expect(await client.nextAction('AttendeesNotify')).toMatchObject({ msgMode: 0 });
    client.close();
  });

  it.each([
    ['an unknown confToken', (t: string) => ({ confToken: `${t}x` }), REPLY_CODES.CONF_TOKEN_INVALID],
    [
      'a Basic token that decodes to nothing',
      () => ({ confToken: 'Basic ' }),
      REPLY_CODES.CONF_TOKEN_INVALID,
    ],
    [
      'another meeting ID',
      (t: string) => ({ confToken: t, conferenceID: '900000000' }),
      REPLY_CODES.CONF_TOKEN_WRONG_MEETING,
    ],
    [
      'no subscribeType',
      (t: string) => ({ confToken: t, subscribeType: undefined }),
      REPLY_CODES.INVALID_DATA,
    ],
  ])('refuses %s with a non-zero returnCode and subscribes nothing', async (_label, data, code) => {
    const server = await startTestServer();
    const meeting = await runningMeeting(server);
    const { client, conf } = await openPush(server, meeting.conferenceID, meeting.chairPwd);
    client.send({
      action: 'Subscribe',
      sequence: 'bad',
      data: JSON.stringify({ subscribeType: ['AttendeesNotify'], ...data(conf.token) }),
    });
    const reply = await client.nextAction('Subscribe');
    expect(reply).toMatchObject({ sequence: 'bad', data: { returnCode: code.code, returnDesc: code.desc } });
    client.send({ action: 'HeartBeat', sequence: 'hb' });
    await client.nextAction('HeartBeat');
    expect(client.frames.filter((f) => f.action === 'AttendeesNotify')).toEqual([]);
    client.close();
  });

  it('refuses a token of another meeting', async () => {
    const server = await startTestServer();
    const a = await runningMeeting(server);
    const b = await runningMeeting(server);
    const other = await confToken(server, b.conferenceID, b.chairPwd);
    const { client } = await openPush(server, a.conferenceID, a.chairPwd);
    client.subscribe(other.token, ['AttendeesNotify']);
    expect((await client.nextAction('Subscribe')).data).toMatchObject({
      returnCode: REPLY_CODES.CONF_TOKEN_WRONG_MEETING.code,
    });
    client.close();
  });

  it('refuses an expired control token', async () => {
    let now = Date.now();
    const server = await startTestServer({
      clock: clockWithNow(() => now),
      config: { confTokenTtlMs: 1000 },
    });
    const meeting = await runningMeeting(server);
    const { client, conf } = await openPush(server, meeting.conferenceID, meeting.chairPwd);
    now += 1100;
    client.subscribe(conf.token, ['AttendeesNotify']);
    expect((await client.nextAction('Subscribe')).data).toMatchObject({
      returnCode: REPLY_CODES.CONF_TOKEN_EXPIRED.code,
    });
    client.close();
  });
});

describe('bad frames', () => {
  it('answers an unknown action with UNKNOWN_ACTION and stays open', async () => {
    const server = await startTestServer();
    const meeting = await runningMeeting(server);
    const { client } = await openPush(server, meeting.conferenceID, meeting.chairPwd);
    client.send({ action: 'Unsubscribe', sequence: 'u1' });
    expect(await client.nextAction('Unsubscribe')).toMatchObject({
      sequence: 'u1',
      data: { returnCode: REPLY_CODES.UNKNOWN_ACTION.code },
    });
    client.send({ action: 'HeartBeat', sequence: 'still-open' });
    expect(await client.nextAction('HeartBeat')).toEqual({ sequence: 'still-open', action: 'HeartBeat' });
    client.close();
  });

  it.each([
    ['no sequence', '{"action":"HeartBeat"}'],
    ['a null sequence', '{"action":"HeartBeat","sequence":null}'],
    ['a numeric sequence', '{"action":"HeartBeat","sequence":7}'],
    ['an object sequence', '{"action":"HeartBeat","sequence":{"n":"7"}}'],
  ])('answers a HeartBeat with %s with INVALID_SEQUENCE, echoes nothing and stays open', async (_l, text) => {
    const server = await startTestServer();
    const meeting = await runningMeeting(server);
    const { client } = await openPush(server, meeting.conferenceID, meeting.chairPwd);
    client.send(text);
    const reply = await client.nextAction('HeartBeat');
    expect(reply['data']).toMatchObject({
      returnCode: REPLY_CODES.INVALID_SEQUENCE.code,
      returnDesc: REPLY_CODES.INVALID_SEQUENCE.desc,
    });
    client.send({ action: 'HeartBeat', sequence: 'still-open' });
    expect(await client.nextAction('HeartBeat')).toEqual({ sequence: 'still-open', action: 'HeartBeat' });
    client.close();
  });

  it.each([
    ['not JSON', '{"action":'],
    ['a JSON array', '[]'],
    ['no action', '{"sequence":"1"}'],
  ])('closes with BAD_FRAME for %s', async (_label, text) => {
    const server = await startTestServer();
    const meeting = await runningMeeting(server);
    const { client } = await openPush(server, meeting.conferenceID, meeting.chairPwd);
    client.send(text);
    expect((await client.closed()).code).toBe(CLOSE_CODES.BAD_FRAME.code);
  });

  it('closes with 1009 for a frame over the size limit', async () => {
    const server = await startTestServer({ config: { maxFrameBytes: 2048 } });
    const meeting = await runningMeeting(server);
    const { client } = await openPush(server, meeting.conferenceID, meeting.chairPwd);
    client.send({ action: 'HeartBeat', sequence: 'x'.repeat(4096) });
    expect((await client.closed()).code).toBe(1009);
  });
});

describe('heartbeat', () => {
  it('closes a silent socket with HEARTBEAT_TIMEOUT and keeps a beating one open', async () => {
    const clock = new ManualClock(Date.now());
    const server = await startTestServer({ clock, config: { heartbeatTimeoutMs: 300 } });
    const meeting = await runningMeeting(server);
    const silent = await openPush(server, meeting.conferenceID, meeting.chairPwd);
    const beating = await openPush(server, meeting.conferenceID, meeting.chairPwd);
    // 400 ms in steps of 100: the beating socket's heartbeat is answered (so taken into account) before each.
    for (let step = 0; step < 4; step++) {
      await heartbeat(beating.client, `beat-${step}`);
      clock.advance(100);
    }
    expect((await silent.client.closed()).code).toBe(CLOSE_CODES.HEARTBEAT_TIMEOUT.code);
    // The sweeps ran inside advance(): a socket they had closed would not answer.
    await heartbeat(beating.client, 'after');
    expect(beating.client.closeInfo).toBeUndefined();
    beating.client.close();
  });
});

async function heartbeat(client: PushClient, sequence: string): Promise<void> {
  client.send({ action: 'HeartBeat', sequence });
  expect(await client.next((f) => f.action === 'HeartBeat' && f['sequence'] === sequence)).toMatchObject({
    sequence,
  });
}

describe('meeting end', () => {
  it('pushes the Destroyed status and then closes every socket with MEETING_ENDED', async () => {
    const server = await startTestServer();
    const meeting = await runningMeeting(server);
    const { client, conf } = await openPush(server, meeting.conferenceID, meeting.chairPwd);
    client.subscribe(conf.token, ['ConfDynamicInfoNotify']);
    await client.nextAction('ConfDynamicInfoNotify');
    const res = await http(
      server,
      'PUT',
      `/v1/mmc/control/conferences/stop?conferenceID=${meeting.conferenceID}`,
      {
        headers: { 'X-Conference-Authorization': conf.token },
      },
    );
    expect(res.status).toBe(200);
    expect(await client.nextAction('ConfDynamicInfoNotify')).toMatchObject({
      msgMode: 1,
      version: 1,
      state: 'Destroyed',
    });
    expect(await client.closed()).toMatchObject({
      code: CLOSE_CODES.MEETING_ENDED.code,
      reason: 'MEETING_ENDED',
    });
  });

  it('refuses control calls and control tokens once the meeting ended', async () => {
    const server = await startTestServer();
    const meeting = await runningMeeting(server);
    const conf = await confToken(server, meeting.conferenceID, meeting.chairPwd);
    await http(server, 'PUT', `/v1/mmc/control/conferences/stop?conferenceID=${meeting.conferenceID}`, {
      headers: { 'X-Conference-Authorization': conf.token },
    });
    const again = await http(
      server,
      'PUT',
      `/v1/mmc/control/conferences/stop?conferenceID=${meeting.conferenceID}`,
      {
        headers: { 'X-Conference-Authorization': conf.token },
      },
    );
    expect(again).toMatchObject({ status: 400, body: { error_code: 'MMC.111072005' } });
    const token = await http(
      server,
      'GET',
      `/v1/mmc/control/conferences/token?conferenceID=${meeting.conferenceID}`,
      {
        headers: { 'X-Password': meeting.chairPwd, 'X-Login-Type': '1' },
      },
    );
    expect(token).toMatchObject({ status: 400, body: { error_code: 'MMC.111072005' } });
  });
});

describe('control token errors', () => {
  it('refuses a wrong password, a missing login type, and a participant token on host-only calls', async () => {
    const server = await startTestServer();
    const meeting = await runningMeeting(server);
    const path = `/v1/mmc/control/conferences/token?conferenceID=${meeting.conferenceID}`;
    expect(
      await http(server, 'GET', path, { headers: { 'X-Password': '000', 'X-Login-Type': '1' } }),
    ).toMatchObject({
      status: 400,
      body: { error_code: 'MMC.111072065', error_msg: 'CONF_NOT_FOUND_OR_AUTH_FAILED' },
    });
    expect(await http(server, 'GET', path, { headers: { 'X-Password': meeting.chairPwd } })).toMatchObject({
      status: 400,
      body: { error_code: 'MMC.111070001' },
    });
    const guest = await confToken(server, meeting.conferenceID, meeting.guestPwd);
    const res = await http(
      server,
      'PUT',
      `/v1/mmc/control/conferences/stop?conferenceID=${meeting.conferenceID}`,
      {
        headers: { 'X-Conference-Authorization': guest.token },
      },
    );
    expect(res).toMatchObject({ status: 403, body: { error_code: 'MMC.111072040' } });
    const ws = await http(
      server,
      'GET',
      `/v1/mmc/control/conferences/wsToken?conferenceID=${meeting.conferenceID}`,
      {
        headers: { 'X-Conference-Authorization': 'cpcnope' },
      },
    );
    expect(ws).toMatchObject({ status: 400, body: { error_code: 'MMC.111072065' } });
    expect(ws.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('echoes the caller X-Request-ID', async () => {
    const server = await startTestServer();
    const res = await http(server, 'GET', '/v1/mmc/control/conferences/wsToken?conferenceID=1', {
      headers: { 'X-Request-ID': 'trace-123', 'X-Conference-Authorization': 'x' },
    });
    expect(res.headers.get('x-request-id')).toBe('trace-123');
  });
});

/**
 * A push socket outlives its control token only while the token is kept alive: by the REST keep-alive or the
 * in-band REFRESHTOKEN frame. Past expiry plus the grace period it is closed with CONF_TOKEN_EXPIRED (4006).
 */
import { clockWithNow } from '../src/clock.js';
import { CLOSE_CODES } from '@confpush/protocol';
import { describe, expect, it } from 'vitest';
import { http, openPush, runningMeeting } from './chain.js';
import { eventually, startTestServer } from './helpers.js';

const MINUTE = 60_000;

describe('control token lifetime on a live socket', () => {
  it('closes with 4006 after expiry plus grace, unless the token was kept alive over REST or in band', async () => {
    let now = Date.now();
    const server = await startTestServer({
      clock: clockWithNow(() => now),
      config: { heartbeatTimeoutMs: 24 * 60 * MINUTE, confTokenGraceMs: MINUTE },
    });
    const meeting = await runningMeeting(server);
    const lapsing = await openPush(server, meeting.conferenceID, meeting.chairPwd);
    const restKept = await openPush(server, meeting.conferenceID, meeting.chairPwd);
    const frameKept = await openPush(server, meeting.conferenceID, meeting.chairPwd);
    for (const { client, conf } of [lapsing, restKept, frameKept]) {
      client.subscribe(conf.token, ['ConfDynamicInfoNotify']);
      await client.nextAction('ConfDynamicInfoNotify');
    }

    now += 29 * MINUTE;
    const keepAlive = await http(
      server,
      'GET',
      `/v1/mmc/control/conferences/token?conferenceID=${meeting.conferenceID}`,
      {
        headers: { 'X-Conference-Authorization': restKept.conf.token, 'X-Login-Type': '1' },
      },
    );
    expect(keepAlive.status).toBe(200);
    frameKept.client.send({
      action: 'ConfControl',
      sequence: 'r',
      type: 'REFRESHTOKEN',
      data: JSON.stringify({ conferenceID: meeting.conferenceID, confToken: frameKept.conf.token }),
    });
    expect((await frameKept.client.nextAction('ConfControl')).data).toMatchObject({ returnCode: 0 });

    // Expired (at 30 min), but within the grace period: still open.
    now += 1.5 * MINUTE;
    await new Promise((r) => setTimeout(r, 1500));
    expect(lapsing.client.closeInfo).toBeUndefined();

    // Past the grace period: the lapsed socket is closed, the kept-alive ones stay.
    now += 1.5 * MINUTE;
    expect(await lapsing.client.closed(10_000)).toMatchObject({
      code: CLOSE_CODES.CONF_TOKEN_EXPIRED.code,
      reason: 'CONF_TOKEN_EXPIRED',
    });
    await new Promise((r) => setTimeout(r, 1500));
    expect(restKept.client.closeInfo).toBeUndefined();
    expect(frameKept.client.closeInfo).toBeUndefined();

    // Without further keep-alive they lapse too.
    now += 40 * MINUTE;
    await eventually(
      () => (restKept.client.closeInfo && frameKept.client.closeInfo ? true : undefined),
      10_000,
    );
    expect(restKept.client.closeInfo?.code).toBe(4006);
    expect(frameKept.client.closeInfo?.code).toBe(4006);
  });
});

/** `POST /v1/mmc/control/conferences/inviteWithPwd`: invite a terminal with the meeting ID and a password. */
import { describe, expect, it } from 'vitest';
import { http, openPush, runningMeeting } from './chain.js';
import { eventually, startTestServer } from './helpers.js';

describe('inviteWithPwd', () => {
  it('calls the number with the guest password; the simulated terminal answers', async () => {
    const server = await startTestServer({ config: { calleeAnswerDelayMs: 0 } });
    const meeting = await runningMeeting(server);
    const { client, conf } = await openPush(server, meeting.conferenceID, meeting.chairPwd);
    client.subscribe(conf.token, ['ParticipantsNotify', 'AttendeesNotify', 'InviteResultNotify']);
    await client.nextAction('InviteResultNotify');
    const res = await http(
      server,
      'POST',
      `/v1/mmc/control/conferences/inviteWithPwd?conferenceID=${meeting.conferenceID}`,
      {
        body: {
          callNum: '+99111229866410894',
          confID: meeting.conferenceID,
          pwd: meeting.guestPwd,
          numBelongsType: 0,
        },
      },
    );
    expect(res.status).toBe(200);
    const incrementals = (action: string) =>
      client.frames
        .filter((f) => f.action === action && f['msgMode'] === 1)
        .flatMap((f) => f.data as Record<string, unknown>[]);
    await eventually(() => (incrementals('ParticipantsNotify').length >= 2 ? true : undefined));
    const [calling, answered] = incrementals('ParticipantsNotify');
    expect(calling).toMatchObject({ mode: 0, pinfoMap: { TEL: '+99111229866410894', STATE: '1' } });
    expect(answered).toMatchObject({ pid: calling!['pid'], pinfoMap: { STATE: '0' } });
    expect(incrementals('AttendeesNotify')[0]).toMatchObject({
      phone: '+99111229866410894',
      type: 'terminal',
    });
    await eventually(() => (incrementals('InviteResultNotify').length > 0 ? true : undefined));
    expect(incrementals('InviteResultNotify')).toEqual([
      { callNumber: '+99111229866410894', resultCode: '0', seq: 1 },
    ]);
    client.close();
  });

  it('refuses a wrong password like an unknown meeting, and a confID that differs', async () => {
    const server = await startTestServer();
    const meeting = await runningMeeting(server);
    const path = `/v1/mmc/control/conferences/inviteWithPwd?conferenceID=${meeting.conferenceID}`;
    const wrong = await http(server, 'POST', path, {
      body: { callNum: '+1', confID: meeting.conferenceID, pwd: '000000' },
    });
    expect(wrong).toMatchObject({ status: 400, body: { error_code: 'MMC.111072065' } });
    const unknown = await http(
      server,
      'POST',
      '/v1/mmc/control/conferences/inviteWithPwd?conferenceID=911111111',
      {
        body: { callNum: '+1', confID: '911111111', pwd: meeting.chairPwd },
      },
    );
    expect(unknown).toMatchObject({ status: 400, body: { error_code: 'MMC.111072065' } });
    const mismatch = await http(server, 'POST', path, {
      body: { callNum: '+1', confID: '900000000', pwd: meeting.chairPwd },
    });
    expect(mismatch).toMatchObject({ status: 400, body: { error_code: 'MMC.111070001' } });
    const runtime = await server.node.engine.load(meeting.conferenceID);
    expect(runtime!.committed.streams.ParticipantsNotify.seq).toBe(0);
  });
});

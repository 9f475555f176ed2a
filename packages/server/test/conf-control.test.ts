/** ConfControl frames on the push socket: live captions (REALTIMESUBTITLE) and in-band token keep-alive (REFRESHTOKEN). */
import { clockWithNow } from '../src/clock.js';
import { REPLY_CODES } from '@confpush/protocol';
import { describe, expect, it } from 'vitest';
import { openPush, runningMeeting } from './chain.js';
import { startTestServer } from './helpers.js';
import type { PushClient } from './push-client.js';

function control(client: PushClient, type: string, data: Record<string, unknown>, sequence = 'c1'): void {
  client.send({ sequence, action: 'ConfControl', type, data: JSON.stringify(data) });
}

describe('ConfControl REALTIMESUBTITLE', () => {
  it('switches captions on (strings "1"/"0" as in Huawei\'s example) and then pushes captions', async () => {
    const server = await startTestServer();
    const meeting = await runningMeeting(server);
    const { client, conf } = await openPush(server, meeting.conferenceID, meeting.chairPwd);
    client.subscribe(conf.token, ['ConfDynamicInfoNotify', 'RealTimeSubtitleNotify']);
    await client.nextAction('Subscribe');
    expect(await client.nextAction('ConfDynamicInfoNotify')).toMatchObject({
      msgMode: 0,
      realTimeSubtitle: 0,
    });
    const fullCaption = await client.nextAction('RealTimeSubtitleNotify');
    expect(fullCaption).toMatchObject({
      msgMode: 0,
      version: expect.any(String),
      createTime: expect.any(String),
    });
    expect(fullCaption.data).toBeUndefined();

    control(client, 'REALTIMESUBTITLE', {
      conferenceID: meeting.conferenceID,
      confToken: `Basic ${Buffer.from(conf.token).toString('base64')}`,
      isSubtitle: '1',
      subtitleType: '0',
    });
    expect(await client.nextAction('ConfControl')).toEqual({
      action: 'ConfControl',
      sequence: 'c1',
      type: 'REALTIMESUBTITLE',
      data: { returnCode: 0, returnDesc: 'SUCCESS' },
    });
    // The change is pushed as soon as it is committed, so it may precede the reply.
    expect(
      client.frames.find((f) => f.action === 'ConfDynamicInfoNotify' && f['msgMode'] === 1),
    ).toMatchObject({
      version: 1,
      realTimeSubtitle: 1,
    });

    await server.node.engine.execute(meeting.conferenceID, {
      type: 'join',
      site: { pid: 'speaker1', name: 'Speaker' },
    });
    await server.node.engine.execute(meeting.conferenceID, {
      type: 'caption',
      caption: {
        pid: 'speaker1',
        text: '实时字幕。',
        lang: 'Mandarin',
        isFinal: false,
        beginTime: 1528680,
        endTime: 1530900,
      },
    });
    const caption = await client.nextAction('RealTimeSubtitleNotify');
    expect(caption).toMatchObject({
      msgMode: 1,
      version: '1',
      createTime: expect.stringMatching(/^\d+$/),
      data: {
        msgs: [{ subtitleLang: 'Mandarin', translateText: '实时字幕。', id: expect.any(String) }],
        isFinal: false,
        timestamp: expect.any(Number),
        beginTime: 1528680,
        endTime: 1530900,
        participantID: 'speaker1',
      },
    });
    client.close();
  });

  it.each([
    [
      'a meeting without captions',
      { confConfigInfo: { supportRealTimeSubtitle: false } },
      {},
      REPLY_CODES.SUBTITLE_NOT_SUPPORTED,
    ],
    ['an empty speaker list', {}, { subtitleType: 1, id: [] }, REPLY_CODES.SUBTITLE_PID_NULL],
    ['specified speakers without a list', {}, { subtitleType: 1 }, REPLY_CODES.SUBTITLE_PID_NULL],
    ['an unknown speaker', {}, { subtitleType: 1, id: ['nobody'] }, REPLY_CODES.SUBTITLE_PID_WRONG],
    ['five speakers', {}, { subtitleType: 1, id: ['a', 'b', 'c', 'd', 'e'] }, REPLY_CODES.SUBTITLE_PID_WRONG],
  ])('refuses %s with its documented code and changes nothing', async (_label, create, extra, code) => {
    const server = await startTestServer();
    const meeting = await runningMeeting(server, create);
    const { client, conf } = await openPush(server, meeting.conferenceID, meeting.chairPwd);
    control(client, 'REALTIMESUBTITLE', {
      conferenceID: meeting.conferenceID,
      confToken: conf.token,
      isSubtitle: 1,
      ...extra,
    });
    expect((await client.nextAction('ConfControl')).data).toMatchObject({
      returnCode: code.code,
      returnDesc: code.desc,
    });
    const runtime = await server.node.engine.load(meeting.conferenceID);
    expect(runtime!.committed.streams.ConfDynamicInfoNotify.fields['realTimeSubtitle']).toBe(0);
    client.close();
  });

  it('refuses an unknown control token and an unknown type', async () => {
    const server = await startTestServer();
    const meeting = await runningMeeting(server);
    const { client } = await openPush(server, meeting.conferenceID, meeting.chairPwd);
    control(
      client,
      'REALTIMESUBTITLE',
      { conferenceID: meeting.conferenceID, confToken: 'cpcunknown', isSubtitle: 1 },
      'x',
    );
    expect(await client.nextAction('ConfControl')).toMatchObject({
      sequence: 'x',
      data: { returnCode: REPLY_CODES.CONF_TOKEN_INVALID.code },
    });
    control(client, 'MUTEALL', { confToken: 'cpcunknown' }, 'y');
    expect(await client.nextAction('ConfControl')).toMatchObject({
      sequence: 'y',
      type: 'MUTEALL',
      data: { returnCode: REPLY_CODES.UNKNOWN_CONTROL_TYPE.code },
    });
    client.close();
  });
});

describe('ConfControl REFRESHTOKEN', () => {
  it('keeps the control token alive and says until when', async () => {
    let now = Date.now();
    const server = await startTestServer({ clock: clockWithNow(() => now) });
    const meeting = await runningMeeting(server);
    const { client, conf } = await openPush(server, meeting.conferenceID, meeting.chairPwd);
    now += 20 * 60_000;
    control(client, 'REFRESHTOKEN', { conferenceID: meeting.conferenceID, confToken: conf.token });
    const reply = await client.nextAction('ConfControl');
    expect(reply).toMatchObject({
      type: 'REFRESHTOKEN',
      data: { returnCode: 0, confToken: conf.token, expireTime: now + 30 * 60_000 },
    });
    now += 20 * 60_000; // past the original 30 minutes, within the renewed ones
    client.subscribe(conf.token, ['AttendeesNotify']);
    expect((await client.nextAction('Subscribe')).data).toMatchObject({ returnCode: 0 });
    client.close();
  });
});

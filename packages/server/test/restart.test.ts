/**
 * Persistence: kill the server process with SIGKILL and start it again on the same data directory; every
 * acknowledged meeting, attendee and token is there, and the stream sequence continues where it was.
 */
import { CategoryReplica } from '@confpush/protocol';
import { describe, expect, it } from 'vitest';
import { appAuth, confToken, createMeeting, http, pushUrl, startMeeting, wsToken } from './chain.js';
import { tempDir, type TestServer } from './helpers.js';
import { spawnServer } from './process.js';
import { PushClient } from './push-client.js';

describe('restart after kill -9', () => {
  it('keeps every committed meeting, attendee and token, and continues the sequence', async () => {
    const dataDir = tempDir();
    const env = { CONFPUSH_APP_ID: 'a'.repeat(32), CONFPUSH_APP_KEY: 'b'.repeat(32) };
    const args = ['--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir];
    let proc = await spawnServer(args, env);
    const server = (): TestServer =>
      ({ url: proc.url, appId: env.CONFPUSH_APP_ID, appKey: env.CONFPUSH_APP_KEY }) as TestServer;

    const accessToken = await appAuth(server());
    const startTime = new Date(Date.now() + 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
    const scheduled = await createMeeting(server(), accessToken, {
      subject: 'kept',
      startTime,
      attendees: [{ name: 'A', phone: '+100' }],
    });
    const meeting = await createMeeting(server(), accessToken, {
      subject: 'live',
      attendees: [{ name: 'B', phone: '+200' }],
    });
    await startMeeting(server(), accessToken, meeting).catch(() => undefined);
    const conf = await confToken(server(), meeting.conferenceID, meeting.chairPwd);
    const q = `?conferenceID=${meeting.conferenceID}`;
    const invite = async (i: number) => {
      const res = await http(server(), 'POST', `/v1/mmc/control/conferences/participants${q}`, {
        headers: { 'X-Conference-Authorization': conf.token },
        body: { attendees: [{ name: `guest ${i}`, phone: `+30${i}`, type: 'normal' }] },
      });
      expect(res.status).toBe(200);
    };
    await invite(0);
    await invite(1);
    const before = await PushClient.connect(
      pushUrl(
        proc.url.replace('http', 'ws'),
        meeting.conferenceID,
        await wsToken(server(), meeting.conferenceID, conf.token),
      ),
    );
    before.subscribe(conf.token, ['AttendeesNotify']);
    const beforeReply = (await before.nextAction('Subscribe')).data as {
      streams: { AttendeesNotify: { epoch: string; seq: number } };
    };
    expect(beforeReply.streams.AttendeesNotify.seq).toBe(2);
    const replica = new CategoryReplica('AttendeesNotify');
    replica.applyFrame(await before.nextAction('AttendeesNotify'));
    before.close();
    for (let i = 2; i < 5; i++) await invite(i);

    await proc.kill('SIGKILL');
    proc = await spawnServer(args, env);

    const list = await http(server(), 'GET', '/v1/mmc/management/conferences', {
      headers: { 'X-Access-Token': accessToken },
    });
    expect(list.status).toBe(200);
    const ids = (list.body as { data: { conferenceID: string }[] }).data.map((m) => m.conferenceID);
    expect(ids).toEqual(expect.arrayContaining([scheduled.conferenceID, meeting.conferenceID]));

    // The control token survived; the epoch is the same, the durable log lets the old position resume (3, 4, 5),
    // and the next change is version 6.
    const tmp = await wsToken(server(), meeting.conferenceID, conf.token);
    const client = await PushClient.connect(
      pushUrl(proc.url.replace('http', 'ws'), meeting.conferenceID, tmp),
    );
    client.subscribe(conf.token, ['AttendeesNotify'], 's', {
      resume: { AttendeesNotify: beforeReply.streams.AttendeesNotify },
    });
    const reply = await client.nextAction('Subscribe');
    expect(reply.data).toMatchObject({
      returnCode: 0,
      streams: {
        AttendeesNotify: { epoch: beforeReply.streams.AttendeesNotify.epoch, seq: 5, delivery: 'resumed' },
      },
    });
    for (const version of [3, 4, 5]) {
      const frame = await client.nextAction('AttendeesNotify');
      expect(frame).toMatchObject({ msgMode: 1, version });
      expect(replica.applyFrame(frame)).toBe('applied');
    }
    expect([...replica.items.values()].map((a) => a['name'])).toEqual([
      'B',
      'guest 0',
      'guest 1',
      'guest 2',
      'guest 3',
      'guest 4',
    ]);
    await http(server(), 'POST', `/v1/mmc/control/conferences/attendees/delete${q}`, {
      headers: { 'X-Conference-Authorization': conf.token },
      body: { bulkDelAttendInfo: [{ number: '+300' }] },
    });
    const next = await client.nextAction('AttendeesNotify');
    expect(next).toMatchObject({ msgMode: 1, version: 6 });
    expect(replica.applyFrame(next)).toBe('applied');
    expect(replica.items.size).toBe(5);
    client.close();
    await proc.kill('SIGTERM');
  });
});

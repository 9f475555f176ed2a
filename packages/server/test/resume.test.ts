/** Resume (confpush extension of Subscribe): exactly the missed incrementals, or a full message — never a partial replay. */
import { CategoryReplica } from '@confpush/protocol';
import { describe, expect, it } from 'vitest';
import { http, openPush, runningMeeting, type CreatedMeeting } from './chain.js';
import { startTestServer, type TestServer } from './helpers.js';
import type { Frame, PushClient } from './push-client.js';

async function invite(server: TestServer, meeting: CreatedMeeting, token: string, n: number): Promise<void> {
  const res = await http(
    server,
    'POST',
    `/v1/mmc/control/conferences/participants?conferenceID=${meeting.conferenceID}`,
    {
      headers: { 'X-Conference-Authorization': token },
      body: { attendees: [{ name: `guest ${n}`, phone: `+1000${n}`, type: 'normal' }] },
    },
  );
  expect(res.status).toBe(200);
}

async function subscribed(client: PushClient, token: string, resume?: Record<string, unknown>) {
  client.subscribe(token, ['AttendeesNotify', 'ConfBasicInfoNotify'], 's', resume ? { resume } : {});
  return (await client.nextAction('Subscribe')).data as {
    streams: Record<string, { epoch: string; seq: number; delivery: string }>;
  };
}

describe('resume', () => {
  it('replays exactly the missed incrementals when they are held, and the replica ends equal', async () => {
    const server = await startTestServer();
    const meeting = await runningMeeting(server);
    const first = await openPush(server, meeting.conferenceID, meeting.chairPwd);
    const token = first.conf.token;
    const reply = await subscribed(first.client, token);
    const replica = new CategoryReplica('AttendeesNotify');
    replica.applyFrame(await first.client.nextAction('AttendeesNotify'));
    await invite(server, meeting, token, 1);
    replica.applyFrame(await first.client.nextAction('AttendeesNotify'));
    const position = { epoch: reply.streams['AttendeesNotify']!.epoch, seq: replica.seq! };
    expect(position.seq).toBe(1);
    first.client.close();

    for (let n = 2; n <= 4; n++) await invite(server, meeting, token, n);

    const second = await openPush(server, meeting.conferenceID, meeting.chairPwd);
    const basicInfo = reply.streams['ConfBasicInfoNotify']!;
    const again = await subscribed(second.client, token, {
      AttendeesNotify: position,
      ConfBasicInfoNotify: { epoch: basicInfo.epoch, seq: basicInfo.seq },
    });
    expect(again.streams['AttendeesNotify']).toEqual({ epoch: position.epoch, seq: 4, delivery: 'resumed' });
    expect(again.streams['ConfBasicInfoNotify']).toMatchObject({ delivery: 'resumed' });
    const replayed: Frame[] = [];
    for (let i = 0; i < 3; i++) replayed.push(await second.client.nextAction('AttendeesNotify'));
    expect(replayed.map((f) => [f['msgMode'], f['version']])).toEqual([
      [1, 2],
      [1, 3],
      [1, 4],
    ]);
    for (const f of replayed) expect(replica.applyFrame(f)).toBe('applied');
    await invite(server, meeting, token, 5);
    const live = await second.client.nextAction('AttendeesNotify');
    expect(live['version']).toBe(5);
    replica.applyFrame(live);
    const runtime = await server.node.engine.load(meeting.conferenceID);
    expect(replica.snapshot()).toEqual(runtime!.committed.streams.AttendeesNotify.snapshot());
    // The basic info did not change: resumed with nothing to send, so no ConfBasicInfoNotify frame at all.
    expect(second.client.frames.filter((f) => f.action === 'ConfBasicInfoNotify')).toEqual([]);
    second.client.close();
  });

  it('sends a full message when the epoch differs, the position is ahead, or the log no longer holds the gap', async () => {
    const server = await startTestServer({ config: { logRetention: 2 } });
    const meeting = await runningMeeting(server);
    const { client, conf } = await openPush(server, meeting.conferenceID, meeting.chairPwd);
    const reply = await subscribed(client, conf.token);
    const epoch = reply.streams['AttendeesNotify']!.epoch;
    client.close();
    for (let n = 1; n <= 5; n++) await invite(server, meeting, conf.token, n);

    for (const position of [
      { epoch: 'another', seq: 4 },
      { epoch, seq: 9 },
      { epoch, seq: 1 },
    ]) {
      const { client: c } = await openPush(server, meeting.conferenceID, meeting.chairPwd);
      const r = await subscribed(c, conf.token, { AttendeesNotify: position });
      expect(r.streams['AttendeesNotify'], JSON.stringify(position)).toEqual({
        epoch,
        seq: 5,
        delivery: 'full',
      });
      expect(await c.nextAction('AttendeesNotify')).toMatchObject({ msgMode: 0, seq: 5, epoch });
      c.close();
    }
    // Within the retained window it still replays (seq 3 → 4, 5).
    const { client: c } = await openPush(server, meeting.conferenceID, meeting.chairPwd);
    const r = await subscribed(c, conf.token, { AttendeesNotify: { epoch, seq: 3 } });
    expect(r.streams['AttendeesNotify']?.delivery).toBe('resumed');
    expect(await c.nextAction('AttendeesNotify')).toMatchObject({ msgMode: 1, version: 4 });
    expect(await c.nextAction('AttendeesNotify')).toMatchObject({ msgMode: 1, version: 5 });
    c.close();
  });
});

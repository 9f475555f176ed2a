/**
 * What a relay does with calls that change a mirrored meeting but do not go through the REST control API
 * (docs/relay.md, "Downstream"): the socket's `ConfControl` goes upstream and upstream's reply is the answer, the
 * change arriving as a push; the media-plane API is refused (a mirrored meeting's media is reported upstream) and
 * nothing changes; and the local record follows the upstream's details when its basic info changes.
 */
import { ConfpushClient, type MeetingSession } from '@confpush/client';
import { ERRORS, HEADERS, REPLY_CODES } from '@confpush/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { appAuth, http, runningMeeting } from './chain.js';
import { eventually } from './helpers.js';
import { committedStreams, startProxy, startRelay, startUpstream } from './support/relay-pair.js';

const sessions: MeetingSession[] = [];
afterEach(() => {
  while (sessions.length > 0) sessions.pop()?.close();
});

/** An upstream with a meeting in progress (one participant), a relay following it, a subscriber of the relay. */
async function followedMeeting() {
  const proxy = await startProxy();
  const upstream = await startUpstream(proxy);
  const meeting = await runningMeeting(upstream);
  await upstream.node.engine.execute(meeting.conferenceID, {
    type: 'join',
    site: { pid: 'alice', name: 'Alice' },
  });
  const { server, relay } = await startRelay(proxy, upstream);
  const id = meeting.conferenceID;
  await eventually(() => relay.follower(id)?.state === 'live', { timeoutMs: 10_000, what: 'following' });
  const client = new ConfpushClient({ baseUrl: server.url });
  const session = await client.join({ conferenceID: id, hostPassword: meeting.chairPwd });
  sessions.push(session);
  await eventually(() => session.replica.stream('ParticipantsNotify').items.has('alice'), {
    timeoutMs: 10_000,
    what: 'the participant mirrored downstream',
  });
  return { upstream, meeting, id, server, relay, session };
}

const captionsOf = (streams: Record<string, unknown>) =>
  (streams['ConfDynamicInfoNotify'] as Record<string, unknown>)['realTimeSubtitle'];

describe('relay: ConfControl of a mirrored meeting', () => {
  it('switches captions on upstream; the answer is upstream’s and the change comes back as a push', async () => {
    const { upstream, id, server, session } = await followedMeeting();
    expect(captionsOf(await committedStreams(server.node, id))).toBe(0);

    const reply = await session.confControl('REALTIMESUBTITLE', { isSubtitle: 1, subtitleType: 0 });
    expect(reply.returnCode).toBe(REPLY_CODES.SUCCESS.code);
    expect(captionsOf(await committedStreams(upstream.node, id))).toBe(1);
    await eventually(() => session.replica.stream('ConfDynamicInfoNotify').fields['realTimeSubtitle'] === 1, {
      timeoutMs: 10_000,
      what: 'captions on, pushed downstream',
    });
    expect(await committedStreams(server.node, id)).toEqual(await committedStreams(upstream.node, id));

    // Upstream's refusal is the answer: no such speaker upstream.
    const refused = await session.confControl('REALTIMESUBTITLE', {
      isSubtitle: 1,
      subtitleType: 1,
      id: ['nobody'],
    });
    expect(refused.returnCode).toBe(REPLY_CODES.SUBTITLE_PID_WRONG.code);
  });

  it('is refused with UPSTREAM_UNAVAILABLE while the upstream socket is down; nothing changes here', async () => {
    const { upstream, id, server, relay, session } = await followedMeeting();
    relay.follower(id)!.stop();
    const before = await committedStreams(server.node, id);

    const reply = await session.confControl('REALTIMESUBTITLE', { isSubtitle: 1 });
    expect(reply.returnCode).toBe(REPLY_CODES.UPSTREAM_UNAVAILABLE.code);
    expect(reply.data['message']).toMatch(/upstream/);
    expect(await committedStreams(server.node, id)).toEqual(before);
    expect(captionsOf(await committedStreams(upstream.node, id))).toBe(0);
    // REFRESHTOKEN concerns the relay's own token: still answered here.
    expect((await session.confControl('REFRESHTOKEN')).returnCode).toBe(REPLY_CODES.SUCCESS.code);
  });
});

describe('relay: the media-plane API on a mirrored meeting', () => {
  it('is refused with CONF_MIRRORED (409) and changes nothing, the coalesced volumes included', async () => {
    const { id, server } = await followedMeeting();
    const admin = await appAuth(server);
    const before = await committedStreams(server.node, id);
    const media = (path: string, body: unknown) =>
      http(server, 'POST', `/confpush/v1/media/conferences/${id}/${path}`, {
        headers: { [HEADERS.accessToken]: admin },
        body,
      });
    for (const [path, body] of [
      ['participants', { name: 'Local site' }],
      ['participants/alice/leave', { reason: 11076010 }],
      ['volumes', { samples: [{ pid: 'alice', volume: 80 }] }],
      ['net-quality', { reports: [{ pid: 'alice', delay: 120 }] }],
    ] as const) {
      const res = await media(path, body);
      expect(res.status, path).toBe(409);
      expect(res.body, path).toMatchObject({ error_code: ERRORS.CONF_MIRRORED.code });
    }
    expect(await committedStreams(server.node, id)).toEqual(before);
  });
});

describe('relay: the record of a mirrored meeting', () => {
  it('follows the upstream details when its basic info changes: the new subject in confDetail, the new guest password', async () => {
    const { upstream, meeting, id, server, relay } = await followedMeeting();
    const admin = await appAuth(server);
    const detail = async () =>
      (
        (
          await http(server, 'GET', `/v1/mmc/management/conferences/confDetail?conferenceID=${id}`, {
            headers: { [HEADERS.accessToken]: admin },
          })
        ).body as { conferenceData: Record<string, unknown> }
      ).conferenceData;
    expect((await detail())['subject']).toBe(meeting.info['subject']);
    const updatedAt = (await server.node.engine.load(id))!.committed.record.updatedAt;

    // Huawei renames a meeting in progress and pushes ConfBasicInfoNotify; confpush's own API edits only scheduled
    // meetings, so the node playing Huawei does the same through its engine: its record, then the push.
    const runtime = (await upstream.node.engine.load(id))!;
    const guestPwd = '246813';
    await upstream.node.engine.execute(id, {
      type: 'mirrorRecord',
      patch: { subject: 'Renamed upstream', guestPwd },
    });
    await upstream.node.engine.execute(id, {
      type: 'mirror',
      targets: [
        {
          category: 'ConfBasicInfoNotify',
          payload: {
            ...runtime.committed.streams.ConfBasicInfoNotify.fields,
            title: 'Renamed upstream',
            pwds: [
              { role: 'chair', pwd: meeting.chairPwd },
              { role: 'general', pwd: guestPwd },
            ],
          },
        },
      ],
    });
    await eventually(async () => (await detail())['subject'] === 'Renamed upstream', {
      timeoutMs: 10_000,
      what: 'the new subject in the relay’s confDetail',
    });
    await relay.follower(id)!.settled();
    const record = (await server.node.engine.load(id))!.committed.record;
    expect(record.updatedAt).toBeGreaterThan(updatedAt);
    expect(record.chairPwd).toBe(meeting.chairPwd);
    // The new guest password is the relay's too (the downstream token chain checks the record).
    const guestToken = await http(server, 'GET', `/v1/mmc/control/conferences/token?conferenceID=${id}`, {
      headers: { [HEADERS.password]: guestPwd, [HEADERS.loginType]: '1' },
    });
    expect(guestToken.status).toBe(200);
  });
});

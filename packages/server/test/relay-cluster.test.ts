/**
 * A relay cluster (cluster runs only: `CONFPUSH_TEST_STORE=redis`): one node follows each meeting upstream (a lease
 * in Redis), any node forwards its control calls (REST, and the socket's ConfControl), and when the following node
 * stops another takes over.
 */
import { ConfpushClient } from '@confpush/client';
import { HEADERS, REPLY_CODES } from '@confpush/protocol';
import { describe, expect, it } from 'vitest';
import { http, runningMeeting } from './chain.js';
import { CLUSTER, eventually, tempDir, testRedisPrefix } from './helpers.js';
import { committedStreams, startProxy, startRelay, startUpstream } from './support/relay-pair.js';

describe.skipIf(!CLUSTER)('relay cluster', () => {
  it('follows each meeting from one node; another takes over when it stops', async () => {
    const proxy = await startProxy();
    const upstream = await startUpstream(proxy);
    const meeting = await runningMeeting(upstream);
    const id = meeting.conferenceID;
    const redisPrefix = testRedisPrefix(tempDir());
    const relays = [
      await startRelay(proxy, upstream, { redisPrefix }),
      await startRelay(proxy, upstream, { redisPrefix }),
    ];
    const following = () => relays.filter((r) => r.relay.follower(id)?.state === 'live');
    await eventually(() => following().length === 1, { timeoutMs: 10_000, what: 'one node following' });
    for (const r of relays) await r.relay.pollNow();
    expect(following()).toHaveLength(1);
    const [leader] = following();
    const other = relays.find((r) => r !== leader)!;

    // The node that does not follow the meeting forwards its control calls too.
    const token = await http(other.server, 'GET', `/v1/mmc/control/conferences/token?conferenceID=${id}`, {
      headers: { [HEADERS.password]: meeting.chairPwd, [HEADERS.loginType]: '1' },
    });
    const confToken = (token.body as { data: { token: string } }).data.token;
    const locked = await http(other.server, 'PUT', `/v1/mmc/control/conferences/lock?conferenceID=${id}`, {
      headers: { [HEADERS.conferenceAuthorization]: confToken },
      body: { isLock: 1 },
    });
    expect(locked.status).toBe(200);
    expect(
      (await upstream.node.engine.load(id))?.committed.streams.ConfDynamicInfoNotify.fields['lock'],
    ).toBe(1);
    // And the socket's ConfControl, over a short-lived upstream connection of its own.
    const session = await new ConfpushClient({ baseUrl: other.server.url }).join({
      conferenceID: id,
      hostPassword: meeting.chairPwd,
    });
    try {
      const reply = await session.confControl('REALTIMESUBTITLE', { isSubtitle: 1 });
      expect(reply.returnCode).toBe(REPLY_CODES.SUCCESS.code);
      expect(
        (await upstream.node.engine.load(id))?.committed.streams.ConfDynamicInfoNotify.fields[
          'realTimeSubtitle'
        ],
      ).toBe(1);
      await eventually(
        () => session.replica.stream('ConfDynamicInfoNotify').fields['realTimeSubtitle'] === 1,
        { timeoutMs: 10_000, what: 'captions on, pushed to the subscriber of the other node' },
      );
    } finally {
      session.close();
    }

    await leader!.close();
    await eventually(() => other.relay.follower(id)?.state === 'live', {
      timeoutMs: 10_000,
      what: 'the other node taking over',
    });
    await upstream.node.engine.execute(id, { type: 'lock', locked: false });
    await eventually(
      async () =>
        JSON.stringify(await committedStreams(other.server.node, id)) ===
        JSON.stringify(await committedStreams(upstream.node, id)),
      { timeoutMs: 10_000, what: 'the mirror equal after the handover' },
    );
  });
});

/**
 * A push socket outlives its control token only while the token is kept alive: by the REST keep-alive or the
 * in-band REFRESHTOKEN frame. Past expiry plus the grace period it is closed with CONF_TOKEN_EXPIRED (4006).
 */
import { clockWithNow } from '../src/clock.js';
import { CLOSE_CODES } from '@confpush/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MeetingTokens } from '../src/auth/meeting-tokens.js';
import { http, openPush, runningMeeting } from './chain.js';
import { eventually, startTestServer, type TestServer } from './helpers.js';

const MINUTE = 60_000;

/** The store look-ups of control tokens: the gateway's sweep asks one when a socket's token has expired. */
const peeks = vi.spyOn(MeetingTokens.prototype, 'peek');
afterEach(() => peeks.mockClear());

/**
 * Waits for the gateway's next check of `token` (a look-up issued from now on) and for its outcome to be applied:
 * the session's reaction to the look-up was registered first, so it has run when the look-up's promise is awaited.
 */
async function nextCheck(token: string): Promise<void> {
  const from = peeks.mock.calls.length;
  const index = await eventually(
    () => {
      const found = peeks.mock.calls.findIndex((call, i) => i >= from && call[0] === token);
      return found >= 0 ? found : undefined;
    },
    { timeoutMs: 10_000, what: 'the gateway to check the control token' },
  );
  await peeks.mock.results[index]!.value;
}

/** Sockets the server still holds open, on every node. */
function openSessions(server: TestServer): number {
  const nodes = server.nodes ?? [server.node];
  return nodes.flatMap((node) => [...node.gateway.sessions]).filter((s) => s.state === 'open').length;
}

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

    // Expired (at 30 min), but within the grace period: checked, still open. The socket kept alive over REST
    // learns its new expiry from the same check; the one kept alive in band knew it already (no check).
    now += 1.5 * MINUTE;
    await Promise.all([nextCheck(lapsing.conf.token), nextCheck(restKept.conf.token)]);
    expect(openSessions(server)).toBe(3);

    // Past the grace period: the lapsed socket is closed; in the same sweep the kept-alive ones are within their
    // renewed lifetime (no check needed), so they stay.
    now += 1.5 * MINUTE;
    await nextCheck(lapsing.conf.token);
    expect(openSessions(server)).toBe(2);
    expect(await lapsing.client.closed(10_000)).toMatchObject({
      code: CLOSE_CODES.CONF_TOKEN_EXPIRED.code,
      reason: 'CONF_TOKEN_EXPIRED',
    });
    expect(restKept.client.closeInfo).toBeUndefined();
    expect(frameKept.client.closeInfo).toBeUndefined();

    // Without further keep-alive they lapse too.
    now += 40 * MINUTE;
    expect((await restKept.client.closed(10_000)).code).toBe(4006);
    expect((await frameKept.client.closed(10_000)).code).toBe(4006);
  });
});

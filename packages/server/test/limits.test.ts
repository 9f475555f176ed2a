/**
 * The abuse limits (src/limits/, SECURITY.md): each one with a low setting, refused with its documented code, counted
 * in `confpush_limit_rejections_total{limit}`, and lifted again when the condition passes.
 */
import { clockWithNow } from '../src/clock.js';
import { CLOSE_CODES, ERRORS } from '@confpush/protocol';
import { describe, expect, it } from 'vitest';
import { TokenRate, WindowCounter } from '../src/limits/index.js';
import {
  appAuth,
  confToken,
  createMeeting,
  http,
  openPush,
  pushUrl,
  runningMeeting,
  signedAppAuth as signed,
  wsToken,
} from './chain.js';
import { eventually, startTestServer, type TestServer } from './helpers.js';
import { PushClient } from './push-client.js';

async function rejections(server: TestServer): Promise<Record<string, number>> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^confpush_limit_rejections_total\{limit="([a-z_]+)"\} (\d+)$/gm)) {
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

function signedAppAuth(server: TestServer, key = server.appKey) {
  const { headers, body } = signed({ appId: server.appId, appKey: key });
  return http(server, 'POST', '/v2/usg/acs/auth/appauth', { headers, body });
}

const errorOf = (res: { status: number; body: unknown }) => [
  res.status,
  (res.body as { error_code?: string } | undefined)?.error_code,
];

describe('limit primitives', () => {
  it('a window counter counts per key and window, and stays within its key budget', () => {
    const c = new WindowCounter(1000, 8);
    expect(c.hit('a', 0)).toBe(1);
    expect(c.hit('a', 999)).toBe(2);
    expect(c.count('a', 999)).toBe(2);
    expect(c.count('a', 1000)).toBe(0);
    expect(c.hit('a', 1000)).toBe(1);
    for (let i = 0; i < 100; i++) c.hit(`k${i}`, 1000);
    expect(c.size).toBeLessThanOrEqual(8);
  });

  it('a token bucket allows the burst, then the rate', () => {
    const rate = new TokenRate(10, 5);
    const b = { bucketTokens: 0, bucketLast: 0 };
    rate.fill(b, 0);
    for (let i = 0; i < 5; i++) expect(rate.take(b, 0)).toBe(true);
    expect(rate.take(b, 0)).toBe(false);
    expect(rate.take(b, 99)).toBe(false);
    expect(rate.take(b, 100)).toBe(true);
    expect(rate.take(b, 10_000)).toBe(true);
    expect(b.bucketTokens).toBeLessThanOrEqual(5);
  });
});

// The limits (and their metrics) are counted per node: in a cluster run (test/helpers.ts) each test uses a
// cluster of one node.
describe('authentication failures', () => {
  it('locks a client address out after authFailuresPerAddress failures, for the window', async () => {
    let offset = 0;
    const server = await startTestServer({
      nodes: 1,
      config: { authFailuresPerAddress: 3, authFailuresPerTarget: 0, authFailureWindowMs: 60_000 },
      clock: clockWithNow(() => Date.now() + offset),
    });
    for (let i = 0; i < 3; i++) {
      expect(errorOf(await signedAppAuth(server, 'wrong key'))).toEqual([401, 'USG.201040001']);
    }
    // Now every attempt is refused, a right one too, and account authentication from the same address as well.
    expect(errorOf(await signedAppAuth(server))).toEqual([429, 'USG.201040008']);
    const account = await http(server, 'POST', '/v1/usg/acs/auth/account', {
      headers: { Authorization: `Basic ${Buffer.from('alice:password1').toString('base64')}` },
      body: { account: 'alice', clientType: 72 },
    });
    expect(errorOf(account)).toEqual([429, 'USG.201040008']);
    expect((await rejections(server))['auth_address']).toBe(2);
    offset = 60_001;
    expect((await signedAppAuth(server)).status).toBe(200);
  });

  it('locks an app, and a meeting password, out after authFailuresPerTarget failures', async () => {
    const server = await startTestServer({
      nodes: 1,
      config: { authFailuresPerAddress: 0, authFailuresPerTarget: 2 },
    });
    const meeting = await runningMeeting(server);
    const other = await runningMeeting(server);
    for (let i = 0; i < 2; i++) expect((await signedAppAuth(server, 'wrong')).status).toBe(401);
    expect(errorOf(await signedAppAuth(server))).toEqual([429, 'USG.201040008']);

    const tokenWith = (conferenceID: string, password: string) =>
      http(server, 'GET', `/v1/mmc/control/conferences/token?conferenceID=${conferenceID}`, {
        headers: { 'X-Password': password, 'X-Login-Type': '1' },
      });
    expect(errorOf(await tokenWith(meeting.conferenceID, '000000x'))).toEqual([400, 'MMC.111072065']);
    // A participant trying the host password through the host-role request counts too.
    const guest = await confToken(server, meeting.conferenceID, meeting.guestPwd);
    const role = await http(
      server,
      'PUT',
      `/v1/mmc/control/conferences/participants/role?conferenceID=${meeting.conferenceID}&participantID=x`,
      {
        headers: { 'X-Conference-Authorization': guest.token },
        body: { applyChair: 1, chairmanPwd: 'nope' },
      },
    );
    expect(errorOf(role)).toEqual([400, 'MMC.111072065']);
    // Locked: even the right host password, and start with the right password.
    expect(errorOf(await tokenWith(meeting.conferenceID, meeting.chairPwd))).toEqual([429, 'USG.201040008']);
    const start = await http(server, 'POST', '/v1/mmc/management/conferences/start', {
      headers: { 'X-Access-Token': meeting.accessToken },
      body: { conferenceID: meeting.conferenceID, password: meeting.chairPwd },
    });
    expect(errorOf(start)).toEqual([429, 'USG.201040008']);
    // Another meeting is not affected; a live control token is still kept alive (no password is tried).
    expect((await tokenWith(other.conferenceID, other.chairPwd)).status).toBe(200);
    const keepAlive = await http(
      server,
      'GET',
      `/v1/mmc/control/conferences/token?conferenceID=${meeting.conferenceID}`,
      { headers: { 'X-Conference-Authorization': guest.token } },
    );
    expect(keepAlive.status).toBe(200);
    expect((await rejections(server))['auth_target']).toBe(3);
  });
});

describe('WebSocket tokens per meeting', () => {
  it('refuses a token past wsTokensPerMeeting outstanding, and counts a used one out', async () => {
    const server = await startTestServer({ nodes: 1, config: { wsTokensPerMeeting: 3 } });
    const meeting = await runningMeeting(server);
    const conf = await confToken(server, meeting.conferenceID, meeting.chairPwd); // tmpWsToken: 1
    const a = await wsToken(server, meeting.conferenceID, conf.token); // 2
    await wsToken(server, meeting.conferenceID, conf.token); // 3
    const refused = await http(
      server,
      'GET',
      `/v1/mmc/control/conferences/wsToken?conferenceID=${meeting.conferenceID}`,
      { headers: { 'X-Conference-Authorization': conf.token } },
    );
    expect(errorOf(refused)).toEqual([429, 'MMC.111072068']);
    // A new control token would carry one more WebSocket token: refused too, and no control token is issued.
    const again = await http(
      server,
      'GET',
      `/v1/mmc/control/conferences/token?conferenceID=${meeting.conferenceID}`,
      { headers: { 'X-Password': meeting.chairPwd, 'X-Login-Type': '1' } },
    );
    expect(errorOf(again)).toEqual([429, 'MMC.111072068']);
    // Other meetings are not affected.
    const other = await runningMeeting(server);
    await confToken(server, other.conferenceID, other.chairPwd);
    // Using one gives its place back.
    const client = await PushClient.connect(pushUrl(conf.wsURL, meeting.conferenceID, a));
    await wsToken(server, meeting.conferenceID, conf.token);
    client.close();
    expect((await rejections(server))['ws_tokens_meeting']).toBe(2);
  });
});

describe('push connections', () => {
  it('closes a connection past connectionsPerAddress with TOO_MANY_CONNECTIONS (4103)', async () => {
    const server = await startTestServer({ nodes: 1, config: { connectionsPerAddress: 2 } });
    const meeting = await runningMeeting(server);
    const first = await openPush(server, meeting.conferenceID, meeting.chairPwd);
    const second = await openPush(server, meeting.conferenceID, meeting.chairPwd);
    const third = await openPush(server, meeting.conferenceID, meeting.chairPwd);
    expect(await third.client.closed()).toEqual({ code: 4103, reason: 'TOO_MANY_CONNECTIONS' });
    expect(CLOSE_CODES.TOO_MANY_CONNECTIONS.advice).toBe('reconnect');
    first.client.close();
    await first.client.closed();
    // The place is given back when the TCP connection is gone (with its session).
    await eventually(
      () => (server.nodes ?? [server.node]).reduce((n, node) => n + node.gateway.sessions.size, 0) === 1,
      { what: 'the first connection gone on the server' },
    );
    const fourth = await openPush(server, meeting.conferenceID, meeting.chairPwd);
    fourth.client.subscribe(fourth.conf.token, ['ConfBasicInfoNotify']);
    expect((await fourth.client.nextAction('Subscribe')).data).toMatchObject({ returnCode: 0 });
    second.client.close();
    fourth.client.close();
    expect((await rejections(server))['connections_address']).toBe(1);
  });

  it('closes a connection past connectionsPerMeeting with 4103, other meetings unaffected', async () => {
    const server = await startTestServer({ nodes: 1, config: { connectionsPerMeeting: 1 } });
    const meeting = await runningMeeting(server);
    const other = await runningMeeting(server);
    const first = await openPush(server, meeting.conferenceID, meeting.chairPwd);
    const second = await openPush(server, meeting.conferenceID, meeting.chairPwd);
    expect((await second.client.closed()).code).toBe(4103);
    const elsewhere = await openPush(server, other.conferenceID, other.chairPwd);
    elsewhere.client.subscribe(elsewhere.conf.token, ['ConfBasicInfoNotify']);
    expect((await elsewhere.client.nextAction('Subscribe')).data).toMatchObject({ returnCode: 0 });
    expect(first.client.closeInfo).toBeUndefined();
    first.client.close();
    elsewhere.client.close();
    expect((await rejections(server))['connections_meeting']).toBe(1);
  });

  it('closes a connection that sends more than framesPerSecond (burst frameBurst) with RATE_LIMITED (4008)', async () => {
    const server = await startTestServer({ nodes: 1, config: { framesPerSecond: 5, frameBurst: 10 } });
    const meeting = await runningMeeting(server);
    const calm = await openPush(server, meeting.conferenceID, meeting.chairPwd);
    const { client } = await openPush(server, meeting.conferenceID, meeting.chairPwd);
    // Within the burst: every HeartBeat is echoed.
    for (let i = 0; i < 10; i++) calm.client.send({ action: 'HeartBeat', sequence: String(i) });
    for (let i = 0; i < 10; i++) await calm.client.nextAction('HeartBeat');
    for (let i = 0; i < 50; i++) client.send({ action: 'HeartBeat', sequence: String(i) });
    expect(await client.closed()).toEqual({ code: 4008, reason: 'RATE_LIMITED' });
    expect(client.frames.length).toBeLessThanOrEqual(10);
    expect(calm.client.closeInfo).toBeUndefined();
    calm.client.close();
    expect((await rejections(server))['frame_rate']).toBe(1);
  });
});

describe('meeting and attendee quotas', () => {
  const attendee = (n: number) => ({ name: `A${n}`, phone: `+8610000${String(n).padStart(4, '0')}` });

  it('refuses a meeting past meetingsPerEnterprise meetings not ended', async () => {
    const server = await startTestServer({ nodes: 1, config: { meetingsPerEnterprise: 2 } });
    const token = await appAuth(server);
    await createMeeting(server, token, { subject: 'one' });
    const second = await createMeeting(server, token, { subject: 'two' });
    const create = () =>
      http(server, 'POST', '/v1/mmc/management/conferences', {
        headers: { 'X-Access-Token': token },
        body: { mediaTypes: 'HDVideo', subject: 'three' },
      });
    expect(errorOf(await create())).toEqual([403, 'MMC.111070020']);
    const listed = await http(server, 'GET', '/v1/mmc/management/conferences', {
      headers: { 'X-Access-Token': token },
    });
    expect((listed.body as { count: number }).count).toBe(2);
    // Ending one makes room.
    const cancel = await http(
      server,
      'DELETE',
      `/v1/mmc/management/conferences?conferenceID=${second.conferenceID}&type=1`,
      { headers: { 'X-Access-Token': token } },
    );
    expect(cancel.status).toBe(200);
    expect((await create()).status).toBe(200);
    expect((await rejections(server))['meetings_enterprise']).toBe(1);
  });

  it('refuses attendees past attendeesPerMeeting at creation, edit and invitation', async () => {
    const server = await startTestServer({ nodes: 1, config: { attendeesPerMeeting: 3 } });
    const token = await appAuth(server);
    const tooMany = await http(server, 'POST', '/v1/mmc/management/conferences', {
      headers: { 'X-Access-Token': token },
      body: { mediaTypes: 'HDVideo', subject: 'big', attendees: [1, 2, 3, 4].map(attendee) },
    });
    expect(errorOf(tooMany)).toEqual([403, 'MMC.111070021']);
    const meeting = await createMeeting(server, token, { subject: 'small', attendees: [1, 2].map(attendee) });
    const conf = await confToken(server, meeting.conferenceID, meeting.chairPwd);
    const invite = (ns: number[]) =>
      http(server, 'POST', `/v1/mmc/control/conferences/participants?conferenceID=${meeting.conferenceID}`, {
        headers: { 'X-Conference-Authorization': conf.token },
        body: { attendees: ns.map((n) => ({ ...attendee(n), type: 'normal' })) },
      });
    expect(errorOf(await invite([3, 4]))).toEqual([403, 'MMC.111070021']);
    expect((await invite([3])).status).toBe(200);
    // Inviting attendees already there adds nobody.
    expect((await invite([1, 2])).status).toBe(200);
    expect(errorOf(await invite([5]))).toEqual([403, 'MMC.111070021']);

    const scheduled = await createMeeting(server, token, {
      subject: 'later',
      startTime: new Date(Date.now() + 86_400_000).toISOString().slice(0, 16).replace('T', ' '),
      length: 60,
      attendees: [attendee(1)],
    });
    const edit = await http(
      server,
      'PUT',
      `/v1/mmc/management/conferences?conferenceID=${scheduled.conferenceID}`,
      {
        headers: { 'X-Access-Token': token },
        body: {
          mediaTypes: 'HDVideo',
          subject: 'later',
          startTime: new Date(Date.now() + 86_400_000).toISOString().slice(0, 16).replace('T', ' '),
          length: 60,
          attendees: [1, 2, 3, 4].map(attendee),
        },
      },
    );
    expect(errorOf(edit)).toEqual([403, 'MMC.111070021']);
    expect((await rejections(server))['attendees_meeting']).toBe(4);
  });

  it('refuses distinct attendees past attendeesPerEnterprise over the meetings not ended', async () => {
    const server = await startTestServer({ nodes: 1, config: { attendeesPerEnterprise: 4 } });
    const token = await appAuth(server);
    await createMeeting(server, token, { subject: 'a', attendees: [1, 2, 3].map(attendee) });
    // The same people again count once.
    const b = await createMeeting(server, token, { subject: 'b', attendees: [1, 2].map(attendee) });
    await createMeeting(server, token, { subject: 'c', attendees: [attendee(4)] });
    const refused = await http(server, 'POST', '/v1/mmc/management/conferences', {
      headers: { 'X-Access-Token': token },
      body: { mediaTypes: 'HDVideo', subject: 'd', attendees: [attendee(5)] },
    });
    expect(errorOf(refused)).toEqual([403, 'MMC.111070022']);
    expect(ERRORS.ENTERPRISE_ATTENDEE_LIMIT.status).toBe(403);
    const conf = await confToken(server, b.conferenceID, b.chairPwd);
    const invite = await http(
      server,
      'POST',
      `/v1/mmc/control/conferences/participants?conferenceID=${b.conferenceID}`,
      {
        headers: { 'X-Conference-Authorization': conf.token },
        body: { attendees: [{ ...attendee(5), type: 'normal' }] },
      },
    );
    expect(errorOf(invite)).toEqual([403, 'MMC.111070022']);
    expect((await rejections(server))['attendees_enterprise']).toBe(2);
  });
});

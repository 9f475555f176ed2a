/**
 * Enterprise event push (reference §6; src/webhooks/): the documented signature vector, the configuration API with
 * the official SDK's request shapes, verification by nonce echo, the events of a meeting in order, delivery through
 * a receiver that is down, answers 500 or hangs (accelerated retry schedule), dead events and their replay, and the
 * refusal of non-public receivers (the address table: webhooks-address-guard.test.ts). The receiver is real
 * HTTPS on loopback with a certificate made at test time.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { signedBody, webhookSignature } from '../src/webhooks/signature.js';
import { appAuth, createMeeting, http, runningMeeting } from './chain.js';
import { CLUSTER, eventually, loginAsTestUser, startTestServer, type TestServer } from './helpers.js';
import { WebhookReceiver, type Received } from './support/webhook-receiver.js';

const vector = JSON.parse(
  readFileSync(new URL('./vectors/webhook-signature.json', import.meta.url), 'utf8'),
) as {
  subscriberKey: string;
  request: { appID: string; timestamp: number; nonce: string; signature: string; eventInfo: object };
  stringToSign: string;
  configRequest: Record<string, string>;
};

const LINK = '/v1/mmc/management/webhook/link-config';
const STATUS = '/v1/mmc/management/webhook/change-status';

async function serverWithWebhooks(receiver: WebhookReceiver, config: Record<string, unknown> = {}) {
  return startTestServer({
    config: {
      webhookAllowPrivate: true,
      webhookCaFile: receiver.certFile,
      webhookRetryMs: '20,40,80',
      webhookTimeoutMs: 500,
      calleeAnswerDelayMs: 0,
      ...config,
    },
  });
}

/** Sets and enables the enterprise's configuration as the SDK would; returns its id and the admin's token. */
async function enable(server: TestServer, receiver: WebhookReceiver, subscriberId = '12345678') {
  const { accessToken } = await loginAsTestUser(server, { admin: true });
  const headers = { 'X-Access-Token': accessToken };
  const set = await http(server, 'POST', LINK, {
    headers,
    body: { corpId: server.corpId, subscriberId, subscriberKey: receiver.subscriberKey, url: receiver.url },
  });
  expect(set.status).toBe(200);
  const id = (set.body as { id: string }).id;
  const on = await http(server, 'PUT', `${STATUS}?id=${id}&status=0`, { headers });
  expect(on.status, JSON.stringify(on.body)).toBe(200);
  return { id, headers };
}

function meetingEvents(received: readonly Received[], confId: string): string[] {
  return received
    .filter((r) => r.eventInfo.payload?.meetingInfo.meetingID === confId)
    .map((r) => r.eventInfo.event);
}

describe('webhook signature', () => {
  it('reproduces the signature of the documented verification event', () => {
    const { request, subscriberKey } = vector;
    const eventInfoJson = JSON.stringify(request.eventInfo);
    expect(request.appID + String(request.timestamp) + request.nonce + eventInfoJson).toBe(
      vector.stringToSign,
    );
    expect(webhookSignature(subscriberKey, { ...request, eventInfoJson })).toBe(request.signature);
    const body = signedBody(
      { subscriberId: request.appID, subscriberKey },
      request.eventInfo as never,
      request.timestamp,
      request.nonce,
    );
    expect(JSON.parse(body)).toEqual(request);
  });
});

describe('webhook configuration API', () => {
  it('round-trips the SDK calls: set, show, enable after the nonce echo, disable, delete', async () => {
    const receiver = await WebhookReceiver.start('123465');
    const server = await serverWithWebhooks(receiver);
    const { accessToken } = await loginAsTestUser(server, { admin: true });
    const headers = { 'X-Access-Token': accessToken };
    const body = { ...vector.configRequest, corpId: server.corpId, url: receiver.url };
    const set = await http(server, 'POST', LINK, { headers, body });
    expect(set.status).toBe(200);
    const id = (set.body as { id: string }).id;
    const shown = await http(server, 'GET', `${LINK}?corpId=${server.corpId}`, { headers });
    expect(shown.body).toEqual({
      returnCode: 0,
      returnDesc: 'success',
      id,
      subscriberId: '12345678',
      url: receiver.url,
      status: 1,
    });

    const on = await http(server, 'PUT', `${STATUS}?id=${id}&status=0`, { headers });
    expect(on.status).toBe(200);
    const verify = receiver.received.find((r) => r.eventInfo.event === 'meeting.verify')!;
    expect(verify.signatureValid).toBe(true);
    expect(verify.appID).toBe('12345678');
    expect(verify.eventInfo).not.toHaveProperty('payload');
    expect((await http(server, 'GET', LINK, { headers })).body).toMatchObject({ id, status: 0 });

    expect((await http(server, 'PUT', `${STATUS}?id=${id}&status=1`, { headers })).status).toBe(200);
    expect((await http(server, 'GET', LINK, { headers })).body).toMatchObject({ status: 1 });
    expect((await http(server, 'DELETE', `${LINK}?id=${id}`, { headers })).status).toBe(200);
    expect((await http(server, 'GET', LINK, { headers })).body).not.toHaveProperty('id');
  });

  it('stays not enabled and says why when the receiver does not echo the nonce', async () => {
    const receiver = await WebhookReceiver.start('k');
    const server = await serverWithWebhooks(receiver);
    const { accessToken } = await loginAsTestUser(server, { admin: true });
    const headers = { 'X-Access-Token': accessToken };
    const set = await http(server, 'POST', LINK, {
      headers,
      body: { subscriberId: 's', subscriberKey: 'k', url: receiver.url },
    });
    const id = (set.body as { id: string }).id;
    receiver.mode = 'wrong-nonce';
    const on = await http(server, 'PUT', `${STATUS}?id=${id}&status=0`, { headers });
    expect(on.status).toBe(400);
    expect(JSON.stringify(on.body)).toContain('nonce');
    expect((await http(server, 'GET', LINK, { headers })).body).toMatchObject({ status: 1 });
  });

  it('refuses non-admins, plain http, other enterprises and (by default) loopback receivers', async () => {
    const receiver = await WebhookReceiver.start('k');
    const server = await startTestServer({ config: { webhookCaFile: receiver.certFile } });
    const user = await loginAsTestUser(server);
    const body = { subscriberId: 's', subscriberKey: 'k', url: receiver.url };
    expect(
      (await http(server, 'POST', LINK, { headers: { 'X-Access-Token': user.accessToken }, body })).status,
    ).toBe(403);
    const { accessToken } = await loginAsTestUser(server, { admin: true });
    const headers = { 'X-Access-Token': accessToken };
    const plain = await http(server, 'POST', LINK, {
      headers,
      body: { ...body, url: 'http://example.com/hook' },
    });
    expect(plain.status).toBe(400);
    expect(JSON.stringify(plain.body)).toContain('https');
    expect((await http(server, 'POST', LINK, { headers, body: { ...body, corpId: '999' } })).status).toBe(
      403,
    );
    expect((await http(server, 'GET', LINK, { headers })).body).not.toHaveProperty('id');

    const set = await http(server, 'POST', LINK, { headers, body });
    const id = (set.body as { id: string }).id;
    const on = await http(server, 'PUT', `${STATUS}?id=${id}&status=0`, { headers });
    expect(on.status).toBe(400);
    expect(JSON.stringify(on.body)).toContain('non-public address 127.0.0.1');
    expect(receiver.received).toHaveLength(0);
  });
});

describe('webhook events', () => {
  it("pushes a meeting's events in order with the documented payloads and headers", async () => {
    const receiver = await WebhookReceiver.start('secret');
    const server = await serverWithWebhooks(receiver);
    await enable(server, receiver, 'sub-1');
    const token = await appAuth(server);
    const startTime = new Date(Date.now() + 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
    const scheduled = await createMeeting(server, token, { subject: 'later', startTime });
    const edit = await http(
      server,
      'PUT',
      `/v1/mmc/management/conferences?conferenceID=${scheduled.conferenceID}`,
      {
        headers: { 'X-Access-Token': token },
        body: { subject: 'later, edited', startTime, mediaTypes: 'HDVideo' },
      },
    );
    expect(edit.status).toBe(200);
    const cancel = await http(
      server,
      'DELETE',
      `/v1/mmc/management/conferences?conferenceID=${scheduled.conferenceID}`,
      {
        headers: { 'X-Access-Token': token },
      },
    );
    expect(cancel.status).toBe(200);

    const live = await runningMeeting(server, { subject: 'now' });
    const conf = await http(
      server,
      'GET',
      `/v1/mmc/control/conferences/token?conferenceID=${live.conferenceID}`,
      {
        headers: { 'X-Password': live.chairPwd, 'X-Login-Type': '1' },
      },
    );
    const confToken = (conf.body as { data: { token: string } }).data.token;
    const control = { 'X-Conference-Authorization': confToken };
    const q = `?conferenceID=${live.conferenceID}`;
    const invited = await http(server, 'POST', `/v1/mmc/control/conferences/participants${q}`, {
      headers: control,
      body: { attendees: [{ name: 'Ada', phone: '+8612345', type: 'normal' }] },
    });
    expect(invited.status).toBe(200);
    await receiver.waitForEvents(6); // create, modify, cancel; create, started, join
    expect(
      (
        await http(server, 'PUT', `/v1/mmc/control/conferences/record${q}`, {
          headers: control,
          body: { isRecord: 1 },
        })
      ).status,
    ).toBe(200);
    expect(
      (await http(server, 'PUT', `/v1/mmc/control/conferences/stop${q}`, { headers: control })).status,
    ).toBe(200);
    const all = await receiver.waitForEvents(10);

    expect(all.every((r) => r.signatureValid && r.appID === 'sub-1')).toBe(true);
    expect(meetingEvents(all, scheduled.conferenceID)).toEqual([
      'meeting.create',
      'meeting.modify',
      'meeting.cancel',
    ]);
    expect(meetingEvents(all, live.conferenceID)).toEqual([
      'meeting.create',
      'meeting.started',
      'meeting.join',
      'meeting.left',
      'record.finish',
      'meeting.end',
      'meeting.conclude',
    ]);
    const join = all.find((r) => r.eventInfo.event === 'meeting.join')!;
    expect(join.eventInfo.payload).toMatchObject({
      meetingInfo: { meetingID: live.conferenceID, meetingUUID: expect.any(String) },
      attendeeInfo: {
        displayName: 'Ada',
        callNumber: '+8612345',
        leftTime: 0,
        participantID: expect.any(String),
      },
    });
    expect(Object.keys(join.eventInfo.payload!['attendeeInfo'] as object).sort()).toEqual([
      'account',
      'callNumber',
      'displayName',
      'joinTime',
      'leftTime',
      'participantID',
      'role',
      'userAgent',
      'userUUID',
    ]);
    expect(join.headers['content-type']).toBe('application/json;charset=UTF-8');
    expect(join.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(join.headers['pragma']).toBe('No-cache');
    expect(join.headers['cache-control']).toBe('no-cache');
    expect(join.headers['date']).toBeDefined();
  });
});

describe('webhook delivery', () => {
  it('has at most webhookInFlight attempts in flight, taken over all due meetings, each meeting in order', async () => {
    const receiver = await WebhookReceiver.start('secret');
    const server = await serverWithWebhooks(receiver, { webhookInFlight: 2, webhookTimeoutMs: 1500 });
    await enable(server, receiver);
    const token = await appAuth(server);
    receiver.mode = 'hang';
    const meetings = [];
    for (let i = 0; i < 6; i++) meetings.push(await createMeeting(server, token, { subject: `m${i}` }));
    // When the first hanging attempt times out, every meeting's first event has long been due: without the bound
    // all six would be hanging by now.
    await receiver.next('aborted');
    expect(receiver.maxConcurrent).toBe(2);
    receiver.mode = 'ok';
    const all = await receiver.waitForEvents(12);
    for (const m of meetings)
      expect(meetingEvents(all, m.conferenceID)).toEqual(['meeting.create', 'meeting.started']);
    expect(receiver.maxConcurrent).toBeLessThanOrEqual(2);
  });

  it('keeps per-meeting order through a receiver that is down, answers 500 and hangs; retries keep X-Request-ID', async () => {
    const receiver = await WebhookReceiver.start('secret');
    const server = await serverWithWebhooks(receiver, { webhookTimeoutMs: 200 });
    const { id, headers } = await enable(server, receiver);
    const token = await appAuth(server);

    await receiver.down();
    const first = await createMeeting(server, token, { subject: 'a' });
    const second = await createMeeting(server, token, { subject: 'b' });
    await receiver.up();
    receiver.mode = 'fail';
    await receiver.next('failed');
    receiver.mode = 'hang';
    await receiver.next('hung');
    receiver.mode = 'ok';
    const third = await createMeeting(server, token, { subject: 'c' });
    const all = await receiver.waitForEvents(6);

    for (const m of [first, second, third])
      expect(meetingEvents(all, m.conferenceID)).toEqual(['meeting.create', 'meeting.started']);
    expect(new Set(all.map((r) => r.requestId)).size).toBe(6);
    // The receiver has the last event a moment before the server records the attempt.
    const log = await eventually(
      async () => {
        const res = await http(server, 'GET', `/confpush/v1/webhooks/deliveries?id=${id}&limit=1000`, {
          headers,
        });
        return (res.body as { pending: number }).pending === 0 && res;
      },
      { what: 'no delivery pending' },
    );
    const attempts = (log.body as { attempts: { outcome: string; requestId: string; deliveryId: string }[] })
      .attempts;
    const outcomes = new Set(attempts.map((a) => a.outcome));
    expect(outcomes).toEqual(new Set(['delivered', 'failed', 'timeout']));
    // Every attempt of a delivery carried the X-Request-ID the receiver finally got.
    for (const a of attempts) {
      const sameDelivery = attempts.filter((b) => b.deliveryId === a.deliveryId);
      expect(new Set(sameDelivery.map((b) => b.requestId)).size).toBe(1);
    }
  });

  it('records an event dead after the give-up window and delivers it when an admin replays it', async () => {
    const receiver = await WebhookReceiver.start('secret');
    const server = await serverWithWebhooks(receiver, { webhookGiveUpMs: 150 });
    const { id, headers } = await enable(server, receiver);
    receiver.mode = 'fail';
    const token = await appAuth(server);
    const meeting = await createMeeting(server, token, { subject: 'dead' });
    const deadOf = async () =>
      (await http(server, 'GET', `/confpush/v1/webhooks/deliveries?id=${id}`, { headers })).body as {
        dead: { deliveryId: string; event: string }[];
        pending: number;
      };
    const dead = await eventually(
      async () => {
        const log = await deadOf();
        return log.dead.length === 2 && log.pending === 0 && log;
      },
      { what: 'both events dead' },
    );
    expect(dead.dead.map((d) => d.event)).toEqual(['meeting.create', 'meeting.started']);

    receiver.mode = 'ok';
    const replay = await http(server, 'POST', `/confpush/v1/webhooks/replay?id=${id}`, { headers, body: {} });
    expect(replay.body).toEqual({ replayed: 2 });
    const all = await receiver.waitForEvents(2);
    expect(meetingEvents(all, meeting.conferenceID)).toEqual(['meeting.create', 'meeting.started']);
    expect((await deadOf()).dead).toHaveLength(0);
  });
});

describe.runIf(CLUSTER)('webhook delivery in a cluster', () => {
  it('is done by the one node holding the lease, and taken over when that node stops', async () => {
    const receiver = await WebhookReceiver.start('secret');
    const server = await serverWithWebhooks(receiver);
    await enable(server, receiver);
    const leased = () =>
      server.nodes!.filter((node) => {
        const sink = node.sources.find((s) => s.name === 'webhooks');
        return (sink?.health?.().detail as { leased?: boolean } | undefined)?.leased === true;
      });
    const holder = await eventually(() => leased().length === 1 && leased()[0]!, {
      what: 'one lease holder',
    });
    receiver.mode = 'fail';
    const token = await appAuth(server);
    const meeting = await createMeeting(server, token, { subject: 'failover' });
    await receiver.next('failed');
    await holder.close(); // releases the lease: another node takes over from the store
    receiver.mode = 'ok';
    const all = await receiver.waitForEvents(2);
    expect(meetingEvents(all, meeting.conferenceID)).toEqual(['meeting.create', 'meeting.started']);
    const successor = await eventually(() => leased().length === 1 && leased()[0]!, {
      what: 'a new lease holder',
    });
    expect(successor).not.toBe(holder);
  });
});

/**
 * The Janus bridge (src/janus/) against a real Janus with real Chromium participants, everything media inside a
 * network namespace the test creates (test/janus/harness.ts). Assertions through a Huawei-protocol subscriber.
 * Skipped, with the reason, where Janus, janus.js, Chromium or root are missing; CI (.ci/run) installs them.
 */
import { createServer } from 'node:net';
import type { Item } from '@confpush/protocol';
import { HEADERS } from '@confpush/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../src/clock.js';
import type { Config } from '../src/config.js';
import { JanusClient } from '../src/janus/client.js';
import { JanusIdentity } from '../src/janus/identity.js';
import { confToken, http, openPush, runningMeeting } from './chain.js';
import { ConfpushNode } from '../src/node.js';
import {
  CLUSTER,
  eventually,
  startTestServer,
  tempDir,
  TEST_REDIS_URL,
  testRedisPrefix,
  type TestServer,
} from './helpers.js';
import { Participants, type JoinAnswer } from './janus/browser.js';
import { EventTap, type JanusEvent } from './janus/event-tap.js';
import {
  createNamespace,
  janusUnavailable,
  startJanus,
  type JanusProcess,
  type Namespace,
} from './janus/harness.js';
import type { Frame, PushClient } from './push-client.js';
import { testConfig, testLogger } from './support/config.js';

const EVENTS_SECRET = 'janus-events-secret-for-tests';
const ADMIN_KEY = 'janus-admin-key-for-tests';
const CATEGORIES = [
  'ParticipantsNotify',
  'SpeakerChangeNotify',
  'InviteResultNotify',
  'NetConditionNotify',
  'WaitingListNotify',
];
const unavailable = janusUnavailable();
if (unavailable) console.warn(`janus.test.ts skipped: ${unavailable}`);

/** Janus's media statistics (event type 32) of an audio stream. */
const isAudioStats = (e: JanusEvent) =>
  e['type'] === 32 &&
  (e['event'] as JanusEvent | undefined)?.['media'] === 'audio' &&
  typeof (e['event'] as JanusEvent)['rtt'] === 'number';
const items = (f: Frame) => (Array.isArray(f.data) ? (f.data as Item[]) : []);
const info = (item: Item | undefined) => (item?.['pinfoMap'] ?? {}) as Record<string, string>;

/** A free TCP port on `host` (the node under test listens on it, and Janus's event handler posts to it). */
async function freePort(host: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe.skipIf(unavailable !== undefined)('meetings on a real Janus SFU', () => {
  let ns: Namespace;
  let janus: JanusProcess;
  let participants: Participants;
  let port: number;
  let tap: EventTap;

  beforeAll(async () => {
    ns = createNamespace();
    try {
      port = await freePort(ns.outerHost);
      const eventsPath = '/confpush/v1/janus/events';
      tap = await EventTap.start(ns.outerHost, new URL(`http://${ns.outerHost}:${port}${eventsPath}`));
      janus = await startJanus(ns, {
        eventsUrl: `http://${ns.outerHost}:${tap.port}${eventsPath}`,
        eventsSecret: EVENTS_SECRET,
        adminKey: ADMIN_KEY,
      });
      participants = await Participants.launch(ns, janus.wsUrl, [`http://${ns.outerHost}:${port}`]);
    } catch (error) {
      await janus?.stop();
      await tap?.close();
      ns.remove();
      throw error;
    }
  }, 60_000);

  afterAll(async () => {
    await participants?.close();
    await janus?.stop();
    await tap?.close();
    ns?.remove();
  });

  const bridgedConfig = () => ({
    host: ns.outerHost,
    port,
    janusUrl: janus.wsUrl,
    janusAdminKey: ADMIN_KEY,
    janusEventsSecret: EVENTS_SECRET,
  });

  async function bridged(config: Partial<Config> = {}): Promise<TestServer> {
    return startTestServer({ config: { ...bridgedConfig(), ...config }, nodes: 1 });
  }

  async function subscribed(server: TestServer, meeting: { conferenceID: string; chairPwd: string }) {
    const { client, conf } = await openPush(server, meeting.conferenceID, meeting.chairPwd);
    client.subscribe(conf.token, CATEGORIES);
    await client.nextAction('Subscribe');
    return { client, hostToken: conf.token };
  }

  async function join(
    server: TestServer,
    conferenceID: string,
    name: string,
    password: string,
    number?: string,
  ) {
    const res = await http(server, 'POST', `/confpush/v1/janus/conferences/${conferenceID}/join`, {
      body: { name, password, ...(number ? { number } : {}) },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as JoinAnswer;
  }

  const participantFrame = (client: PushClient, pid: string, test: (item: Item) => boolean, ms = 15_000) =>
    client.next(
      (f) => f.action === 'ParticipantsNotify' && items(f).some((i) => i['pid'] === pid && test(i)),
      ms,
    );

  async function roomExists(room: number): Promise<boolean> {
    let ready!: () => void;
    const connected = new Promise<void>((resolve) => (ready = resolve));
    const probe = new JanusClient({
      url: janus.wsUrl,
      logger: testLogger(),
      clock: systemClock,
      onConnected: () => ready(),
    });
    await probe.start();
    await connected;
    try {
      return (await probe.videoroom({ request: 'exists', room }))['exists'] === true;
    } finally {
      await probe.close();
    }
  }

  it('an invited attendee joins, talks and falls silent; the host mutes it, it mutes itself; the host closes its camera and hangs it up; the meeting ends with its room', async () => {
    // Simulated callees answer at once, and numbers ending 0000 fail: the bridge's participant is not one of them.
    const server = await bridged({ calleeAnswerDelayMs: 0 });
    const number = '+8657100000';
    const meeting = await runningMeeting(server, { attendees: [{ name: 'Alice Janus', phone: number }] });
    const { client, hostToken } = await subscribed(server, meeting);

    const answer = await join(server, meeting.conferenceID, 'Alice Janus', meeting.guestPwd, number);
    expect(answer).toMatchObject({
      room: Number(meeting.conferenceID),
      role: 0,
      display: 'Alice Janus',
      waiting: false,
    });
    expect(answer.participantID).toMatch(/^\d{15}$/);
    const page = await participants.join(answer, { video: true });
    const pid = answer.participantID;

    // The invited attendee is being called from its join call on; joining the room answers the call.
    const calling = await participantFrame(client, pid, (i) => i['mode'] !== 1);
    expect(info(items(calling).find((i) => i['pid'] === pid))).toMatchObject({
      NAME: 'Alice Janus',
      TEL: number,
      STATE: '1',
    });
    const answered = await client.next((f) => f.action === 'InviteResultNotify', 15_000);
    expect(items(answered)[0]).toMatchObject({ callNumber: number, resultCode: '0' });
    // The same commit makes it STATE "0" (its frame may come before or after the result's).
    await eventually(
      () =>
        client.frames.some(
          (f) =>
            f.action === 'ParticipantsNotify' &&
            items(f).some((i) => i['pid'] === pid && info(i)['STATE'] === '0'),
        ),
      { what: 'the invited attendee in the meeting (STATE "0")' },
    );

    // The tone makes Alice the speaker; the silence after it ends that.
    await client.next(
      (f) => f.action === 'SpeakerChangeNotify' && items(f).some((i) => i['pid'] === pid),
      15_000,
    );
    await client.next((f) => f.action === 'SpeakerChangeNotify' && items(f).length === 0, 15_000);
    // Janus's media statistics of the page's audio reach the subscriber.
    const net = await client.next(
      (f) => f.action === 'NetConditionNotify' && items(f).some((i) => i['participantID'] === pid),
      15_000,
    );
    expect(items(net).find((i) => i['participantID'] === pid)).toMatchObject({
      lostPacketRate: expect.any(String),
      jitter: expect.any(String),
    });

    const control = { [HEADERS.conferenceAuthorization]: hostToken };
    const mute = await http(
      server,
      'PUT',
      `/v1/mmc/control/conferences/participants/mute?conferenceID=${meeting.conferenceID}&participantID=${pid}`,
      { headers: control, body: { isMute: 1 } },
    );
    expect(mute.status).toBe(200);
    await participantFrame(client, pid, (i) => info(i)['MUTE'] === '1');
    await Participants.message(page, { videoroom: 'event', moderation: 'muted' });
    const unmuteAll = await http(
      server,
      'PUT',
      `/v1/mmc/control/conferences/mute?conferenceID=${meeting.conferenceID}`,
      { headers: control, body: { isMute: 0 } },
    );
    expect(unmuteAll.status).toBe(200);
    await participantFrame(client, pid, (i) => info(i)['MUTE'] === '0');
    await Participants.message(page, { videoroom: 'event', moderation: 'unmuted' });
    // Muting itself with a participant token moderates its stream like the host's mute.
    const guestToken = (await confToken(server, meeting.conferenceID, meeting.guestPwd)).token;
    const selfMute = await http(
      server,
      'PUT',
      `/v1/mmc/control/conferences/participants/mute?conferenceID=${meeting.conferenceID}&participantID=${pid}`,
      { headers: { [HEADERS.conferenceAuthorization]: guestToken }, body: { isMute: 1 } },
    );
    expect(selfMute.status).toBe(200);
    await participantFrame(client, pid, (i) => info(i)['MUTE'] === '1');
    await Participants.message(page, { videoroom: 'event', moderation: 'muted' }, 10_000, 2);
    const cameraOff = await http(
      server,
      'PUT',
      `/v1/mmc/control/conferences/participants/video?conferenceID=${meeting.conferenceID}&participantID=${pid}`,
      { headers: control, body: { status: 1 } },
    );
    expect(cameraOff.status).toBe(200);
    await participantFrame(client, pid, (i) => info(i)['CAMERASTATE'] === '0' && i['mode'] !== 1);
    await Participants.message(page, { videoroom: 'event', moderation: 'muted', mid: '1' });

    const hangUp = await http(
      server,
      'POST',
      `/v1/mmc/control/conferences/participants/delete?conferenceID=${meeting.conferenceID}`,
      { headers: control, body: { bulkHangUpParticipants: [pid] } },
    );
    expect(hangUp.status).toBe(200);
    await participantFrame(client, pid, (i) => i['mode'] === 1);
    const result = await client.next((f) => f.action === 'InviteResultNotify', 15_000);
    expect(items(result)[0]).toMatchObject({ callNumber: number, resultCode: '11076002' });
    await Participants.message(page, { leaving: 'ok', reason: 'kicked' });

    expect(await roomExists(Number(meeting.conferenceID))).toBe(true);
    const stop = await http(
      server,
      'PUT',
      `/v1/mmc/control/conferences/stop?conferenceID=${meeting.conferenceID}`,
      {
        headers: control,
      },
    );
    expect(stop.status).toBe(200);
    await eventually(async () => !(await roomExists(Number(meeting.conferenceID))), {
      what: 'the room destroyed',
    });
    await page.context().close();
    client.close();
  }, 90_000);

  it("a page that also subscribes has its round-trip time pushed; the console's live view shows it join, speak and leave", async () => {
    const server = await bridged();
    const meeting = await runningMeeting(server);
    const { client } = await subscribed(server, meeting);
    const consolePage = await participants.open(`${server.url}/console/#/meeting/${meeting.conferenceID}`);
    try {
      const byTestId = (id: string) => consolePage.locator(`[data-testid="${id}"]`);
      await byTestId('host-password').fill(meeting.chairPwd);
      await byTestId('host-password-submit').click();
      await consolePage
        .locator('[data-testid="connection-indicator"][data-state="live"]')
        .waitFor({ timeout: 15_000 });

      const answer = await join(server, meeting.conferenceID, 'Carol Janus', meeting.guestPwd);
      const page = await participants.join(answer, { subscribe: true });
      const pid = answer.participantID;
      await byTestId(`roster-row-${pid}`).waitFor({ timeout: 15_000 });
      // Its subscriber handle carries the same opaque ID: Janus's round-trip time on it is the participant's delay.
      await eventually(
        async () => {
          const state = await Participants.state(page);
          if (state.errors.length > 0) throw new Error(JSON.stringify(state));
          return state.subscribed === true;
        },
        { timeoutMs: 15_000, what: 'the page subscribed to its own feed' },
      );
      // Janus measures the round trip from the browser's receiver reports, in whole milliseconds, rounded down: inside
      // the test's namespace the true round trip is well below 1 ms, so Janus may read 0 for as long as it runs. The
      // pushed delay must be Janus's own reading of the page's subscriber handle, as its event handler posted it.
      const readings = () =>
        tap.events
          .filter((e) => isAudioStats(e) && e['opaque_id'] === answer.subscriberOpaqueId)
          .map((e) => ({ at: Number(e['timestamp']), rtt: Number((e['event'] as JanusEvent)['rtt']) }));
      const positive = () => new Set(readings().flatMap((r) => (r.rtt > 0 ? [r.rtt] : [])));
      // A receiver report comes every few seconds: give Janus 20 s of readings to see a round trip of 1 ms or more.
      await eventually(
        () => {
          const all = readings();
          return (
            positive().size > 0 || (all.length > 0 && all[all.length - 1]!.at - all[0]!.at >= 20_000_000)
          );
        },
        { timeoutMs: 45_000, what: "Janus's readings of the page's subscriber handle" },
      );
      const delayOf = (f: Frame) => {
        const item = items(f).find((i) => i['participantID'] === pid);
        return f.action === 'NetConditionNotify' && item ? Number(item['delay']) : undefined;
      };
      const measured = await client.next((f) => {
        const delay = delayOf(f);
        return delay !== undefined && (positive().size === 0 || delay > 0);
      }, 15_000);
      // Every delay pushed for it is one Janus read: the bridge passes the figure on, it never makes one up.
      const pushed = client.frames.flatMap((f) => delayOf(f) ?? []);
      expect(pushed.filter((delay) => delay > 0 && !positive().has(delay))).toEqual([]);
      if (positive().size > 0) expect(delayOf(measured)).toBeGreaterThan(0);
      expect(items(measured).find((i) => i['participantID'] === pid)).toMatchObject({
        delay: expect.stringMatching(/^\d+$/),
        jitter: expect.stringMatching(/^\d+$/),
        lostPacketRate: expect.stringMatching(/^\d+$/),
      });
      expect(await byTestId(`roster-name-${pid}`).textContent()).toBe('Carol Janus');
      // The tone: the live view highlights the speaker.
      await consolePage
        .locator(`[data-testid="roster-row-${pid}"][data-speaking="true"]`)
        .waitFor({ timeout: 15_000 });
      await page.context().close();
      // Its page gone, it leaves the roster.
      await byTestId(`roster-row-${pid}`).waitFor({ state: 'detached', timeout: 15_000 });
    } finally {
      await consolePage.context().close();
      client.close();
    }
  }, 150_000);

  it('Janus killed and restarted mid-meeting: the participant it lost leaves (11111001), the room is back', async () => {
    const server = await bridged();
    const meeting = await runningMeeting(server);
    const { client } = await subscribed(server, meeting);
    const bob = await join(server, meeting.conferenceID, 'Bob Janus', meeting.chairPwd);
    expect(bob.role).toBe(1);
    const bobPage = await participants.join(bob);
    await participantFrame(client, bob.participantID, (i) => info(i)['ROLE'] === '1');

    await janus.kill();
    await janus.restart();
    await participantFrame(client, bob.participantID, (i) => i['mode'] === 1);
    const result = await client.next((f) => f.action === 'InviteResultNotify', 15_000);
    expect(items(result)[0]).toMatchObject({ callNumber: bob.participantID, resultCode: '11111001' });
    expect(await roomExists(Number(meeting.conferenceID))).toBe(true);

    // The room was created again: the next browser joins it.
    const carol = await join(server, meeting.conferenceID, 'Carol Janus', meeting.guestPwd);
    const carolPage = await participants.join(carol);
    await participantFrame(client, carol.participantID, (i) => info(i)['NAME'] === 'Carol Janus');
    await bobPage.context().close();
    await carolPage.context().close();
    client.close();
  }, 90_000);

  it('confpush restarted while a browser joined: the new node reconciles it from listparticipants', async () => {
    const dataDir = tempDir();
    const config = testConfig(dataDir, {
      ...bridgedConfig(),
      ...(CLUSTER ? { redisUrl: TEST_REDIS_URL, redisPrefix: testRedisPrefix(dataDir) } : {}),
    });
    const first = await ConfpushNode.start({ config, logger: testLogger() });
    const before: TestServer = {
      node: first,
      url: first.url,
      appId: config.appId,
      appKey: config.appKey,
      corpId: config.corpId,
      dataDir,
    };
    let meeting: Awaited<ReturnType<typeof runningMeeting>>;
    let erin: JoinAnswer;
    const number = '+8657100002';
    try {
      meeting = await runningMeeting(before, { attendees: [{ name: 'Erin Janus', phone: number }] });
      // An invited attendee: being called from here on.
      erin = await join(before, meeting.conferenceID, 'Erin Janus', meeting.guestPwd, number);
    } finally {
      await first.close();
    }
    // Erin joins the room while no confpush node is there to hear of it.
    const page = await participants.join(erin);

    const server = await startTestServer({
      dataDir,
      config: { ...bridgedConfig(), appId: config.appId, appKey: config.appKey },
      nodes: 1,
    });
    const { client } = await subscribed(server, meeting);
    await participantFrame(
      client,
      erin.participantID,
      (i) => info(i)['NAME'] === 'Erin Janus' && i['mode'] !== 1,
    );
    // Reconciliation found her in the room: her call is answered.
    await client.next(
      (f) =>
        f.action === 'InviteResultNotify' &&
        items(f).some((i) => i['callNumber'] === number && i['resultCode'] === '0'),
      15_000,
    );
    await eventually(
      () =>
        client.frames.some(
          (f) =>
            f.action === 'ParticipantsNotify' &&
            items(f).some((i) => i['pid'] === erin.participantID && info(i)['STATE'] === '0'),
        ),
      { what: 'Erin in the meeting (STATE "0")' },
    );

    // Events flow again: closing the page is a leave.
    await page.context().close();
    await participantFrame(client, erin.participantID, (i) => i['mode'] === 1);
    client.close();
  }, 90_000);

  it('waiting room: a guest is held until admitted, and only then may its token join', async () => {
    const server = await bridged();
    const meeting = await runningMeeting(server, { confConfigInfo: { enableWaitingRoom: true } });
    const { client, hostToken } = await subscribed(server, meeting);
    const gina = await join(server, meeting.conferenceID, 'Gina Janus', meeting.guestPwd);
    expect(gina.waiting).toBe(true);
    await client.next(
      (f) => f.action === 'WaitingListNotify' && items(f).some((i) => i['pid'] === gina.participantID),
    );
    expect(await participants.refused(gina)).toMatchObject({ error_code: expect.any(Number) });

    const admit = await http(
      server,
      'PUT',
      `/v1/mmc/control/conferences/allowWaitingParticipant?conferenceID=${meeting.conferenceID}`,
      {
        headers: { [HEADERS.conferenceAuthorization]: hostToken },
        body: { participantID: gina.participantID },
      },
    );
    expect(admit.status).toBe(200);
    await participantFrame(client, gina.participantID, (i) => info(i)['NAME'] === 'Gina Janus');
    const page = await eventually(() => participants.join(gina).catch(() => undefined), {
      timeoutMs: 20_000,
      what: 'the admitted guest joined the room',
    });
    expect((await Participants.state(page)).joined).toBe(true);
    await page.context().close();
    await participantFrame(client, gina.participantID, (i) => i['mode'] === 1);
    client.close();
  }, 90_000);
});

describe('the event handler endpoint', () => {
  const adminKey = 'admin-key';
  const secret = 'the-events-secret';
  const identity = new JanusIdentity(`${adminKey}\u0000${secret}`);
  const basic = (user: string, password: string) =>
    `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

  it('refuses a wrong or missing secret (401, nothing changed) and takes grouped events with the right one', async () => {
    // No Janus answers here: the bridge keeps trying to connect, the events endpoint works all the same.
    const server = await startTestServer({
      config: { janusUrl: 'ws://127.0.0.1:9', janusAdminKey: adminKey, janusEventsSecret: secret },
    });
    const meeting = await runningMeeting(server);
    const pid = identity.issue(0);
    const joined = [
      {
        type: 64,
        session_id: 1,
        handle_id: 2,
        event: {
          plugin: 'janus.plugin.videoroom',
          data: { event: 'joined', room: Number(meeting.conferenceID), id: Number(pid), display: 'Eve' },
        },
      },
    ];
    for (const authorization of [basic('janus', 'wrong'), basic('admin', secret), undefined]) {
      const res = await http(server, 'POST', '/confpush/v1/janus/events', {
        headers: authorization ? { authorization } : {},
        body: joined,
      });
      expect(res.status).toBe(401);
    }
    const state = async () => (await server.node.engine.load(meeting.conferenceID))!.committed;
    expect((await state()).streams.ParticipantsNotify.items.has(pid)).toBe(false);

    const { client, conf } = await openPush(server, meeting.conferenceID, meeting.chairPwd);
    client.subscribe(conf.token, ['ParticipantsNotify']);
    await client.nextAction('Subscribe');
    const res = await http(server, 'POST', '/confpush/v1/janus/events', {
      headers: { authorization: basic('janus', secret) },
      body: joined,
    });
    expect(res.status).toBe(200);
    const frame = await client.next(
      (f) => f.action === 'ParticipantsNotify' && items(f).some((i) => i['pid'] === pid),
    );
    expect(info(items(frame).find((i) => i['pid'] === pid))).toMatchObject({ NAME: 'Eve', ROLE: '0' });
    client.close();
  });
});

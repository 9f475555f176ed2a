/**
 * The Janus bridge without a Janus: the derived identities, the level-to-volume mapping, the settings, and Janus's
 * event-handler posts (shapes as Janus 1.1 sends them, docs/janus.md) turned into pushes for a real subscriber.
 * test/janus.test.ts runs the same against a real Janus and real browsers.
 */
import { ERRORS, HEADERS, type ErrorName, type Item } from '@confpush/protocol';
import { describe, expect, it } from 'vitest';
import { ConfigError, configFromEnv, resolveConfig } from '../src/config.js';
import { volumeOfDbov } from '../src/janus/events.js';
import { JanusIdentity } from '../src/janus/identity.js';
import { confToken, http, openPush, runningMeeting } from './chain.js';
import { startTestServer } from './helpers.js';
import type { Frame } from './push-client.js';

const ADMIN_KEY = 'admin-key';
const SECRET = 'events-secret';
const identity = new JanusIdentity(`${ADMIN_KEY}\u0000${SECRET}`);
const items = (f: Frame) => (Array.isArray(f.data) ? (f.data as Item[]) : []);
const info = (item: Item | undefined) => (item?.['pinfoMap'] ?? {}) as Record<string, string>;

describe('derived identities', () => {
  it('issues 15-digit participant IDs that verify with their role; a changed digit or another key does not', () => {
    const guest = identity.issue(0);
    const host = identity.issue(1);
    expect(guest).toMatch(/^\d{15}$/);
    expect(identity.verify(guest)).toEqual({ pid: guest, role: 0 });
    expect(identity.verify(host)).toEqual({ pid: host, role: 1 });
    // A guest cannot promote itself by changing the role digit, nor make up an ID.
    expect(identity.verify(`${guest.slice(0, 11)}1`)).toBeUndefined();
    expect(new JanusIdentity('another key').verify(guest)).toBeUndefined();
    expect(identity.verify('abc')).toBeUndefined();
    expect(identity.token(guest)).not.toBe(identity.token(host));
    expect(identity.roomSecret('912345678')).toBe(identity.roomSecret('912345678'));
    expect(identity.roomSecret('912345678')).not.toBe(identity.roomSecret('912345679'));
  });

  it('maps the dBov average (0 loudest, 127 silence) to a volume of 1 to 100', () => {
    expect(volumeOfDbov(20)).toBe(80);
    expect(volumeOfDbov(0)).toBe(100);
    expect(volumeOfDbov(127)).toBe(1);
    expect(volumeOfDbov(undefined)).toBe(1);
  });
});

describe('Janus settings', () => {
  it('come from flags, environment and config file like every setting; the events secret is required', () => {
    const env = configFromEnv({
      CONFPUSH_JANUS_URL: 'ws://127.0.0.1:8188',
      CONFPUSH_JANUS_ADMIN_KEY: 'k',
      CONFPUSH_JANUS_PUBLIC_URL: 'wss://janus.example.org/ws',
      CONFPUSH_JANUS_EVENTS_SECRET: 's',
    });
    expect(resolveConfig(env)).toMatchObject({
      janusUrl: 'ws://127.0.0.1:8188',
      janusAdminKey: 'k',
      janusPublicUrl: 'wss://janus.example.org/ws',
      janusEventsSecret: 's',
    });
    expect(resolveConfig({}).janusUrl).toBe('');
    expect(() => resolveConfig({ janusUrl: 'ws://127.0.0.1:8188' })).toThrow(ConfigError);
    expect(() => resolveConfig({ janusUrl: 'http://127.0.0.1:8088', janusEventsSecret: 's' })).toThrow(
      /ws:\/\/ or wss:\/\//,
    );
  });
});

describe('Janus events to pushes', () => {
  it('joined, talking, moderated, stopped-talking, kicked and hangup reach the subscriber', async () => {
    // No Janus answers here: the bridge keeps trying to connect; the events endpoint works all the same.
    const server = await startTestServer({
      config: { janusUrl: 'ws://127.0.0.1:9', janusAdminKey: ADMIN_KEY, janusEventsSecret: SECRET },
    });
    const meeting = await runningMeeting(server);
    const room = Number(meeting.conferenceID);
    const { client, conf } = await openPush(server, meeting.conferenceID, meeting.chairPwd);
    client.subscribe(conf.token, ['ParticipantsNotify', 'SpeakerChangeNotify', 'InviteResultNotify']);
    await client.nextAction('Subscribe');
    // Janus's event handler posts to one node (docs/janus.md, limits): which handle is whose is that node's memory.
    const eventsNode = { ...server, url: server.node.url };
    const post = async (events: unknown) => {
      const res = await http(eventsNode, 'POST', '/confpush/v1/janus/events', {
        headers: { authorization: `Basic ${Buffer.from(`janus:${SECRET}`).toString('base64')}` },
        body: events,
      });
      expect(res.status).toBe(200);
    };
    const plugin = (data: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
      type: 64,
      ...extra,
      event: { plugin: 'janus.plugin.videoroom', data: { room, ...data } },
    });
    const alice = identity.issue(0);
    const bob = identity.issue(1);

    await post([
      plugin({ event: 'joined', id: Number(alice), display: 'Alice' }, { session_id: 1, handle_id: 11 }),
      plugin({ event: 'joined', id: Number(bob), display: 'Bob' }, { session_id: 2, handle_id: 22 }),
    ]);
    const joined = await client.next(
      (f) => f.action === 'ParticipantsNotify' && items(f).some((i) => i['pid'] === bob),
    );
    expect(info(items(joined).find((i) => i['pid'] === bob))).toMatchObject({ NAME: 'Bob', ROLE: '1' });

    await post(plugin({ videoroom: 'talking', id: Number(alice), mid: '0', 'audio-level-dBov-avg': 20 }));
    const speaking = await client.next((f) => f.action === 'SpeakerChangeNotify' && items(f).length > 0);
    expect(items(speaking)).toEqual([{ pid: alice, name: 'Alice', speakingVolume: 80 }]);

    // A moderator mute is an implicit stopped-talking: Janus measures no level of a muted stream.
    await post(plugin({ videoroom: 'moderated', id: Number(alice), mid: '0', moderation: 'muted' }));
    await client.next((f) => f.action === 'ParticipantsNotify' && info(items(f)[0])['MUTE'] === '1');
    await client.next((f) => f.action === 'SpeakerChangeNotify' && items(f).length === 0);

    await post(plugin({ event: 'kicked', id: Number(alice) }));
    await client.next((f) => f.action === 'ParticipantsNotify' && items(f).some((i) => i['mode'] === 1));
    const kicked = await client.next((f) => f.action === 'InviteResultNotify');
    expect(items(kicked)[0]).toMatchObject({ callNumber: alice, resultCode: '11076002' });

    // A PeerConnection hangup names no room: the handle from the joined event says whose it is.
    await post({
      type: 16,
      session_id: 2,
      handle_id: 22,
      event: { connection: 'hangup', reason: 'Close PC' },
    });
    const hungUp = await client.next((f) => f.action === 'InviteResultNotify');
    expect(items(hungUp)[0]).toMatchObject({ callNumber: bob, resultCode: '11076010' });
    client.close();
  });
});

describe('Janus events posted to any node (a balancer without stickiness)', () => {
  it("one participant's events, each to another node, make the same pushes as on one node", async () => {
    const server = await startTestServer({
      config: { janusUrl: 'ws://127.0.0.1:9', janusAdminKey: ADMIN_KEY, janusEventsSecret: SECRET },
    });
    const nodes = server.nodes ?? [server.node];
    const meeting = await runningMeeting(server);
    const confId = meeting.conferenceID;
    const room = Number(confId);
    const { client, conf } = await openPush(server, confId, meeting.chairPwd);
    client.subscribe(conf.token, [
      'ParticipantsNotify',
      'SpeakerChangeNotify',
      'InviteResultNotify',
      'NetConditionNotify',
    ]);
    await client.nextAction('Subscribe');
    let turn = 0;
    /** Posts to the next node in turn. */
    const post = async (events: unknown) => {
      const node = nodes[turn++ % nodes.length]!;
      const res = await http({ ...server, url: node.url }, 'POST', '/confpush/v1/janus/events', {
        headers: { authorization: `Basic ${Buffer.from(`janus:${SECRET}`).toString('base64')}` },
        body: events,
      });
      expect(res.status).toBe(200);
    };
    const plugin = (data: Record<string, unknown>) => ({
      type: 64,
      event: { plugin: 'janus.plugin.videoroom', data: { room, ...data } },
    });
    const alice = identity.issue(0);
    const bob = identity.issue(0);
    const opaque = identity.opaqueId(confId, alice);
    const subscriberOpaque = identity.opaqueId(confId, alice, 'subscriber');
    const stats = (opaqueId: string, fields: Record<string, number>) => ({
      type: 32,
      session_id: 7,
      handle_id: 70 + turn,
      opaque_id: opaqueId,
      event: { mid: '0', media: 'audio', ...fields },
    });

    await post({ ...plugin({ event: 'joined', id: Number(alice), display: 'Alice' }), opaque_id: opaque });
    await client.next((f) => f.action === 'ParticipantsNotify' && items(f).some((i) => i['pid'] === alice));
    await post(plugin({ event: 'joined', id: Number(bob), display: 'Bob' }));
    await client.next((f) => f.action === 'ParticipantsNotify' && items(f).some((i) => i['pid'] === bob));

    await post(plugin({ videoroom: 'talking', id: Number(alice), mid: '0', 'audio-level-dBov-avg': 20 }));
    await client.next((f) => f.action === 'SpeakerChangeNotify' && items(f).length === 1);
    await post(plugin({ videoroom: 'talking', id: Number(bob), mid: '0', 'audio-level-dBov-avg': 30 }));
    const both = await client.next((f) => f.action === 'SpeakerChangeNotify' && items(f).length === 2);
    expect(items(both).map((i) => i['pid'])).toEqual([alice, bob]);
    // Alice stops talking on a node that did not see her start.
    await post(plugin({ videoroom: 'stopped-talking', id: Number(alice), mid: '0' }));
    const left = await client.next((f) => f.action === 'SpeakerChangeNotify' && items(f).length === 1);
    expect(items(left).map((i) => i['pid'])).toEqual([bob]);

    // Her publisher handle: uplink jitter and loss (Janus receives, rtt 0) …
    await post(
      stats(opaque, { rtt: 0, 'jitter-local': 12, lost: 5, 'packets-received': 95, 'packets-sent': 0 }),
    );
    const uplink = await client.next((f) => f.action === 'NetConditionNotify');
    expect(items(uplink)[0]).toMatchObject({
      participantID: alice,
      jitter: '12',
      lostPacketRate: '500',
      delay: '0',
    });
    // … then a subscriber handle of her page (Janus sends): the round-trip time, the uplink figures stay.
    await post(
      stats(subscriberOpaque, {
        rtt: 37,
        'jitter-remote': 4,
        'lost-by-remote': 2,
        'packets-sent': 200,
        'packets-received': 0,
      }),
    );
    const rtt = await client.next((f) => f.action === 'NetConditionNotify');
    expect(items(rtt)[0]).toMatchObject({
      participantID: alice,
      delay: '37',
      jitter: '12',
      lostPacketRate: '500',
      outJitter: '4',
      audioOutLossPacketRate: '100',
    });

    // A media event without counters (Janus's `receiving`) changes no figure.
    await post({ type: 32, opaque_id: opaque, event: { mid: '0', media: 'audio', receiving: true } });
    await post(
      stats(subscriberOpaque, {
        rtt: 41,
        'jitter-remote': 4,
        'lost-by-remote': 2,
        'packets-sent': 200,
        'packets-received': 0,
      }),
    );
    const later = await client.next((f) => f.action === 'NetConditionNotify');
    expect(items(later)[0]).toMatchObject({ delay: '41', jitter: '12', lostPacketRate: '500' });

    // Her page stops watching a feed: its subscriber handle hangs up, she stays (and can still talk).
    await post({ type: 16, opaque_id: subscriberOpaque, event: { connection: 'hangup' } });
    await post(plugin({ videoroom: 'talking', id: Number(alice), mid: '0', 'audio-level-dBov-avg': 10 }));
    const back = await client.next((f) => f.action === 'SpeakerChangeNotify' && items(f).length === 2);
    expect(items(back).map((i) => i['pid'])).toEqual([alice, bob]);

    // A hangup names no room: the opaque ID says whose it is, on whichever node gets it.
    await post({
      type: 16,
      session_id: 9,
      handle_id: 99,
      opaque_id: opaque,
      event: { connection: 'hangup' },
    });
    const hungUp = await client.next((f) => f.action === 'InviteResultNotify');
    expect(items(hungUp)[0]).toMatchObject({ callNumber: alice, resultCode: '11076010' });
    // A made-up opaque ID (another participant's ID without its check) changes nothing.
    await post({
      type: 16,
      opaque_id: `${confId}-${bob}-0000000000000000`,
      event: { connection: 'hangup' },
    });
    await post(plugin({ event: 'leaving', id: Number(bob) }));
    const bobLeft = await client.next((f) => f.action === 'InviteResultNotify');
    expect(items(bobLeft)[0]).toMatchObject({ callNumber: bob, resultCode: '11076010' });
    client.close();
  });

  it('a participant muting itself (a participant token) goes through Janus: without Janus, 503 and no change', async () => {
    const server = await startTestServer({
      config: { janusUrl: 'ws://127.0.0.1:9', janusAdminKey: ADMIN_KEY, janusEventsSecret: SECRET },
    });
    const meeting = await runningMeeting(server);
    const room = Number(meeting.conferenceID);
    const { client, conf } = await openPush(server, meeting.conferenceID, meeting.chairPwd);
    client.subscribe(conf.token, ['ParticipantsNotify']);
    await client.nextAction('Subscribe');
    const joined = async (pid: string, display: string) => {
      const res = await http(server, 'POST', '/confpush/v1/janus/events', {
        headers: { authorization: `Basic ${Buffer.from(`janus:${SECRET}`).toString('base64')}` },
        body: {
          type: 64,
          event: {
            plugin: 'janus.plugin.videoroom',
            data: { room, event: 'joined', id: Number(pid), display },
          },
        },
      });
      expect(res.status).toBe(200);
    };
    const alice = identity.issue(0);
    await joined(alice, 'Alice');
    await client.next((f) => f.action === 'ParticipantsNotify' && items(f).some((i) => i['pid'] === alice));
    const guest = (await confToken(server, meeting.conferenceID, meeting.guestPwd)).token;
    const mute = await http(
      server,
      'PUT',
      `/v1/mmc/control/conferences/participants/mute?conferenceID=${meeting.conferenceID}&participantID=${alice}`,
      { headers: { [HEADERS.conferenceAuthorization]: guest }, body: { isMute: 1 } },
    );
    expect({ status: mute.status, code: (mute.body as { error_code?: string }).error_code }).toEqual({
      status: ERRORS.UNAVAILABLE.status,
      code: ERRORS.UNAVAILABLE.code,
    });
    // The next change of the participants is the next one made, not a mute.
    const bob = identity.issue(0);
    await joined(bob, 'Bob');
    const next = await client.nextAction('ParticipantsNotify');
    expect(items(next).map((i) => i['pid'])).toEqual([bob]);
    client.close();
  });
});

describe('the join call', () => {
  it('refuses a wrong password like the control-token call (with its limits), a guest of a locked meeting, and answers 503 without Janus', async () => {
    const server = await startTestServer({
      config: {
        janusUrl: 'ws://127.0.0.1:9',
        janusAdminKey: ADMIN_KEY,
        janusEventsSecret: SECRET,
        authFailuresPerTarget: 2,
      },
      // The authentication-failure counters are each node's own.
      nodes: 1,
    });
    const meeting = await runningMeeting(server);
    const path = `/confpush/v1/janus/conferences/${meeting.conferenceID}/join`;
    const join = (password: string) => http(server, 'POST', path, { body: { name: 'Mallory', password } });
    const expectError = (res: { status: number; body: unknown }, name: ErrorName) =>
      expect({ status: res.status, code: (res.body as { error_code?: string }).error_code }).toEqual({
        status: ERRORS[name].status,
        code: ERRORS[name].code,
      });

    // No Janus: the right password gets as far as the room and answers 503.
    expectError(await join(meeting.guestPwd), 'UNAVAILABLE');
    const bad = await http(server, 'POST', path, { body: { name: 'Mallory' } });
    expect(bad.status).toBe(400);
    // `number` must name an attendee of the meeting (checked before Janus is asked for anything).
    const stranger = await http(server, 'POST', path, {
      body: { name: 'Mallory', password: meeting.guestPwd, number: '+8610009999' },
    });
    expectError(stranger, 'MMC_INVALID_PARAMETER');
    expect((stranger.body as { error_msg?: string }).error_msg).toContain('+8610009999');
    const empty = await http(server, 'POST', path, {
      body: { name: 'Mallory', password: meeting.guestPwd, number: '' },
    });
    expect(empty.status).toBe(400);

    const host = {
      [HEADERS.conferenceAuthorization]: (await confToken(server, meeting.conferenceID, meeting.chairPwd))
        .token,
    };
    const lock = await http(
      server,
      'PUT',
      `/v1/mmc/control/conferences/lock?conferenceID=${meeting.conferenceID}`,
      {
        headers: host,
        body: { isLock: 1 },
      },
    );
    expect(lock.status).toBe(200);
    expectError(await join(meeting.guestPwd), 'CONF_LOCKED');

    expectError(await join('000000'), 'CONF_AUTH_FAILED');
    expectError(await join('000001'), 'CONF_AUTH_FAILED');
    // Past authFailuresPerTarget failures for the meeting, even the right password waits for the window.
    expectError(await join(meeting.chairPwd), 'TOO_MANY_ATTEMPTS');
  });
});

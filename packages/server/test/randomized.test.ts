/**
 * Issue 3's randomized test, through real HTTP and real sockets: random control calls and media-plane events
 * against one meeting, subscribers joining at random moments. At the end every subscriber's replica — built only
 * from the frames it received — equals the server's state for every category, and `GET realTimeInfo` equals what
 * the reference says it must be for that replica (test/support/realtime-view.ts).
 */
import { CategoryReplica, PUSH_CATEGORIES, type PushCategory } from '@confpush/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { confToken, http, openPush, runningMeeting } from './chain.js';
import { eventually, mediaPlaneOf, startTestServer, type TestServer } from './helpers.js';
import { expectedRealTimeInfo } from './support/realtime-view.js';
import type { PushClient } from './push-client.js';

const PIDS = ['s1', 's2', 's3', 's4', 's5'];
const TEL = (pid: string) => `+8657100000${pid.slice(1)}`;

type Op =
  | { kind: 'join'; pid: string; waiting: boolean }
  | { kind: 'leave'; pid: string; reason: number }
  | { kind: 'invite'; n: number }
  | { kind: 'mute'; pid: string; mute: boolean }
  | { kind: 'muteAll'; mute: boolean }
  | { kind: 'hands'; pid: string; raised: boolean }
  | { kind: 'lock'; locked: boolean }
  | { kind: 'hangUp'; pid: string }
  | { kind: 'broadcast'; pid: string }
  | { kind: 'cancelBroadcast' }
  | { kind: 'cohost'; pid: string; on: boolean }
  | { kind: 'rename'; pid: string; name: string }
  | { kind: 'toWaitingRoom'; pid: string }
  | { kind: 'admitAll' }
  | { kind: 'volumes'; volumes: { pid: string; volume: number }[] }
  | { kind: 'netQuality'; pid: string; delay: number; loss: number }
  | { kind: 'share'; pid: string; on: boolean }
  | { kind: 'camera'; pid: string; on: boolean }
  | { kind: 'subscribe' };

const pid = fc.constantFrom(...PIDS);
const join = fc.record({ kind: fc.constant('join' as const), pid, waiting: fc.boolean() });
const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: join, weight: 4 },
  fc.record({
    kind: fc.constant('leave' as const),
    pid,
    reason: fc.constantFrom(11076010, 11111001, 11111004),
  }),
  fc.record({ kind: fc.constant('invite' as const), n: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('mute' as const), pid, mute: fc.boolean() }),
  fc.record({ kind: fc.constant('muteAll' as const), mute: fc.boolean() }),
  fc.record({ kind: fc.constant('hands' as const), pid, raised: fc.boolean() }),
  fc.record({ kind: fc.constant('lock' as const), locked: fc.boolean() }),
  fc.record({ kind: fc.constant('hangUp' as const), pid }),
  fc.record({ kind: fc.constant('broadcast' as const), pid }),
  fc.constant({ kind: 'cancelBroadcast' as const }),
  fc.record({ kind: fc.constant('cohost' as const), pid, on: fc.boolean() }),
  fc.record({ kind: fc.constant('rename' as const), pid, name: fc.string({ minLength: 1, maxLength: 12 }) }),
  fc.record({ kind: fc.constant('toWaitingRoom' as const), pid }),
  fc.constant({ kind: 'admitAll' as const }),
  fc.record({
    kind: fc.constant('volumes' as const),
    volumes: fc.array(fc.record({ pid, volume: fc.integer({ min: 0, max: 100 }) }), { maxLength: 5 }),
  }),
  fc.record({ kind: fc.constant('netQuality' as const), pid, delay: fc.nat(600), loss: fc.nat(1500) }),
  fc.record({ kind: fc.constant('share' as const), pid, on: fc.boolean() }),
  fc.record({ kind: fc.constant('camera' as const), pid, on: fc.boolean() }),
  { arbitrary: fc.constant({ kind: 'subscribe' as const }), weight: 2 },
);

interface Ctx {
  server: TestServer;
  confId: string;
  accessToken: string;
  token: string;
  chairPwd: string;
  subscribers: PushClient[];
}

async function apply(ctx: Ctx, o: Op): Promise<void> {
  const control = (method: string, path: string, body?: unknown, participantID?: string) =>
    http(
      ctx.server,
      method,
      `/v1/mmc/control/conferences${path}?conferenceID=${ctx.confId}${participantID ? `&participantID=${participantID}` : ''}`,
      {
        headers: { 'X-Conference-Authorization': ctx.token },
        ...(body !== undefined ? { body } : {}),
      },
    );
  const media = (method: string, path: string, body?: unknown) =>
    http(ctx.server, method, `/confpush/v1/media/conferences/${ctx.confId}${path}`, {
      headers: { 'X-Access-Token': ctx.accessToken },
      ...(body !== undefined ? { body } : {}),
    });
  switch (o.kind) {
    case 'join':
      return void (await media('POST', '/participants', {
        pid: o.pid,
        name: `site ${o.pid}`,
        tel: TEL(o.pid),
        viaWaitingRoom: o.waiting,
      }));
    case 'leave':
      return void (await media('POST', `/participants/${o.pid}/leave`, { reason: o.reason }));
    case 'invite':
      return void (await control('POST', '/participants', {
        attendees: [{ name: `guest ${o.n}`, phone: `+8657199999${o.n}`, type: 'normal' }],
      }));
    case 'mute':
      return void (await control('PUT', '/participants/mute', { isMute: o.mute ? 1 : 0 }, o.pid));
    case 'muteAll':
      return void (await control('PUT', '/mute', { isMute: o.mute ? 1 : 0 }));
    case 'hands':
      return void (await control('PUT', '/participants/hands', { handsState: o.raised ? 1 : 0 }, o.pid));
    case 'lock':
      return void (await control('PUT', '/lock', { isLock: o.locked ? 1 : 0 }));
    case 'hangUp':
      return void (await control('POST', '/participants/delete', { bulkHangUpParticipants: [o.pid] }));
    case 'broadcast':
      return void (await control('PUT', '/participants/broadcast', undefined, o.pid));
    case 'cancelBroadcast':
      return void (await control('PUT', '/cancelBroadcast'));
    case 'cohost':
      return void (await control('PUT', '/participants/cohost', { isCohost: o.on ? 1 : 0 }, o.pid));
    case 'rename':
      return void (await control('PUT', '/participants/name', {
        participantID: o.pid,
        number: TEL(o.pid),
        newName: o.name,
      }));
    case 'toWaitingRoom':
      return void (await control('PUT', '/moveToWaitingRoom', { participantID: o.pid }));
    case 'admitAll':
      return void (await control('PUT', '/allowWaitingParticipant', { allowAll: true }));
    case 'volumes':
      return void (await media('POST', '/volumes', { samples: o.volumes }));
    case 'netQuality':
      return void (await media('POST', '/net-quality', {
        reports: [{ pid: o.pid, delay: o.delay, lostPacketRate: o.loss }],
      }));
    case 'share':
      return void (await media('PUT', `/participants/${o.pid}/share`, { sharing: o.on }));
    case 'camera':
      return void (await media('PUT', `/participants/${o.pid}/camera`, { on: o.on }));
    case 'subscribe': {
      const { client, conf } = await openPush(ctx.server, ctx.confId, ctx.chairPwd);
      client.subscribe(conf.token, [...PUSH_CATEGORIES]);
      await client.nextAction('Subscribe');
      ctx.subscribers.push(client);
      return;
    }
  }
}

function replicasOf(client: PushClient): Record<PushCategory, CategoryReplica> {
  const replicas = {} as Record<PushCategory, CategoryReplica>;
  for (const c of PUSH_CATEGORIES) replicas[c] = new CategoryReplica(c);
  for (const frame of client.frames) {
    const category = frame.action as PushCategory;
    if (!replicas[category]) continue;
    const outcome = replicas[category].applyFrame(frame);
    if (outcome !== 'applied')
      throw new Error(`${category}: ${outcome} at version ${String(frame['version'])}`);
  }
  return replicas;
}

describe('randomized live meeting', () => {
  it('every subscriber replica equals the server state and realTimeInfo (property)', async () => {
    await fc.assert(
      // Every run starts with a join, so that something always happens (a run of operations on participants who
      // never joined is refused entirely and would prove nothing).
      fc.asyncProperty(join, fc.array(op, { minLength: 10, maxLength: 50 }), async (first, rest) => {
        const ops = [first, ...rest];
        const server = await startTestServer({ config: { calleeAnswerDelayMs: 0, speakerIntervalMs: 20 } });
        const meeting = await runningMeeting(server, { confConfigInfo: { enableWaitingRoom: false } });
        const conf = await confToken(server, meeting.conferenceID, meeting.chairPwd);
        const ctx: Ctx = {
          server,
          confId: meeting.conferenceID,
          accessToken: meeting.accessToken,
          token: conf.token,
          chairPwd: meeting.chairPwd,
          subscribers: [],
        };
        await apply(ctx, { kind: 'subscribe' });
        for (const o of ops) await apply(ctx, o);
        // Quiescence: speaker coalescing and simulated answers settle, then a heartbeat round-trip per socket
        // proves every frame sent before it has arrived.
        for (const node of server.nodes ?? [server.node]) {
          const media = mediaPlaneOf(node);
          await eventually(() => media.activeFeeds === 0 && media.pendingCallees === 0, {
            what: 'speakers to go quiet and simulated callees to answer',
          });
          await media.settled();
          await node.engine.drain();
        }
        for (const [i, client] of ctx.subscribers.entries()) {
          client.send({ action: 'HeartBeat', sequence: `q${i}` });
          await client.next((f) => f.action === 'HeartBeat' && f['sequence'] === `q${i}`);
        }
        const runtime = (await server.node.engine.load(ctx.confId))!;
        // The first operation is a join (to the meeting or its waiting room), so something always happened.
        const changes = PUSH_CATEGORIES.reduce((n, c) => n + (runtime.committed.streams[c].seq ?? 0), 0);
        expect(changes).toBeGreaterThan(0);
        const info = await http(
          server,
          'GET',
          `/v1/mmc/control/conferences/realTimeInfo?conferenceID=${ctx.confId}`,
          {
            headers: { 'X-Conference-Authorization': ctx.token },
          },
        );
        expect(info.status).toBe(200);
        for (const client of ctx.subscribers) {
          const replicas = replicasOf(client);
          for (const c of PUSH_CATEGORIES) {
            expect(replicas[c].snapshot(), c).toEqual(runtime.committed.streams[c].snapshot());
          }
          expect(info.body).toEqual(expectedRealTimeInfo(replicas));
          client.close();
        }
      }),
      { numRuns: 8 },
    );
  }, 240_000);
});

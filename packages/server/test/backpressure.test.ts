/**
 * Bounded outbound queues: stalled subscribers never make the server hold more than the hard limit per socket,
 * do not slow others, and — once they read again — end with the right state through a fresh full message.
 */
import { CategoryReplica, CLOSE_CODES } from '@confpush/protocol';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { openPush, runningMeeting } from './chain.js';
import { eventually, startTestServer } from './helpers.js';
import type { PushClient } from './push-client.js';

/** Stops reading from the socket: the server's writes pile up in its send buffer. */
function stall(client: PushClient): Socket {
  const socket = (client.ws as unknown as { _socket: Socket })._socket;
  socket.pause();
  return socket;
}

const SOFT = 256 * 1024;
const HARD = 1024 * 1024;

describe('backpressure', () => {
  it("collapses a stalled subscriber's backlog into one full message, keeping its queue bounded", async () => {
    const server = await startTestServer({
      config: { queueSoftLimitBytes: SOFT, queueHardLimitBytes: HARD },
    });
    const meeting = await runningMeeting(server);
    const confId = meeting.conferenceID;
    const stalled: PushClient[] = [];
    for (let i = 0; i < 5; i++) {
      const { client, conf } = await openPush(server, confId, meeting.chairPwd);
      client.subscribe(conf.token, ['ParticipantsNotify']);
      await client.nextAction('ParticipantsNotify');
      stall(client);
      stalled.push(client);
    }
    const live = await openPush(server, confId, meeting.chairPwd);
    live.client.subscribe(live.conf.token, ['ParticipantsNotify']);
    const liveReplica = new CategoryReplica('ParticipantsNotify');
    liveReplica.applyFrame(await live.client.nextAction('ParticipantsNotify'));

    // Five participants renamed over and over with 16 KB names: the state stays small (~80 KB) while 1,000
    // incrementals (16 MB) are far more than the kernel's socket buffers and the soft limit hold.
    const big = 'x'.repeat(16 * 1024);
    for (let p = 0; p < 5; p++)
      await server.node.engine.execute(confId, { type: 'join', site: { pid: `p${p}`, name: 'n' } });
    let maxQueued = 0;
    for (let i = 0; i < 995; i++) {
      await server.node.engine.execute(confId, { type: 'rename', pid: `p${i % 5}`, name: `${big}${i}` });
      for (const node of server.nodes ?? [server.node])
        for (const s of node.gateway.sessions) maxQueued = Math.max(maxQueued, s.bufferedAmount);
    }
    // The queue of a stalled socket never grows past the hard limit.
    expect(maxQueued).toBeLessThanOrEqual(HARD);
    // The live subscriber got every incremental, gap-free.
    const frames = [];
    for (let i = 0; i < 1000; i++) frames.push(await live.client.nextAction('ParticipantsNotify'));
    expect(frames.map((f) => f['version'])).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    for (const f of frames) expect(liveReplica.applyFrame(f)).toBe('applied');

    // Stalled subscribers resume reading: each ends with the server's state (a full message replaced the gap).
    const runtime = (await server.node.engine.load(confId))!;
    const expected = runtime.committed.streams.ParticipantsNotify.snapshot();
    for (const client of stalled) {
      (client.ws as unknown as { _socket: Socket })._socket.resume();
    }
    for (const client of stalled) {
      if (client.closeInfo) continue;
      const replica = new CategoryReplica('ParticipantsNotify');
      await eventually(() => {
        replica.items.clear();
        replica.seq = undefined;
        for (const f of client.frames) if (f.action === 'ParticipantsNotify') replica.applyFrame(f);
        return replica.seq === 1000 ? true : undefined;
      }, 10_000);
      expect(replica.snapshot()).toEqual(expected);
      const fulls = client.frames.filter((f) => f.action === 'ParticipantsNotify' && f['msgMode'] === 0);
      expect(fulls.length).toBeGreaterThanOrEqual(2);
    }
    expect(liveReplica.snapshot()).toEqual(expected);
  });

  it('closes a subscriber whose queue passes the hard limit with SLOW_CONSUMER', async () => {
    const server = await startTestServer({
      config: { queueSoftLimitBytes: 16 * 1024, queueHardLimitBytes: 32 * 1024 },
    });
    const meeting = await runningMeeting(server);
    const confId = meeting.conferenceID;
    const { client, conf } = await openPush(server, confId, meeting.chairPwd);
    client.subscribe(conf.token, ['ParticipantsNotify', 'AttendeesNotify']);
    await client.nextAction('AttendeesNotify');
    const socket = stall(client);
    // Heartbeat echoes cannot be collapsed; a client that sends 50 KB heartbeats without reading the echoes fills
    // the kernel's buffers (a few MB on loopback) and then the server's queue, which is cut at the hard limit.
    const big = 'y'.repeat(50 * 1024);
    await server.node.engine.execute(confId, { type: 'join', site: { pid: 'q', name: 'q' } });
    for (let i = 0; i < 1000 && client.ws.readyState === client.ws.OPEN; i++) {
      await client.sendFlushed({ action: 'HeartBeat', sequence: big });
    }
    socket.resume();
    expect((await client.closed(10_000)).code).toBe(CLOSE_CODES.SLOW_CONSUMER.code);
  });
});

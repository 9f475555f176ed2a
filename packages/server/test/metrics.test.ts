/** `/metrics`: a real token chain, subscription, push, resume and close, seen in the node's Prometheus metrics. */
import { CLOSE_CODES, PUSH_CATEGORIES } from '@confpush/protocol';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { http, openPush, pushUrl, runningMeeting } from './chain.js';
import { eventually, startTestServer, type TestServer } from './helpers.js';
import { PushClient } from './push-client.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text exposition format. */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[k!] = v!;
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

async function scrape(server: TestServer): Promise<Sample[]> {
  const res = await fetch(`${server.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parse(await res.text());
}

/** The value of the one sample with this name whose labels include `labels`. */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (found.length !== 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
  return found[0]!.value;
}

describe('metrics', () => {
  it('counts connections, subscriptions, frames, bytes, resumes, closes, commits and REST requests', async () => {
    // The counters are one node's own: in a cluster run, a cluster of that one node.
    const server = await startTestServer({ nodes: 1 });
    const meeting = await runningMeeting(server);
    const { client, conf } = await openPush(server, meeting.conferenceID, meeting.chairPwd);
    client.subscribe(conf.token, ['AttendeesNotify', 'ConfBasicInfoNotify']);
    const reply = (await client.nextAction('Subscribe')).data as {
      streams: Record<string, { epoch: string; seq: number }>;
    };
    await client.nextAction('AttendeesNotify');
    await client.nextAction('ConfBasicInfoNotify');
    const invite = await http(
      server,
      'POST',
      `/v1/mmc/control/conferences/participants?conferenceID=${meeting.conferenceID}`,
      {
        headers: { 'X-Conference-Authorization': conf.token },
        body: { attendees: [{ name: 'guest', phone: '+1000', type: 'normal' }] },
      },
    );
    expect(invite.status).toBe(200);
    const incremental = await client.next((f) => f.action === 'AttendeesNotify' && f['msgMode'] === 1);
    client.send({ action: 'HeartBeat', sequence: '1' });
    await client.nextAction('HeartBeat');
    const bytesReceived = client.frames.reduce((n, f) => n + Buffer.byteLength(JSON.stringify(f)), 0);

    let m = await scrape(server);
    expect(value(m, 'confpush_connections')).toBe(1);
    for (const category of PUSH_CATEGORIES) {
      const expected = category === 'AttendeesNotify' || category === 'ConfBasicInfoNotify' ? 1 : 0;
      expect(value(m, 'confpush_subscriptions', { category }), category).toBe(expected);
    }
    expect(value(m, 'confpush_frames_sent_total', { kind: 'full' })).toBe(2);
    expect(value(m, 'confpush_frames_sent_total', { kind: 'incremental' })).toBe(1);
    expect(value(m, 'confpush_frames_sent_total', { kind: 'reply' })).toBe(1);
    expect(value(m, 'confpush_frames_sent_total', { kind: 'heartbeat' })).toBe(1);
    // Every byte the client received (its frames re-encoded the way the server wrote them, in key order).
    expect(value(m, 'confpush_bytes_sent_total')).toBe(bytesReceived);
    expect(value(m, 'confpush_outbound_queue_bytes', { stat: 'max' })).toBeGreaterThanOrEqual(0);
    expect(value(m, 'confpush_meetings_loaded')).toBe(1);
    expect(value(m, 'confpush_store_commit_duration_seconds_count')).toBeGreaterThan(0);
    expect(value(m, 'confpush_store_commit_changes_sum')).toBeGreaterThanOrEqual(1);
    // REST requests are labelled by route pattern, never by URL (no query, no IDs).
    const rest = { method: 'POST', route: '/v1/mmc/control/conferences/participants', status: '200' };
    expect(value(m, 'confpush_rest_request_duration_seconds_count', rest)).toBe(1);
    expect(value(m, 'confpush_rest_request_duration_seconds_bucket', { ...rest, le: '+Inf' })).toBe(1);
    const routes = m.filter((s) => s.name === 'confpush_rest_request_duration_seconds_count');
    expect(routes.map((s) => s.labels['route'])).not.toContainEqual(expect.stringMatching(/\?|\d{6,}/));
    expect(value(m, 'confpush_resumes_total', { outcome: 'resumed' })).toBe(0);

    // The client leaves (close frame without a code: 1005), then resumes on a new socket.
    client.close();
    await eventually(async () =>
      value(await scrape(server), 'confpush_connections') === 0 ? true : undefined,
    );
    const second = await openPush(server, meeting.conferenceID, meeting.chairPwd);
    const attendees = reply.streams['AttendeesNotify']!;
    second.client.subscribe(conf.token, ['AttendeesNotify', 'ConfBasicInfoNotify'], 's', {
      resume: {
        AttendeesNotify: { epoch: attendees.epoch, seq: attendees.seq },
        ConfBasicInfoNotify: { epoch: 'another-epoch', seq: 0 },
      },
    });
    await second.client.nextAction('Subscribe');
    const replayed = await second.client.nextAction('AttendeesNotify');
    expect(replayed['msgID']).toBe(incremental['msgID']);
    await second.client.nextAction('ConfBasicInfoNotify');

    // A refused socket is counted with its close code.
    const refused = await PushClient.connect(pushUrl(conf.wsURL, meeting.conferenceID, 'cpwnotatoken'));
    expect((await refused.closed()).code).toBe(4001);

    m = await scrape(server);
    expect(value(m, 'confpush_connections')).toBe(1);
    expect(value(m, 'confpush_resumes_total', { outcome: 'resumed' })).toBe(1);
    expect(value(m, 'confpush_resumes_total', { outcome: 'full' })).toBe(1);
    expect(value(m, 'confpush_closes_total', { code: '1005' })).toBe(1);
    expect(value(m, 'confpush_closes_total', { code: '4001' })).toBe(1);
    expect(value(m, 'confpush_closes_total', { code: '4101' })).toBe(0);
    expect(value(m, 'confpush_slow_consumer_closes_total')).toBe(0);
    expect(value(m, 'confpush_backpressure_collapses_total')).toBe(0);
    expect(value(m, 'confpush_frames_sent_total', { kind: 'incremental' })).toBe(2);
    second.client.close();
  });

  it('keeps one registry per node, each with the process metrics', async () => {
    const a = await startTestServer({ nodes: 1 });
    const b = await startTestServer({ nodes: 1 });
    expect(a.node.metrics.registry).not.toBe(b.node.metrics.registry);
    const meeting = await runningMeeting(a);
    const { client, conf } = await openPush(a, meeting.conferenceID, meeting.chairPwd);
    client.subscribe(conf.token, ['ConfDynamicInfoNotify']);
    await client.nextAction('ConfDynamicInfoNotify');
    const [ma, mb] = [await scrape(a), await scrape(b)];
    expect(value(ma, 'confpush_connections')).toBe(1);
    expect(value(mb, 'confpush_connections')).toBe(0);
    expect(value(mb, 'confpush_frames_sent_total', { kind: 'full' })).toBe(0);
    for (const m of [ma, mb]) {
      expect(m.some((s) => s.name === 'process_cpu_user_seconds_total')).toBe(true);
      expect(m.some((s) => s.name === 'nodejs_heap_size_used_bytes')).toBe(true);
    }
    client.close();
  });

  it('counts backpressure collapses and slow-consumer closes', async () => {
    const server = await startTestServer({
      nodes: 1,
      config: { queueSoftLimitBytes: 64 * 1024, queueHardLimitBytes: 128 * 1024 },
    });
    const meeting = await runningMeeting(server);
    const confId = meeting.conferenceID;
    const { client, conf } = await openPush(server, confId, meeting.chairPwd);
    client.subscribe(conf.token, ['ParticipantsNotify']);
    await client.nextAction('ParticipantsNotify');
    const socket = (client.ws as unknown as { _socket: Socket })._socket;
    socket.pause();
    // 16 KB renames until the stalled socket's queue passes the soft limit (past the kernel's buffers).
    const big = 'x'.repeat(16 * 1024);
    await server.node.engine.execute(confId, { type: 'join', site: { pid: 'p', name: 'n' } });
    const session = [...server.node.gateway.sessions][0]!;
    for (let i = 0; i < 2000 && session.bufferedAmount < 64 * 1024; i++) {
      await server.node.engine.execute(confId, { type: 'rename', pid: 'p', name: `${big}${i}` });
    }
    expect(session.bufferedAmount).toBeGreaterThanOrEqual(64 * 1024);
    await server.node.engine.execute(confId, { type: 'rename', pid: 'p', name: 'skipped' });
    let m = await scrape(server);
    expect(value(m, 'confpush_outbound_queue_bytes', { stat: 'max' })).toBeGreaterThanOrEqual(64 * 1024);
    expect(value(m, 'confpush_outbound_queue_bytes', { stat: 'sum' })).toBeGreaterThanOrEqual(64 * 1024);
    socket.resume();
    await client.next(
      (f) => f.action === 'ParticipantsNotify' && f['msgMode'] === 0 && f['seq'] !== 0,
      10_000,
    );
    m = await scrape(server);
    expect(value(m, 'confpush_backpressure_collapses_total')).toBe(1);
    expect(value(m, 'confpush_slow_consumer_closes_total')).toBe(0);

    // Heartbeat echoes cannot be collapsed: 50 KB heartbeats not read back fill the queue past the hard limit.
    socket.pause();
    const beat = 'y'.repeat(50 * 1024);
    for (let i = 0; i < 1000 && !client.closeInfo && session.state === 'open'; i++) {
      await client.sendFlushed({ action: 'HeartBeat', sequence: beat });
    }
    socket.resume();
    expect((await client.closed(10_000)).code).toBe(CLOSE_CODES.SLOW_CONSUMER.code);
    m = await scrape(server);
    expect(value(m, 'confpush_slow_consumer_closes_total')).toBe(1);
    expect(value(m, 'confpush_closes_total', { code: '4101' })).toBe(1);
  });
});

/**
 * On the embedded store the sinks' state is in `sinks.sqlite`, beside the node's `confpush.sqlite` that keeps the
 * outbox (src/store/sqlite-sink-db.ts, sqlite-outbox.ts). Through real nodes, real files and a real HTTPS receiver:
 * a data directory of an earlier version (sink state in the node's file) is taken over at the first start, pending
 * deliveries and the delivery log included; taken-over outbox rows leave the node's file once delivered.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { appAuth, createMeeting, http } from './chain.js';
import { eventually, loginAsTestUser, startTestServer, tempDir, type TestServer } from './helpers.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

const LINK = '/v1/mmc/management/webhook/link-config';
const STATUS = '/v1/mmc/management/webhook/change-status';

async function enable(server: TestServer, receiver: WebhookReceiver) {
  const { accessToken } = await loginAsTestUser(server, { admin: true });
  const headers = { 'X-Access-Token': accessToken };
  const set = await http(server, 'POST', LINK, {
    headers,
    body: { subscriberId: '12345678', subscriberKey: receiver.subscriberKey, url: receiver.url },
  });
  const id = (set.body as { id: string }).id;
  const on = await http(server, 'PUT', `${STATUS}?id=${id}&status=0`, { headers });
  expect(on.status, JSON.stringify(on.body)).toBe(200);
  return { id, headers };
}

type Log = { attempts: { outcome: string; event: string }[]; pending: number };

async function deliveryLog(server: TestServer, id: string, headers: Record<string, string>): Promise<Log> {
  return (await http(server, 'GET', `/confpush/v1/webhooks/deliveries?id=${id}&limit=100`, { headers }))
    .body as Log;
}

/** Puts the data directory back into the layout of versions before `sinks.sqlite`: sink state in the node's file. */
function toEarlierLayout(dataDir: string): void {
  const node = new Database(join(dataDir, 'confpush.sqlite'));
  node.exec(`ATTACH DATABASE '${join(dataDir, 'sinks.sqlite')}' AS sinks`);
  node.exec(`INSERT INTO main.sink_state SELECT * FROM sinks.sink_state;
             INSERT INTO main.sink_log (list, value) SELECT list, value FROM sinks.sink_log ORDER BY id;`);
  node.exec('DETACH DATABASE sinks');
  node.close();
  for (const suffix of ['', '-wal', '-shm']) rmSync(join(dataDir, `sinks.sqlite${suffix}`), { force: true });
}

const count = (file: string, sql: string): number => {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare(sql).get() as { n: number }).n;
  } finally {
    db.close();
  }
};

describe('the sinks file', () => {
  it("takes over the sink state an earlier version kept in the node's file", async () => {
    const receiver = await WebhookReceiver.start('secret');
    const dataDir = tempDir();
    const config = {
      appId: 'e'.repeat(32),
      appKey: 'f'.repeat(32),
      webhookAllowPrivate: true,
      webhookCaFile: receiver.certFile,
      webhookRetryMs: '30',
      calleeAnswerDelayMs: 0,
    };
    const first = await startTestServer({ dataDir, config });
    const { id, headers } = await enable(first, receiver);
    receiver.mode = 'fail';
    const meeting = await createMeeting(first, await appAuth(first), { subject: 'taken over' });
    await eventually(async () => (await deliveryLog(first, id, headers)).attempts.length > 0, {
      what: 'a failed attempt recorded',
    });
    await first.node.close();
    toEarlierLayout(dataDir);
    expect(existsSync(join(dataDir, 'sinks.sqlite'))).toBe(false);

    receiver.mode = 'ok';
    const second = await startTestServer({ dataDir, config });
    const events = await receiver.waitForEvents(2);
    expect(events.map((e) => [e.eventInfo.event, e.eventInfo.payload?.meetingInfo.meetingID])).toEqual([
      ['meeting.create', meeting.conferenceID],
      ['meeting.started', meeting.conferenceID],
    ]);
    const log = await eventually(
      async () => {
        const l = await deliveryLog(second, id, headers);
        return l.pending === 0 && l.attempts.some((a) => a.outcome === 'delivered') && l;
      },
      { what: 'both events delivered and recorded' },
    );
    // The attempts the first node recorded are still in the log, after the new ones.
    expect(log.attempts.at(-1)).toMatchObject({ outcome: 'failed', event: 'meeting.create' });
    expect(count(join(dataDir, 'confpush.sqlite'), 'SELECT count(*) AS n FROM sink_state')).toBe(0);
    expect(count(join(dataDir, 'confpush.sqlite'), 'SELECT count(*) AS n FROM sink_log')).toBe(0);
  });

  it("deletes delivered messages from the node's outbox", async () => {
    const receiver = await WebhookReceiver.start('secret');
    const server = await startTestServer({
      config: { webhookAllowPrivate: true, webhookCaFile: receiver.certFile, calleeAnswerDelayMs: 0 },
    });
    await enable(server, receiver);
    const token = await appAuth(server);
    for (let i = 0; i < 5; i++) await createMeeting(server, token, { subject: `m${i}` });
    await receiver.waitForEvents(10);
    const file = join(server.dataDir, 'confpush.sqlite');
    await eventually(() => count(file, 'SELECT count(*) AS n FROM outbox') === 0, {
      what: 'the outbox trimmed',
      timeoutMs: 5_000,
    });
  });
});

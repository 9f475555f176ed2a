/**
 * Nothing acknowledged is lost: the real `confpush serve` is killed with SIGKILL while webhook deliveries are
 * pending (the receiver answers 500), started again on the same data, and every event of every acknowledged change
 * still arrives, in per-meeting order. In cluster runs the data is in Redis (process.ts).
 */
import { describe, expect, it } from 'vitest';
import { appAuth, createMeeting, http } from './chain.js';
import type { TestServer } from './helpers.js';
import { tempDir } from './helpers.js';
import { spawnServer } from './process.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

describe('webhooks across kill -9', () => {
  it('delivers every event of every acknowledged change after a restart', { timeout: 90_000 }, async () => {
    const receiver = await WebhookReceiver.start('restart-key');
    const dataDir = tempDir();
    const env = {
      CONFPUSH_APP_ID: 'c'.repeat(32),
      CONFPUSH_APP_KEY: 'd'.repeat(32),
      CONFPUSH_WEBHOOK_ALLOW_PRIVATE: '1',
      CONFPUSH_WEBHOOK_CA_FILE: receiver.certFile,
      CONFPUSH_WEBHOOK_RETRY_MS: '30',
    };
    const args = ['--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir];
    let proc = await spawnServer(args, env);
    const server = (): TestServer =>
      ({ url: proc.url, appId: env.CONFPUSH_APP_ID, appKey: env.CONFPUSH_APP_KEY }) as TestServer;
    const token = await appAuth(server());
    const headers = { 'X-Access-Token': token };
    const set = await http(server(), 'POST', '/v1/mmc/management/webhook/link-config', {
      headers,
      body: { subscriberId: 'restart', subscriberKey: receiver.subscriberKey, url: receiver.url },
    });
    const id = (set.body as { id: string }).id;
    const on = await http(server(), 'PUT', `/v1/mmc/management/webhook/change-status?id=${id}&status=0`, {
      headers,
    });
    expect(on.status, JSON.stringify(on.body)).toBe(200);

    receiver.mode = 'fail';
    const meetings: string[] = [];
    for (let i = 0; i < 8; i++)
      meetings.push((await createMeeting(server(), token, { subject: `m${i}` })).conferenceID);
    await receiver.next('failed');
    await proc.kill('SIGKILL');

    receiver.mode = 'ok';
    proc = await spawnServer(args, env);
    const all = await receiver.waitForEvents(16, 30_000);
    expect(all.every((r) => r.signatureValid)).toBe(true);
    for (const confId of meetings) {
      const events = all.filter((r) => r.eventInfo.payload?.meetingInfo.meetingID === confId);
      expect(events.map((r) => r.eventInfo.event)).toEqual(['meeting.create', 'meeting.started']);
    }
    await proc.kill('SIGTERM');
    await receiver.down();
  });
});

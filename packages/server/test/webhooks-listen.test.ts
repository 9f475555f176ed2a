/**
 * `confpush webhooks listen` (src/cli/webhooks-listen.ts), a user's first receiver: a node's verification and
 * events reach it and are printed as JSON lines; a request with a wrong signature is refused (401).
 */
import { describe, expect, it } from 'vitest';
import { listenForWebhooks } from '../src/cli/webhooks-listen.js';
import { signedBody } from '../src/webhooks/signature.js';
import { appAuth, createMeeting, http } from './chain.js';
import { loginAsTestUser, startTestServer } from './helpers.js';

describe('confpush webhooks listen', () => {
  it('verifies, answers meeting.verify and prints the events; refuses a bad signature', async () => {
    const lines: string[] = [];
    const errors: string[] = [];
    let wake: (() => void) | undefined;
    const listener = await listenForWebhooks({
      port: 0,
      host: '127.0.0.1',
      subscriberKey: 'listen-key',
      maxAgeMs: 300_000,
      out: (line) => {
        lines.push(line);
        wake?.();
      },
      err: (line) => errors.push(line),
    });
    try {
      const server = await startTestServer({ config: { webhookAllowHttp: true, webhookAllowPrivate: true } });
      const { accessToken } = await loginAsTestUser(server, { admin: true });
      const headers = { 'X-Access-Token': accessToken };
      const set = await http(server, 'POST', '/v1/mmc/management/webhook/link-config', {
        headers,
        body: { subscriberId: 'first', subscriberKey: 'listen-key', url: listener.url },
      });
      const id = (set.body as { id: string }).id;
      const on = await http(server, 'PUT', `/v1/mmc/management/webhook/change-status?id=${id}&status=0`, {
        headers,
      });
      expect(on.status, JSON.stringify(on.body)).toBe(200);
      const meeting = await createMeeting(server, await appAuth(server), { subject: 'listened' });
      while (lines.length < 3) await new Promise<void>((resolve) => (wake = resolve));
      const printed = lines.map((l) => JSON.parse(l) as { event: string; appID: string; requestId: string });
      expect(printed.map((p) => p.event)).toEqual(['meeting.verify', 'meeting.create', 'meeting.started']);
      expect(printed.every((p) => p.appID === 'first' && /^[0-9a-f]{32}$/.test(p.requestId))).toBe(true);
      expect(JSON.stringify(printed[1])).toContain(meeting.conferenceID);

      const forged = signedBody(
        { subscriberId: 'x', subscriberKey: 'wrong' },
        { event: 'meeting.end', timestamp: Date.now() },
        Date.now(),
      );
      const res = await fetch(listener.url, { method: 'POST', body: forged });
      expect(res.status).toBe(401);
      expect(errors.some((e) => e.includes('bad-signature'))).toBe(true);
    } finally {
      await listener.close();
    }
  });
});

/**
 * The console's event push page (`#/webhooks`), end to end in headless Chromium: an administrator signed in with
 * the app credential sees the enterprise's configuration, the delivery attempts of a meeting's events (one failed,
 * one delivered), and replays a dead event.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { appAuth, createMeeting, http } from './chain.js';
import { startTestServer } from './helpers.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

const browsers: Browser[] = [];
afterEach(async () => {
  while (browsers.length > 0) await browsers.pop()?.close();
});

describe('web console: event push', () => {
  it(
    'shows the configuration and the delivery log, and replays dead events',
    { timeout: 60_000 },
    async () => {
      const receiver = await WebhookReceiver.start('console-key');
      const server = await startTestServer({
        config: {
          webhookAllowPrivate: true,
          webhookCaFile: receiver.certFile,
          webhookRetryMs: '20',
          webhookGiveUpMs: 100,
        },
      });
      const token = await appAuth(server);
      const headers = { 'X-Access-Token': token };
      const set = await http(server, 'POST', '/v1/mmc/management/webhook/link-config', {
        headers,
        body: { subscriberId: 'console', subscriberKey: 'console-key', url: receiver.url },
      });
      const id = (set.body as { id: string }).id;
      await http(server, 'PUT', `/v1/mmc/management/webhook/change-status?id=${id}&status=0`, { headers });
      receiver.mode = 'fail';
      await createMeeting(server, token, { subject: 'console push' });
      await receiver.next('failed');

      const browser = await chromium.launch({
        executablePath:
          process.env['CHROMIUM_PATH'] ??
          (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : 'chromium'),
        args: ['--headless=new', '--no-sandbox', '--disable-gpu'],
        timeout: 30_000,
      });
      browsers.push(browser);
      const page = await browser.newPage();
      page.setDefaultTimeout(15_000);
      const byTestId = (testId: string) => page.locator(`[data-testid="${testId}"]`);
      await page.goto(`${server.url}/console/`);
      await byTestId('signin-app-id').fill(server.appId);
      await byTestId('signin-app-key').fill(server.appKey);
      await byTestId('signin-submit').click();
      await byTestId('meetings-page').waitFor();

      await byTestId('nav-webhooks').click();
      await byTestId('webhooks-config').waitFor();
      expect(await byTestId('webhooks-config').textContent()).toContain(receiver.url);
      // Both events die within the 100 ms window; refresh until the page shows them.
      await expect
        .poll(async () => {
          await byTestId('webhooks-refresh').click();
          return byTestId('webhooks-dead').textContent();
        })
        .toContain('2');
      expect(await byTestId('webhooks-attempts').textContent()).toContain('HTTP 500');

      receiver.mode = 'ok';
      await byTestId('webhooks-replay').click();
      await receiver.waitForEvents(2);
      expect(receiver.events().map((r) => r.eventInfo.event)).toEqual(['meeting.create', 'meeting.started']);
    },
  );
});

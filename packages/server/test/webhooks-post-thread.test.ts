/**
 * The webhook POSTs of the deliverer run on a thread of their own (src/webhooks/post-thread.ts). Through a real HTTPS
 * receiver on loopback: an answer comes back whole, a refused address is still a `RefusedTarget` on this side of
 * the thread (the deliverer records it as `refused`), a receiver that hangs is cut at the timeout, and a closed
 * thread is started again by the next POST.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RefusedTarget } from '../src/webhooks/address-guard.js';
import { PostThread } from '../src/webhooks/post-thread.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

const KEY = 'a'.repeat(32);
const eventBody = (id: string) =>
  JSON.stringify({
    appID: 'app',
    timestamp: 1,
    nonce: 'n',
    signature: '',
    eventInfo: { event: 'meeting.join', timestamp: 1, payload: { meetingInfo: { meetingID: id } } },
  });

describe('webhook POSTs on their own thread', () => {
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    receiver = await WebhookReceiver.start(KEY);
  });
  afterAll(async () => {
    await receiver.down();
  });

  it('answers with the status and body, refuses a private address, and is cut at the timeout', async () => {
    const ca = [readFileSync(receiver.certFile, 'utf8')];
    const open = new PostThread({ allowHttp: false, allowPrivate: true, timeoutMs: 2_000, ca });
    const strict = new PostThread({ allowHttp: false, allowPrivate: false, timeoutMs: 2_000, ca });
    try {
      receiver.mode = 'ok';
      const ok = await open.post(receiver.url, eventBody('1'), { 'X-Request-ID': 'r-1' });
      expect(ok.status).toBe(200);
      expect(receiver.received.at(-1)?.requestId).toBe('r-1');
      expect(receiver.received.at(-1)?.eventInfo.payload?.meetingInfo.meetingID).toBe('1');

      receiver.mode = 'fail';
      expect((await open.post(receiver.url, eventBody('2'), {})).status).toBe(500);

      const refusal = await strict.post(receiver.url, eventBody('3'), {}).catch((e: unknown) => e);
      expect(refusal).toBeInstanceOf(RefusedTarget);
      expect((refusal as Error).message).toContain('127.0.0.1');

      receiver.mode = 'hang';
      const quick = new PostThread({ allowHttp: false, allowPrivate: true, timeoutMs: 200, ca });
      const cut = await quick.post(receiver.url, eventBody('4'), {}).catch((e: unknown) => e);
      await quick.close();
      expect(cut).toBeInstanceOf(Error);
      expect(cut).not.toBeInstanceOf(RefusedTarget);
      expect((cut as Error).message).toMatch(/no answer within 200 ms/);
    } finally {
      receiver.mode = 'ok';
      await strict.close();
    }

    // Closed, then used again: a new thread takes the POST.
    await open.close();
    expect((await open.post(receiver.url, eventBody('5'), { 'X-Request-ID': 'r-5' })).status).toBe(200);
    expect(receiver.received.at(-1)?.requestId).toBe('r-5');
    await open.close();
  });
});

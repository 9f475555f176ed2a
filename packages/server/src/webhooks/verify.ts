/**
 * The verification event (reference §6.4): enabling a configuration sends `meeting.verify`; the configuration is
 * enabled only when the receiver answers 2xx with JSON `{"event":"meeting.verify","nonce":<the request's nonce>}`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { headersOf } from './post.js';
import type { WebhookConfig } from './model.js';
import { postWebhook, type PostOptions } from './post.js';
import { signedBody } from './signature.js';

export type VerifyResult = { ok: true } | { ok: false; reason: string };

export async function verifyReceiver(
  config: Pick<WebhookConfig, 'subscriberId' | 'subscriberKey' | 'url'>,
  options: PostOptions,
  now: number,
): Promise<VerifyResult> {
  const nonce = String(randomBytes(4).readUInt32BE() % 100_000_000).padStart(8, '0');
  const body = signedBody(config, { event: 'meeting.verify', timestamp: now }, now, nonce);
  let res;
  try {
    res = await postWebhook(
      config.url,
      body,
      headersOf({ requestId: randomUUID().replaceAll('-', '') }),
      options,
    );
  } catch (error) {
    return { ok: false, reason: `the receiver could not be reached: ${(error as Error).message}` };
  }
  if (res.status < 200 || res.status >= 300)
    return { ok: false, reason: `the receiver answered HTTP ${res.status}` };
  let answer: unknown;
  try {
    answer = JSON.parse(res.body);
  } catch {
    return { ok: false, reason: 'the receiver did not answer JSON' };
  }
  const { event, nonce: echoed } = (answer ?? {}) as { event?: unknown; nonce?: unknown };
  if (event !== 'meeting.verify') return { ok: false, reason: 'the answer\'s event is not "meeting.verify"' };
  if (echoed !== nonce) return { ok: false, reason: "the answer's nonce is not the request's nonce" };
  return { ok: true };
}

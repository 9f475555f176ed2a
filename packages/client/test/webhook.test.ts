/**
 * The receiver-side webhook helper (`verifyWebhook`) against the documented verification request of Huawei's
 * reference (copied in vectors/webhook-signature.json as published, whitespace included), and its refusals.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { verifyWebhook } from '../src/index.js';

const vector = JSON.parse(
  readFileSync(new URL('./vectors/webhook-signature.json', import.meta.url), 'utf8'),
) as {
  subscriberKey: string;
  rawBody: string;
  request: { timestamp: number; nonce: string };
  verifyAnswer: { event: string; nonce: string };
};
const at = (ms: number) => () => ms;

describe('verifyWebhook', () => {
  it('accepts the documented verification request and gives the documented answer', async () => {
    const result = await verifyWebhook(vector.rawBody, {
      subscriberKey: vector.subscriberKey,
      now: at(vector.request.timestamp + 1000),
    });
    expect(result).toMatchObject({ ok: true, answer: vector.verifyAnswer });
  });

  it('refuses a wrong key, a stale timestamp and a malformed body', async () => {
    const now = at(vector.request.timestamp);
    expect(await verifyWebhook(vector.rawBody, { subscriberKey: '123465', now })).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
    expect(
      await verifyWebhook(vector.rawBody, {
        subscriberKey: vector.subscriberKey,
        now: at(vector.request.timestamp + 5 * 60_000 + 1),
      }),
    ).toEqual({ ok: false, reason: 'stale' });
    expect(await verifyWebhook('{"appID":1}', { subscriberKey: 'k', now })).toEqual({
      ok: false,
      reason: 'malformed',
    });
    expect(await verifyWebhook('not json', { subscriberKey: 'k', now })).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });

  it('checks the eventInfo text as sent, whatever its key order', async () => {
    const tampered = vector.rawBody.replace('"timestamp": 1629183619116\n', '"timestamp": 1629183619117\n');
    expect(
      await verifyWebhook(tampered, {
        subscriberKey: vector.subscriberKey,
        now: at(vector.request.timestamp),
      }),
    ).toEqual({ ok: false, reason: 'bad-signature' });
  });
});

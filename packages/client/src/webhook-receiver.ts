/**
 * Receiver side of the enterprise event push: verifies a pushed request's signature over the exact `eventInfo` text
 * it carries (falling back to its compact re-serialisation), refuses stale timestamps, and gives the answer the
 * sender expects (the nonce echo for `meeting.verify`, an empty 200 otherwise). Runs in Node 20+ and browsers
 * (WebCrypto).
 */
import {
  rawEventInfo,
  signWebhook,
  webCryptoHmacSha256Hex,
  type EventInfo,
  type HmacSha256Hex,
} from '@confpush/protocol';

/** The `eventInfo` of a pushed request. */
export type WebhookEventInfo = EventInfo;

export interface WebhookRequest {
  appID: string;
  timestamp: number;
  nonce: string;
  signature: string;
  eventInfo: WebhookEventInfo;
}

export interface VerifyWebhookOptions {
  subscriberKey: string;
  /** Refuse requests whose `timestamp` is further than this from now (default 5 min; 0 = no check). */
  maxAgeMs?: number;
  now?: () => number;
  hmacSha256Hex?: HmacSha256Hex;
}

export type VerifiedWebhook =
  | {
      ok: true;
      request: WebhookRequest;
      /** What to answer: the nonce echo for `meeting.verify`, else undefined (200 with an empty body). */
      answer: { event: 'meeting.verify'; nonce: string } | undefined;
    }
  | { ok: false; reason: 'malformed' | 'bad-signature' | 'stale' };

const DEFAULT_MAX_AGE_MS = 5 * 60_000;

export async function verifyWebhook(
  rawBody: string,
  options: VerifyWebhookOptions,
): Promise<VerifiedWebhook> {
  let request: WebhookRequest;
  try {
    request = JSON.parse(rawBody) as WebhookRequest;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (
    typeof request?.appID !== 'string' ||
    typeof request.timestamp !== 'number' ||
    typeof request.nonce !== 'string' ||
    typeof request.signature !== 'string' ||
    typeof request.eventInfo?.event !== 'string'
  )
    return { ok: false, reason: 'malformed' };
  const hmac = options.hmacSha256Hex ?? webCryptoHmacSha256Hex;
  const texts = [rawEventInfo(rawBody), JSON.stringify(request.eventInfo)];
  let valid = false;
  for (const eventInfoJson of new Set(texts)) {
    if (eventInfoJson === undefined) continue;
    const expected = await signWebhook(options.subscriberKey, { ...request, eventInfoJson }, hmac);
    if (constantTimeEqual(expected, request.signature.toLowerCase())) valid = true;
  }
  if (!valid) return { ok: false, reason: 'bad-signature' };
  const maxAge = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
  const now = (options.now ?? Date.now)();
  if (maxAge > 0 && Math.abs(now - request.timestamp) > maxAge) return { ok: false, reason: 'stale' };
  const answer =
    request.eventInfo.event === 'meeting.verify'
      ? { event: 'meeting.verify' as const, nonce: request.nonce }
      : undefined;
  return { ok: true, request, answer };
}

function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * The webhook signature (reference §6.5): lower-case hex HMAC-SHA256, keyed with the subscriber key, over
 * appID + timestamp (decimal) + nonce + the compact JSON of `eventInfo` as sent — no separators.
 */
import { randomBytes } from 'node:crypto';
import { signWebhook } from '@confpush/protocol';
import { nodeHmacSha256Hex } from '../auth/signature.js';
import type { EventInfo } from './events.js';

export interface PushedRequest {
  appID: string;
  timestamp: number;
  nonce: string;
  signature: string;
  eventInfo: EventInfo;
}

export function webhookSignature(
  key: string,
  fields: { appID: string; timestamp: number; nonce: string; eventInfoJson: string },
): string {
  return signWebhook(key, fields, nodeHmacSha256Hex);
}

/** The body of one pushed request: signed over exactly the `eventInfo` text it carries. */
export function signedBody(
  subscriber: { subscriberId: string; subscriberKey: string },
  eventInfo: EventInfo,
  timestamp: number,
  nonce = String(randomBytes(4).readUInt32BE() % 100_000_000).padStart(8, '0'),
  eventInfoJson = JSON.stringify(eventInfo),
): string {
  const appID = subscriber.subscriberId;
  const signature = webhookSignature(subscriber.subscriberKey, { appID, timestamp, nonce, eventInfoJson });
  return `{"appID":${JSON.stringify(appID)},"timestamp":${timestamp},"nonce":${JSON.stringify(nonce)},"signature":"${signature}","eventInfo":${eventInfoJson}}`;
}

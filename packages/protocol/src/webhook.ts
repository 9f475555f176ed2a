/**
 * The enterprise event push's signature (Huawei reference §6.5), once for the server that signs and the receivers
 * that verify: lower-case hex HMAC-SHA256, keyed with the subscriber key, over appID + timestamp (decimal) + nonce +
 * the compact JSON of `eventInfo` exactly as sent. The HMAC is injected (node:crypto on the server, WebCrypto in a
 * browser or in Node via `webCryptoHmacSha256Hex`).
 */
import type { HmacSha256Hex } from './appauth.js';

export interface WebhookSignedFields {
  appID: string;
  timestamp: number;
  nonce: string;
  /** The `eventInfo` value's JSON text as it appears in the request body. */
  eventInfoJson: string;
}

export function webhookStringToSign(fields: WebhookSignedFields): string {
  return fields.appID + String(fields.timestamp) + fields.nonce + fields.eventInfoJson;
}

export function signWebhook<R extends string | Promise<string>>(
  subscriberKey: string,
  fields: WebhookSignedFields,
  hmacSha256Hex: HmacSha256Hex<R>,
): R {
  return hmacSha256Hex(subscriberKey, webhookStringToSign(fields));
}

/**
 * The text of the top-level `eventInfo` value in a raw JSON body (the bytes that were signed), or undefined. Walks the
 * body's top-level object honouring strings and nesting, so key order and whitespace of the sender are kept.
 */
export function rawEventInfo(body: string): string | undefined {
  let depth = 0;
  let i = 0;
  const skipString = (at: number): number => {
    let j = at + 1;
    while (j < body.length && body[j] !== '"') j += body[j] === '\\' ? 2 : 1;
    return j + 1;
  };
  while (i < body.length) {
    const c = body[i]!;
    if (c === '"') {
      const end = skipString(i);
      if (depth === 1 && body.slice(i, end) === '"eventInfo"') {
        let j = end;
        while (/\s|:/.test(body[j] ?? '')) j++;
        const start = j;
        let nested = 0;
        while (j < body.length) {
          const d = body[j]!;
          if (d === '"') {
            j = skipString(j);
            continue;
          }
          if (d === '{' || d === '[') nested++;
          else if (d === '}' || d === ']') {
            nested--;
            if (nested === 0) return body.slice(start, j + 1);
          }
          j++;
        }
        return undefined;
      }
      i = end;
      continue;
    }
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    i++;
  }
  return undefined;
}

/** The events of the enterprise event push (reference §6.3). */
export const EVENT_NAMES = [
  'meeting.create',
  'meeting.modify',
  'meeting.cancel',
  'meeting.started',
  'meeting.end',
  'meeting.conclude',
  'meeting.join',
  'meeting.left',
  'record.finish',
] as const;
export type EventName = (typeof EVENT_NAMES)[number] | 'meeting.verify';

export interface MeetingInfo {
  meetingID: string;
  meetingUUID: string;
  meetingCycleSubID?: string;
}

export interface AttendeeInfo {
  userUUID: string;
  userAgent: string;
  account: string;
  participantID: string;
  displayName: string;
  joinTime: number;
  leftTime: number;
  role: string;
  callNumber: string;
}

/** `eventInfo` of a pushed request; its compact JSON, keys in this order, is what the signature covers. */
export interface EventInfo {
  event: EventName;
  timestamp: number;
  payload?: { meetingInfo: MeetingInfo; attendeeInfo?: AttendeeInfo };
}

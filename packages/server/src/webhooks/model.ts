/** What the webhook sink keeps in the store (`SinkStore` namespaces and lists) and the shapes it keeps there. */
import { createHash } from 'node:crypto';
import type { EventInfo } from './events.js';

export const TOPIC = 'webhooks';
export const NS = {
  configs: 'webhook-config',
  cursor: 'webhook-cursor',
  pending: 'webhook-pending',
  dead: 'webhook-dead',
} as const;
export const LOG_CAP = 1000;
export const logList = (configId: string): string => `webhook-log:${configId}`;

/** Huawei's `status`: 0 enabled, 1 not enabled (not started / disabled), 2 locked. */
export type ConfigStatus = 0 | 1 | 2;

export interface WebhookConfig {
  id: string;
  corpId: string;
  spId: string | null;
  subscriberId: string;
  subscriberKey: string;
  url: string;
  status: ConfigStatus;
  createdAt: number;
  updatedAt: number;
}

/** One event for one configuration; pending until delivered (2xx) or dead (after the give-up window). */
export interface Delivery {
  id: string;
  /** Increasing in commit order: the order of delivery within one (configuration, meeting). */
  seq: number;
  configId: string;
  confId: string;
  eventInfo: EventInfo;
  /** The same in every attempt of this delivery. */
  requestId: string;
  createdAt: number;
  attempts: number;
  nextAt: number;
  lastError?: string;
}

export type { WebhookAttempt as Attempt, WebhookOutcome as Outcome } from '@confpush/protocol';

/** The X-Request-ID of an event for a configuration: the same if the event is ever taken from the outbox again. */
export function requestIdOf(configId: string, messageId: string): string {
  return createHash('sha256').update(`${configId}|${messageId}`).digest('hex').slice(0, 32);
}

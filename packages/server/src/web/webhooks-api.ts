/** The console's calls of the enterprise event push API (docs/webhooks.md), with the signed-in admin's token. */
import { HEADERS, type WebhookAttempt } from '@confpush/protocol';

export type { WebhookAttempt };
import { call } from './api.js';

const CONFIG = '/v1/mmc/management/webhook/link-config';

export interface WebhookConfigView {
  id?: string;
  subscriberId?: string;
  url?: string;
  status?: number;
}

export interface WebhookLog {
  attempts: WebhookAttempt[];
  pending: number;
  dead: { deliveryId: string; event: string; confId: string; lastError?: string }[];
}

const auth = (accessToken: string) => ({ [HEADERS.accessToken]: accessToken });

export async function webhookConfig(accessToken: string): Promise<WebhookConfigView> {
  return ((await call('GET', CONFIG, auth(accessToken))) ?? {}) as WebhookConfigView;
}

export async function webhookLog(accessToken: string, id: string): Promise<WebhookLog> {
  const path = `/confpush/v1/webhooks/deliveries?id=${encodeURIComponent(id)}&limit=100`;
  return (await call('GET', path, auth(accessToken))) as WebhookLog;
}

export async function replayDead(accessToken: string, id: string): Promise<number> {
  const path = `/confpush/v1/webhooks/replay?id=${encodeURIComponent(id)}`;
  return ((await call('POST', path, auth(accessToken), {})) as { replayed: number }).replayed;
}

/** The settings of the enterprise event push, part of the one configuration schema (config.ts). */
import { Type } from '@sinclair/typebox';
import type { Config } from '../config.js';
import { parseRetryMs } from './retry.js';

export const WEBHOOK_SETTINGS = {
  webhooks: Type.Boolean({
    default: true,
    description:
      'Enterprise event push (signed webhooks): the configuration API, and the events of every change kept in the outbox and delivered.',
  }),
  webhookRetryMs: Type.String({
    default: '',
    maxLength: 1024,
    description:
      "Webhooks: delays between attempts, comma list of ms, the last one repeats (empty = Huawei's: 30000,30000,30000,1800000).",
  }),
  webhookGiveUpMs: Type.Integer({
    minimum: 0,
    default: 24 * 3_600_000,
    description: 'Webhooks: an event not delivered this long after it happened is dead (kept for replay).',
  }),
  webhookTimeoutMs: Type.Integer({
    minimum: 100,
    maximum: 600_000,
    default: 10_000,
    description: 'Webhooks: bound of one attempt (connection, request and answer).',
  }),
  webhookInFlight: Type.Integer({
    minimum: 1,
    maximum: 1024,
    default: 32,
    description:
      "Webhooks: attempts in flight at once per configuration (over its meetings; one per meeting at a time). More carries more over a distant receiver's round trip; fewer opens fewer connections to the receiver.",
  }),
  webhookThreadNice: Type.Integer({
    minimum: 0,
    maximum: 19,
    default: 19,
    description:
      "Webhooks: nice value of the delivery thread on Linux (0–19). 19: when the CPU is short, the node's thread (the socket push) goes first and deliveries take what is left; 0: both alike.",
  }),
  webhookAllowHttp: Type.Boolean({
    default: false,
    description: 'Webhooks: also allow plain http callback URLs (development; Huawei requires HTTPS).',
  }),
  webhookAllowPrivate: Type.Boolean({
    default: false,
    description:
      'Webhooks: allow callback URLs that resolve to loopback, private or link-local addresses (refused by default).',
  }),
  webhookCaFile: Type.String({
    default: '',
    description:
      "Webhooks: PEM file of extra CAs trusted for receivers, added to Node's bundled roots (without it, NODE_EXTRA_CA_CERTS applies).",
  }),
};

export const WEBHOOK_ENV_VARS = {
  webhooks: 'CONFPUSH_WEBHOOKS',
  webhookRetryMs: 'CONFPUSH_WEBHOOK_RETRY_MS',
  webhookGiveUpMs: 'CONFPUSH_WEBHOOK_GIVE_UP_MS',
  webhookTimeoutMs: 'CONFPUSH_WEBHOOK_TIMEOUT_MS',
  webhookInFlight: 'CONFPUSH_WEBHOOK_IN_FLIGHT',
  webhookThreadNice: 'CONFPUSH_WEBHOOK_THREAD_NICE',
  webhookAllowHttp: 'CONFPUSH_WEBHOOK_ALLOW_HTTP',
  webhookAllowPrivate: 'CONFPUSH_WEBHOOK_ALLOW_PRIVATE',
  webhookCaFile: 'CONFPUSH_WEBHOOK_CA_FILE',
} as const satisfies Record<keyof typeof WEBHOOK_SETTINGS, string>;

/** What is wrong with the webhook settings beyond their schema. */
export function webhookProblems(config: Config): string[] {
  return parseRetryMs(config.webhookRetryMs) === undefined
    ? ['webhookRetryMs (CONFPUSH_WEBHOOK_RETRY_MS): not a comma list of delays in ms']
    : [];
}

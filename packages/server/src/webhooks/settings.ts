/** The settings of the enterprise event push, part of the one configuration schema (config.ts). */
import { Type } from '@sinclair/typebox';

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

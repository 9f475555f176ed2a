/**
 * confpush's webhook delivery log (`GET /confpush/v1/webhooks/deliveries`, not part of Huawei's): one attempt as the
 * API answers it, the sink records it and the console shows it.
 */
import { Type, type Static } from '@sinclair/typebox';

export const WebhookOutcomeSchema = Type.Union([
  Type.Literal('delivered'),
  Type.Literal('failed'),
  Type.Literal('dead'),
  Type.Literal('refused'),
  Type.Literal('timeout'),
]);

/** How one delivery attempt ended. */
export type WebhookOutcome = Static<typeof WebhookOutcomeSchema>;

export const WebhookAttemptSchema = Type.Object({
  deliveryId: Type.String(),
  requestId: Type.String({ description: 'X-Request-ID: the same in every attempt of one delivery' }),
  event: Type.String(),
  confId: Type.String(),
  attempt: Type.Integer(),
  at: Type.Integer(),
  outcome: WebhookOutcomeSchema,
  status: Type.Optional(Type.Integer()),
  error: Type.Optional(Type.String()),
  durationMs: Type.Integer(),
});

/** One delivery attempt, as the delivery log API answers it. */
export type WebhookAttempt = Static<typeof WebhookAttemptSchema>;

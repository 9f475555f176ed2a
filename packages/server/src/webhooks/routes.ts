/**
 * The configuration API of the enterprise event push (reference §6.2; Huawei SDK `SetWebHookConfig`,
 * `ShowWebHookConfig`, `DeleteWebHookConfig`, `UpdateWebHookConfigStatus`), enterprise administrators only, one
 * configuration per enterprise; and confpush's delivery log and replay of dead events.
 */
import { ErrorBodySchema, WebhookAttemptSchema } from '@confpush/protocol';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Caller } from '../api/context.js';
import { DomainError } from '../domain/errors.js';
import type { WebhookService } from './service.js';

const HUAWEI_TAGS = ['huawei: enterprise event push'];
const TAGS = ['confpush: webhooks'];
const AccessHeader = Type.Object({
  'x-access-token': Type.Optional(
    Type.String({ maxLength: 1024, description: "Required: an enterprise administrator's access token" }),
  ),
});
const Errors = { 400: ErrorBodySchema, 401: ErrorBodySchema, 403: ErrorBodySchema };

const ConfigView = Type.Object({
  returnCode: Type.Integer({ description: '0: success' }),
  returnDesc: Type.String(),
  id: Type.Optional(Type.String({ description: 'Configuration record ID' })),
  subscriberId: Type.Optional(Type.String()),
  url: Type.Optional(Type.String()),
  status: Type.Optional(Type.Integer({ description: '0 enabled, 1 not enabled, 2 locked' })),
});

const IdQuery = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

/** `service` is there once the sink started (before the node listens). */
export function webhookRoutes(service: () => WebhookService) {
  return async function register(root: FastifyInstance): Promise<void> {
    const app = root.withTypeProvider<TypeBoxTypeProvider>();
    const admin = async (header: string | undefined): Promise<Caller> => {
      const caller = await service().accessTokens.authenticate(header);
      const { user } = caller;
      if (!(user.userType === 2 && (user.adminType === 0 || user.adminType === 1)))
        throw new DomainError(
          'PERMISSION_DENIED',
          'only an enterprise administrator may configure event push',
        );
      return caller;
    };

    app.post(
      '/v1/mmc/management/webhook/link-config',
      {
        schema: {
          summary: 'Set the enterprise event push configuration (SetWebHookConfig); it starts not enabled',
          tags: HUAWEI_TAGS,
          headers: AccessHeader,
          body: Type.Object({
            corpId: Type.Optional(
              Type.String({ maxLength: 64, description: "Must be the caller's enterprise" }),
            ),
            spId: Type.Optional(Type.String({ maxLength: 64, description: "Must be the enterprise's SP" })),
            subscriberId: Type.String({
              minLength: 1,
              maxLength: 64,
              description: 'Becomes appID of every push',
            }),
            subscriberKey: Type.String({
              minLength: 1,
              maxLength: 256,
              description: 'HMAC key of signature',
            }),
            url: Type.String({ minLength: 1, maxLength: 1024, description: 'Callback URL; HTTPS' }),
          }),
          response: { 200: ConfigView, ...Errors },
        },
      },
      async (request) => {
        const caller = await admin(request.headers['x-access-token']);
        const config = await service().setConfig(caller.user.corpId, request.body);
        return service().view(config);
      },
    );

    app.get(
      '/v1/mmc/management/webhook/link-config',
      {
        schema: {
          summary: 'Show the enterprise event push configuration (ShowWebHookConfig)',
          tags: HUAWEI_TAGS,
          headers: AccessHeader,
          querystring: Type.Object({
            corpId: Type.Optional(Type.String({ maxLength: 64 })),
            spId: Type.Optional(Type.String({ maxLength: 64 })),
          }),
          response: { 200: ConfigView, ...Errors },
        },
      },
      async (request) => {
        const caller = await admin(request.headers['x-access-token']);
        service().checkScope(caller.user.corpId, request.query.corpId);
        return service().view(await service().configOf(caller.user.corpId));
      },
    );

    app.delete(
      '/v1/mmc/management/webhook/link-config',
      {
        schema: {
          summary: 'Delete the enterprise event push configuration (DeleteWebHookConfig)',
          tags: HUAWEI_TAGS,
          headers: AccessHeader,
          querystring: IdQuery,
          response: { 200: Type.Null(), ...Errors },
        },
      },
      async (request, reply) => {
        const caller = await admin(request.headers['x-access-token']);
        await service().deleteConfig(caller.user.corpId, request.query.id);
        return reply.status(200).send(null);
      },
    );

    app.put(
      '/v1/mmc/management/webhook/change-status',
      {
        schema: {
          summary:
            'Enable (0, after the receiver echoes the meeting.verify nonce), disable (1) or lock (2) event push (UpdateWebHookConfigStatus)',
          tags: HUAWEI_TAGS,
          headers: AccessHeader,
          querystring: Type.Object({
            id: Type.String({ minLength: 1, maxLength: 64 }),
            status: Type.Integer({ minimum: 0, maximum: 2 }),
          }),
          response: { 200: Type.Null(), ...Errors },
        },
      },
      async (request, reply) => {
        const caller = await admin(request.headers['x-access-token']);
        await service().changeStatus(caller.user.corpId, request.query.id, request.query.status as 0 | 1 | 2);
        return reply.status(200).send(null);
      },
    );

    app.get(
      '/confpush/v1/webhooks/deliveries',
      {
        schema: {
          summary: 'Delivery log of the configuration: newest attempts first, pending and dead deliveries',
          tags: TAGS,
          headers: AccessHeader,
          querystring: Type.Object({
            id: Type.String({ minLength: 1, maxLength: 64 }),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
          }),
          response: {
            200: Type.Object({
              attempts: Type.Array(WebhookAttemptSchema),
              pending: Type.Integer(),
              dead: Type.Array(
                Type.Object({
                  deliveryId: Type.String(),
                  event: Type.String(),
                  confId: Type.String(),
                  lastError: Type.Optional(Type.String()),
                }),
              ),
            }),
            ...Errors,
          },
        },
      },
      async (request) => {
        const caller = await admin(request.headers['x-access-token']);
        return service().deliveryLog(caller.user.corpId, request.query.id, request.query.limit ?? 100);
      },
    );

    app.post(
      '/confpush/v1/webhooks/replay',
      {
        schema: {
          summary: 'Replay dead events of the configuration (all, or the listed deliveries), in their order',
          tags: TAGS,
          headers: AccessHeader,
          querystring: IdQuery,
          body: Type.Optional(
            Type.Object({
              deliveryIds: Type.Optional(Type.Array(Type.String({ maxLength: 128 }), { maxItems: 1000 })),
            }),
          ),
          response: { 200: Type.Object({ replayed: Type.Integer() }), ...Errors },
        },
      },
      async (request) => {
        const caller = await admin(request.headers['x-access-token']);
        return {
          replayed: await service().replay(caller.user.corpId, request.query.id, request.body?.deliveryIds),
        };
      },
    );
  };
}

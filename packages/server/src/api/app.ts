/** The REST application: one Fastify instance, Huawei-compatible plugins plus confpush's own. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import { hex32 } from '../ids.js';
import { authRoutes } from './auth-routes.js';
import { consoleRoutes } from './console-routes.js';
import type { Api, ApiDeps } from './context.js';
import { controlRoutes } from './control-routes.js';
import { clientErrorHandler, frameworkErrors, registerErrorHandling } from './errors-plugin.js';
import { useJsonBody } from './json-body.js';
import { liveControlRoutes } from './live-control-routes.js';
import { meetingRoutes } from './meeting-routes.js';
import { multiPictureRoutes } from './multi-picture-routes.js';
import { registerOpenApi } from './openapi.js';
import { strictBodyValidators } from './validation.js';
import { requestLogLevel } from './request-log.js';
import { opsRoutes, type Readiness } from './ops-routes.js';
import { closeUnusedConnectionsOnClose } from './unused-connections.js';
import type { Metrics } from '../metrics.js';

export interface BuildApiOptions {
  logger: Logger;
  https?: { cert: Buffer; key: Buffer };
  /** Readiness of the node (`/readyz`); always ready when absent. */
  ready?: () => Readiness;
  metrics?: Metrics;
  /** Requests carrying this token in `X-Confpush-Demo` (the node's own demo) are logged at debug. */
  demoRequestToken?: string;
  /** Routes added by the node's sources (src/sources/), registered after the meeting APIs, before operations. */
  sourceRoutes?: readonly FastifyPluginAsync[];
}

export function buildApi(deps: ApiDeps, options: BuildApiOptions): Api {
  const app = Fastify({
    loggerInstance: options.logger,
    bodyLimit: deps.config.maxBodyBytes,
    requestIdHeader: 'x-request-id',
    genReqId: () => hex32(),
    // One structured line per request (below) instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    ...(options.https ? { https: options.https } : {}),
    ajv: { customOptions: { removeAdditional: false, useDefaults: true } },
    // Bodies are validated without coercion, query strings and headers with it (validation.ts).
    schemaController: { compilersFactory: { buildValidator: strictBodyValidators() } },
    // Errors raised before a route runs get the same Huawei-style bodies as every other error.
    frameworkErrors,
    clientErrorHandler,
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as Api;
  closeUnusedConnectionsOnClose(app);
  // First: @fastify/swagger documents only the routes registered after it.
  registerOpenApi(app);

  // Huawei echoes the request ID (caller's X-Request-ID, or a generated one) as X-Request-Id.
  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-Id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log[requestLogLevel(request, options.demoRequestToken)](
      {
        method: request.method,
        url: request.url.split('?')[0],
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
    options.metrics?.restRequest(
      request.method,
      request.routeOptions.url ?? 'unmatched',
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
  });
  registerErrorHandling(app);
  // Huawei's examples and SDKs send `Content-Type: application/json` on body-less calls (DELETE, PUT …/stop,
  // broadcast) too: an empty JSON body is no body, everywhere. Bodies must be UTF-8 (json-body.ts).
  useJsonBody(app, { emptyIsNoBody: true });
  app.register(authRoutes(deps));
  app.register(meetingRoutes(deps));
  app.register(controlRoutes(deps));
  app.register(liveControlRoutes(deps));
  app.register(multiPictureRoutes(deps));
  for (const routes of options.sourceRoutes ?? []) app.register(routes);
  app.register(opsRoutes({ ready: options.ready ?? (() => ({ ready: true })), metrics: options.metrics }));
  app.register(consoleRoutes());
  return app;
}

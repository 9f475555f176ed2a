/**
 * confpush's operations endpoints: liveness (`/healthz`), readiness (`/readyz`) and Prometheus metrics (`/metrics`).
 * Not part of Huawei's API.
 */
import { ERRORS, ErrorBodySchema, HealthResponse, ReadyResponse } from '@confpush/protocol';
import { Type } from '@sinclair/typebox';
import type { Metrics } from '../metrics.js';
import type { Api } from './context.js';
import { restErrorBody } from './errors-plugin.js';

const TAGS = ['confpush: operations'];

export interface OpsDeps {
  /** True once the node listens, false again as soon as it starts shutting down. */
  ready: () => boolean;
  metrics?: Metrics | undefined;
}

export function opsRoutes(deps: OpsDeps) {
  return async function register(app: Api): Promise<void> {
    app.get(
      '/healthz',
      {
        schema: {
          summary: 'Liveness: the process answers HTTP',
          tags: TAGS,
          response: { 200: HealthResponse },
        },
      },
      async () => ({ status: 'ok' as const }),
    );

    app.get(
      '/readyz',
      {
        schema: {
          summary:
            'Readiness: 200 while the node serves, 503 (MMC.111000503) while starting or shutting down',
          tags: TAGS,
          response: { 200: ReadyResponse, 503: ErrorBodySchema },
        },
      },
      async (_request, reply) => {
        if (deps.ready()) return { status: 'ready' as const };
        return reply.status(ERRORS.UNAVAILABLE.status).send(restErrorBody(ERRORS.UNAVAILABLE));
      },
    );

    const metrics = deps.metrics;
    if (metrics) {
      app.get(
        '/metrics',
        {
          schema: {
            summary: 'Prometheus metrics of this node (text exposition format 0.0.4)',
            description: 'The metrics and their meanings are listed in docs/rest-api.md, "Operations".',
            tags: TAGS,
            response: {
              200: {
                description: 'Prometheus text exposition',
                content: { 'text/plain': { schema: Type.String() } },
              },
            },
          },
        },
        async (_request, reply) => reply.type(metrics.contentType).send(await metrics.scrape()),
      );
    }
  };
}

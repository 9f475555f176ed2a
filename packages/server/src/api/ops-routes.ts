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

/** Whether the node serves; when not, why (named in the 503 body), if more than starting or stopping. */
export type Readiness = { ready: true } | { ready: false; reason?: string | undefined };

export interface OpsDeps {
  /** Ready once the node listens and every source is ready; not ready again as soon as it starts shutting down. */
  ready: () => Readiness;
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
            'Readiness: 200 while the node serves, 503 (MMC.111000503) while starting, shutting down or a source is not ready (`error_msg` names the source and why)',
          tags: TAGS,
          response: { 200: ReadyResponse, 503: ErrorBodySchema },
        },
      },
      async (_request, reply) => {
        const readiness = deps.ready();
        if (readiness.ready) return { status: 'ready' as const };
        return reply
          .status(ERRORS.UNAVAILABLE.status)
          .send(restErrorBody(ERRORS.UNAVAILABLE, readiness.reason));
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

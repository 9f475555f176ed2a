/**
 * The level of the one log line per request. The node's own demo marks its requests with a per-process token in
 * `X-Confpush-Demo`; those are logged at debug, so `npm start` is not flooded by its own traffic (and a caller
 * cannot hide requests without the token).
 */
import type { FastifyRequest } from 'fastify';

export const DEMO_REQUEST_HEADER = 'x-confpush-demo';

export function requestLogLevel(request: FastifyRequest, demoToken: string | undefined): 'info' | 'debug' {
  return demoToken !== undefined && request.headers[DEMO_REQUEST_HEADER] === demoToken ? 'debug' : 'info';
}

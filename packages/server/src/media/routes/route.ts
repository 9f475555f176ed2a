/**
 * One media-plane route from a table row: the path under the meeting, its schemas from `@confpush/protocol`
 * (rest/media.ts) and a handler given the validated parameters and body. Every route shares the tag, the security
 * scheme, the access-token header and the error responses.
 */
import { MediaAccessTokenHeader, errorResponses } from '@confpush/protocol';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { MEDIA_PREFIX } from './context.js';

/** A success without a body. */
export const NoContent = Type.Unsafe<void>(Type.Null({ description: 'Done; no body' }));

export interface MediaRoute<P extends TSchema, B extends TSchema, A extends TSchema> {
  method: 'POST' | 'PUT';
  /** Below `/confpush/v1/media/conferences/:conferenceID/`. */
  path: string;
  summary: string;
  params: P;
  body: B;
  /** The status of a success and the schema of its answer (`NoContent` for none). */
  status: 200 | 202 | 204;
  answer: A;
  handle(params: Static<P>, body: Static<B>): Promise<Static<A>>;
}

export function addMediaRoute<P extends TSchema, B extends TSchema, A extends TSchema>(
  app: FastifyInstance,
  route: MediaRoute<P, B, A>,
): void {
  app.route({
    method: route.method,
    url: `${MEDIA_PREFIX}/${route.path}`,
    schema: {
      summary: route.summary,
      tags: ['confpush: media plane'],
      security: [{ accessToken: [] }],
      headers: MediaAccessTokenHeader,
      params: route.params,
      body: route.body,
      response: { [route.status]: route.answer, ...errorResponses },
    },
    // Fastify validated params and body against the schemas above before the handler runs.
    handler: async (request, reply) =>
      reply
        .status(route.status)
        .send(await route.handle(request.params as Static<P>, request.body as Static<B>)),
  });
}

/**
 * `PUT /v1/mmc/control/conferences/display/multiPicture` (Huawei `SetMultiPicture`, body `RestMixedPictureBody`):
 * the host lays out the continuous-presence picture. The layout is pushed as a `ConfDynamicInfoNotify` change of
 * `multiPic` (and `picNum`), and `realTimeInfo` shows it as `confInfo.picDisplay`.
 */
import type { Static } from '@sinclair/typebox';
import type { MultiPictureInput } from '../domain/multi-picture.js';
import { requireControlToken } from './control-auth.js';
import type { Api, ApiDeps } from './context.js';
import {
  ConferenceIdQuery,
  ControlEmptyBody,
  ControlHeaders,
  errorResponses,
  MultiPictureBody,
} from '@confpush/protocol';

export function multiPictureRoutes(deps: ApiDeps) {
  return async function register(app: Api): Promise<void> {
    app.put(
      '/v1/mmc/control/conferences/display/multiPicture',
      {
        schema: {
          summary:
            'Set the multi-picture layout (SetMultiPicture): automatic, or panes of participants (ConfDynamicInfoNotify multiPic)',
          tags: ['huawei: meeting control'],
          querystring: ConferenceIdQuery,
          headers: ControlHeaders,
          body: MultiPictureBody,
          response: { 200: ControlEmptyBody, ...errorResponses },
        },
      },
      async (request, reply) => {
        const held = await requireControlToken(deps, request, true);
        const layout: MultiPictureInput = request.body as Static<typeof MultiPictureBody>;
        await deps.engine.execute(held.confId, { type: 'multiPicture', layout });
        return reply.status(200).send();
      },
    );
  };
}

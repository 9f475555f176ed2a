/**
 * `PUT /v1/mmc/control/conferences/display/multiPicture` (Huawei `SetMultiPicture`, body `RestMixedPictureBody`):
 * the host lays out the continuous-presence picture. The layout is pushed as a `ConfDynamicInfoNotify` change of
 * `multiPic` (and `picNum`), and `realTimeInfo` shows it as `confInfo.picDisplay`.
 */
import { ConferenceIdQuery, MultiPictureBody } from '@confpush/protocol';
import type { Api, ApiDeps } from './context.js';
import { liveControl } from './live-control.js';

export function multiPictureRoutes(deps: ApiDeps) {
  return async function register(app: Api): Promise<void> {
    liveControl(app, deps).control(
      'PUT',
      '/display/multiPicture',
      'Set the multi-picture layout (SetMultiPicture): automatic, or panes of participants (ConfDynamicInfoNotify multiPic)',
      ConferenceIdQuery,
      MultiPictureBody,
      true,
      (_q, layout) => ({ type: 'multiPicture', layout }),
    );
  };
}

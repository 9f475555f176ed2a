/**
 * confpush's own media-plane API, `/confpush/v1/media/conferences/:conferenceID/...`: how a media plane (simulated
 * here, a real SFU/MCU elsewhere) reports what happens to the media of a meeting — sites joining (directly or into
 * the waiting room) and leaving (with Huawei's leave reasons), calls answered or failed, volume samples, network
 * quality, caption text, sharing, camera, hands and self-muting. Not part of Huawei's API. Served as the routes of
 * the media source (media/source.ts); every call becomes a command through the source's port.
 */
import type { FastifyPluginAsync } from 'fastify';
import { mediaAccessCheck } from './access.js';
import type { MediaRouteDeps } from './context.js';
import { flagRoutes, participantRoutes } from './participants.js';
import { reportRoutes } from './reports.js';

export type { MediaRouteDeps } from './context.js';

export function mediaRoutes(deps: MediaRouteDeps): FastifyPluginAsync {
  return async function registerMediaRoutes(app) {
    app.addHook('preValidation', mediaAccessCheck(deps));
    participantRoutes(app, deps);
    reportRoutes(app, deps);
    flagRoutes(app, deps);
  };
}

/**
 * Who may call the media-plane API: the media plane is trusted infrastructure holding the app credential, so every
 * call carries the `X-Access-Token` of an administrator of the meeting's enterprise or of the meeting's owner, and
 * the meeting must be in progress and not mirrored from elsewhere (a relay's: its media is reported upstream,
 * docs/relay.md). Checked before the body is validated, so an unauthorised caller learns nothing about the API.
 */
import type { FastifyRequest } from 'fastify';
import { canManage } from '../../domain/conference-info.js';
import { DomainError } from '../../domain/errors.js';
import { isMirrored } from '../../domain/mirror.js';
import type { MediaRouteDeps } from './context.js';

/** The `preValidation` hook of every media-plane route: the caller, the meeting and its state. */
export function mediaAccessCheck(deps: MediaRouteDeps) {
  return async function checkMediaAccess(request: FastifyRequest): Promise<void> {
    const header = request.headers['x-access-token'];
    const { user } = await deps.accessTokens.authenticate(typeof header === 'string' ? header : undefined);
    const { conferenceID } = request.params as { conferenceID?: string };
    const record = conferenceID ? (await deps.port().read(conferenceID))?.record : undefined;
    if (!record || record.cancelled) throw new DomainError('CONF_NOT_EXIST');
    // Meetings of other enterprises do not exist for the caller (as in the management API).
    if (record.corpId !== user.corpId && record.ownerId !== user.userId)
      throw new DomainError('CONF_NOT_EXIST');
    if (!canManage(record, user)) {
      throw new DomainError(
        'CONF_NO_PERMISSION',
        'the media-plane API needs an administrator of the enterprise or the meeting owner',
      );
    }
    if (record.state !== 'Created') throw new DomainError('CONF_NOT_STARTED');
    // Checked here, not only by the engine: volume samples are answered before they are decided.
    if (isMirrored(record))
      throw new DomainError('CONF_MIRRORED', "a mirrored meeting's media is reported by its upstream");
  };
}

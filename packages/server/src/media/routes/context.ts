/** What the media-plane routes are given by their source (media/source.ts): the port, the plane, the access check. */
import type { AccessTokenVerifier } from '../../api/context.js';
import type { SourcePort } from '../../sources/source.js';
import type { MediaPlane } from '../service.js';

export interface MediaRouteDeps {
  accessTokens: AccessTokenVerifier;
  /** The media source's port (its routes are served only once the source has started). */
  port(): SourcePort;
  /** The simulated media plane (speaker coalescing). */
  plane(): MediaPlane;
}

export const MEDIA_PREFIX = '/confpush/v1/media/conferences/:conferenceID';

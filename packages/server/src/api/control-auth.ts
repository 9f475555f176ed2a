/** The control-token check shared by every `/v1/mmc/control/conferences/...` route. */
import type { IncomingHttpHeaders } from 'node:http';
import { DomainError } from '../domain/errors.js';
import type { ConfToken } from '../store/types.js';
import type { ApiDeps } from './context.js';

export interface ControlRequest {
  query: { conferenceID: string };
  headers: IncomingHttpHeaders;
}

/**
 * Resolves the control token (`X-Conference-Authorization`, raw or `Basic base64`) of a request for its
 * `conferenceID`, checks that the meeting is in progress, and with `host` refuses a participant's token.
 */
export async function requireControlToken(
  deps: ApiDeps,
  request: ControlRequest,
  host: boolean,
): Promise<ConfToken> {
  const header = request.headers['x-conference-authorization'];
  const held = await deps.meetingTokens.checkConfToken(
    typeof header === 'string' ? header : undefined,
    request.query.conferenceID,
  );
  const record = await deps.store.meetings.getMeeting(held.confId);
  if (!record || record.state !== 'Created') throw new DomainError('CONF_NOT_STARTED');
  if (host && held.role !== 1) throw new DomainError('CONF_NOT_CHAIR');
  return held;
}

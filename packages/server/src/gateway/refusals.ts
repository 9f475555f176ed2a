/**
 * The one place refusals become socket replies: a `DomainError` met while handling a frame gets the `returnCode`
 * its code has in the protocol's error catalogue. A refusal the catalogue gives no socket code is not one a frame
 * can meet; the caller lets it escape as an unexpected error.
 */
import { ERRORS, REPLY_CODES, type ErrorSpec, type ReplyCodeSpec } from '@confpush/protocol';
import { DomainError } from '../domain/errors.js';

/** The reply code of a refused frame; undefined when the error is not a refusal a frame can meet. */
export function replyCodeOf(error: unknown): ReplyCodeSpec | undefined {
  if (!(error instanceof DomainError)) return undefined;
  const spec: ErrorSpec = ERRORS[error.code];
  return spec.reply;
}

/**
 * The reply code of a `Subscribe` whose `confToken` was refused. Expired and wrong-meeting tokens say so; any other
 * refusal of the token (missing, malformed, unknown) is CONF_TOKEN_INVALID. Unexpected errors are rethrown.
 */
export function subscribeTokenRefusal(error: unknown): ReplyCodeSpec {
  if (!(error instanceof DomainError)) throw error;
  const code = replyCodeOf(error);
  return code === REPLY_CODES.CONF_TOKEN_EXPIRED || code === REPLY_CODES.CONF_TOKEN_WRONG_MEETING
    ? code
    : REPLY_CODES.CONF_TOKEN_INVALID;
}

import { ERRORS, type ErrorName } from '@confpush/protocol';

/**
 * A refusal, named by its code in the protocol's error catalogue. It says what went wrong, not how a transport
 * reports it: the API's error handler turns it into a REST answer and the gateway's refusals into a socket reply.
 * Thrown where the fault is found; nothing is changed by a command or call that throws one.
 */
export class DomainError extends Error {
  override readonly name = 'DomainError';
  readonly code: ErrorName;
  /** What exactly was wrong (a field, an ID), when the code alone does not say. */
  readonly detail: string | undefined;

  constructor(code: ErrorName, detail?: string) {
    super(detail ?? ERRORS[code].msg);
    this.code = code;
    this.detail = detail;
  }
}

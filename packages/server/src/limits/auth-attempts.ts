/**
 * Failed authentication attempts, per client address and per target (an app ID, an account, a meeting whose
 * password is tried). Once a key has had its limit of failures in the window, every attempt for it — right or
 * wrong — is refused with `TOO_MANY_ATTEMPTS` (429) until the window ends, without checking the secret: a guess
 * can no longer be confirmed, and no slow hash is computed for it.
 *
 * Only failures count, so that a legitimate client that authenticates often is never slowed down. What counts as a
 * failure: a refusal that says a secret (signature, password, token) was wrong.
 */
import type { ErrorName } from '@confpush/protocol';
import { DomainError } from '../domain/errors.js';
import { WindowCounter } from './window.js';
import type { LimitReporter } from './types.js';

/** Refusals that mean "the secret was wrong". */
const FAILURES: ReadonlySet<ErrorName> = new Set<ErrorName>([
  'APP_AUTH_FAILED',
  'SIGNATURE_EXPIRED',
  'NONCE_REPLAYED',
  'ACCOUNT_AUTH_FAILED',
  'ACCESS_TOKEN_INVALID',
  'CORP_NOT_ALLOWED',
  'CONF_AUTH_FAILED',
]);

export interface AuthAttemptsOptions {
  windowMs: number;
  /** Failures per client address and window; 0 = no limit. */
  perAddress: number;
  /** Failures per target and window; 0 = no limit. */
  perTarget: number;
  now: () => number;
  reporter?: LimitReporter | undefined;
}

/** What an attempt is about: the client address, and the app / account / meeting whose secret is tried. */
export interface AttemptKeys {
  address: string;
  /** `app:<appId>`, `account:<name>`, `meeting:<conferenceID>`; absent when there is none. */
  target?: string | undefined;
}

export class AuthAttempts {
  readonly #options: AuthAttemptsOptions;
  readonly #byAddress: WindowCounter;
  readonly #byTarget: WindowCounter;

  constructor(options: AuthAttemptsOptions) {
    this.#options = options;
    this.#byAddress = new WindowCounter(options.windowMs);
    this.#byTarget = new WindowCounter(options.windowMs);
  }

  /** Throws `TOO_MANY_ATTEMPTS` when the address or the target is locked out. */
  check(keys: AttemptKeys): void {
    const now = this.#options.now();
    const { perAddress, perTarget } = this.#options;
    if (perAddress > 0 && this.#byAddress.count(keys.address, now) >= perAddress) {
      this.#options.reporter?.limitRejected('auth_address');
      throw new DomainError('TOO_MANY_ATTEMPTS', 'too many failed attempts from this address');
    }
    if (perTarget > 0 && keys.target !== undefined && this.#byTarget.count(keys.target, now) >= perTarget) {
      this.#options.reporter?.limitRejected('auth_target');
      throw new DomainError('TOO_MANY_ATTEMPTS', `too many failed attempts for this ${kindOf(keys.target)}`);
    }
  }

  /** Records one failed attempt. */
  fail(keys: AttemptKeys): void {
    const now = this.#options.now();
    if (this.#options.perAddress > 0) this.#byAddress.hit(keys.address, now);
    if (this.#options.perTarget > 0 && keys.target !== undefined) this.#byTarget.hit(keys.target, now);
  }

  /** Runs an authentication: refused at once when locked out; a failure (a wrong secret) is recorded. */
  async guard<T>(keys: AttemptKeys, attempt: () => Promise<T>): Promise<T> {
    this.check(keys);
    try {
      return await attempt();
    } catch (error) {
      if (isFailure(error)) this.fail(keys);
      throw error;
    }
  }
}

export function isFailure(error: unknown): boolean {
  return error instanceof DomainError && FAILURES.has(error.code);
}

function kindOf(target: string): string {
  return target.slice(0, Math.max(0, target.indexOf(':'))) || 'target';
}

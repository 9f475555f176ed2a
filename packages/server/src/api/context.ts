/** What the REST plugins are given: the node's services, nothing global. */
import type {
  FastifyInstance,
  FastifyBaseLogger,
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
} from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AccessTokens } from '../auth/access-tokens.js';
import type { MeetingTokens } from '../auth/meeting-tokens.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Engine } from '../engine/engine.js';
import type { AuthAttempts, MeetingQuotas } from '../limits/index.js';
import type { AccessToken, Store, User } from '../store/types.js';

/** The authenticated caller of a management API (`X-Access-Token`). */
export interface Caller {
  user: User;
  token: AccessToken;
}

export interface AccessTokenVerifier {
  /** Resolves the caller of an `X-Access-Token` header; throws `DomainError('ACCESS_TOKEN_INVALID')`. */
  authenticate(header: string | undefined): Promise<Caller>;
}

export interface ApiDeps {
  config: Config;
  store: Store;
  engine: Engine;
  meetingTokens: MeetingTokens;
  accessTokens: AccessTokens;
  clock: Clock;
  /** Base URL clients reach this server at, without trailing slash (e.g. `http://127.0.0.1:8080`). */
  publicUrl: () => string;
  /** Failed authentication attempts per client address and per app / account / meeting (src/limits/). */
  authAttempts: AuthAttempts;
  /** Meetings and attendees per enterprise, attendees per meeting (src/limits/). */
  quotas: MeetingQuotas;
}

export type Api = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** Base URL of the push socket: the public URL with http→ws, https→wss. */
export function wsUrlOf(publicUrl: string): string {
  return publicUrl.replace(/^http/i, 'ws');
}

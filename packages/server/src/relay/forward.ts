/**
 * A mirrored meeting is read-only here: its control calls (`/v1/mmc/control/conferences/...`, every method but
 * GET, besides the token chain) are forwarded upstream with the relay's control token and answered with the
 * upstream's answer; the change reaches subscribers when the upstream pushes it.
 *
 * Management calls that change a mirrored meeting (`PUT`/`DELETE /v1/mmc/management/conferences?conferenceID=`)
 * are forwarded the same way, with the relay's upstream access token.
 *
 * The caller still authenticates here first: with a control token of this relay for that meeting (obtained with
 * the meeting's host password), or with an access token of an administrator of the relay's enterprise. The relay's
 * own tokens are a host's and an administrator's, so lesser rights are refused rather than raised upstream. A hook
 * of the whole API (the plugin is not encapsulated), so no route knows.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HEADERS } from '@confpush/protocol';
import type { AccessTokenVerifier } from '../api/context.js';
import type { MeetingTokens } from '../auth/meeting-tokens.js';
import { isEnterpriseAdmin } from '../domain/conference-info.js';
import { DomainError } from '../domain/errors.js';

const CONTROL = '/v1/mmc/control/conferences';
const MANAGEMENT = '/v1/mmc/management/conferences';
/** Served here: the token chain of downstream clients. */
const LOCAL = new Set([`${CONTROL}/token`, `${CONTROL}/wsToken`]);

export interface ForwardDeps {
  upstreamUrl: string;
  /** The downstream caller's control token is checked with these. */
  tokens(): MeetingTokens;
  /** Is the meeting mirrored here (created by the relay)? */
  mirrored(conferenceID: string): Promise<boolean>;
  /** The relay's control token of a mirrored meeting upstream. Throws a `DomainError` when it has none. */
  controlToken(conferenceID: string): Promise<string>;
  /** The downstream caller's access token is checked with it. */
  accessTokens: AccessTokenVerifier;
  /** The relay's enterprise: its administrators may manage mirrored meetings. */
  corpId: string;
  /** The relay's access token upstream. */
  upstreamAccessToken(): Promise<string>;
  fetch?: typeof fetch;
  /** A call was forwarded (for the counters). */
  forwarded?(status: number): void;
}

/** Adds the forwarding hook to `app`; the caller's plugin must not be encapsulated (fastify-plugin). */
export function addForwarding(app: FastifyInstance, deps: ForwardDeps): void {
  app.addHook('preHandler', async (request, reply) => {
    const target = forwardable(request);
    if (target === undefined) return;
    const { conferenceID, kind } = target;
    if (!(await deps.mirrored(conferenceID))) return;
    if (kind === 'management') {
      const header = request.headers[HEADERS.accessToken.toLowerCase()];
      const caller = await deps.accessTokens.authenticate(typeof header === 'string' ? header : undefined);
      if (!isEnterpriseAdmin(caller.user, deps.corpId))
        throw new DomainError('CONF_NO_PERMISSION', 'a mirrored meeting is managed by an administrator');
      const access = await deps.upstreamAccessToken();
      await forward(deps, request, reply, { [HEADERS.accessToken]: access });
      return reply;
    }
    const header = request.headers[HEADERS.conferenceAuthorization.toLowerCase()];
    const held = await deps
      .tokens()
      .checkConfToken(typeof header === 'string' ? header : undefined, conferenceID);
    if (held.role !== 1)
      throw new DomainError('CONF_NOT_CHAIR', 'a mirrored meeting is controlled with a host token');
    const token = await deps.controlToken(conferenceID);
    await forward(deps, request, reply, { [HEADERS.conferenceAuthorization]: token });
    return reply;
  });
}

function forwardable(
  request: FastifyRequest,
): { conferenceID: string; kind: 'control' | 'management' } | undefined {
  if (request.method === 'GET' || request.method === 'HEAD') return undefined;
  const path = request.url.split('?')[0] ?? '';
  const kind = path.startsWith(`${CONTROL}/`) ? 'control' : path === MANAGEMENT ? 'management' : undefined;
  if (kind === undefined || LOCAL.has(path)) return undefined;
  const query = request.query as Record<string, unknown> | undefined;
  const id = query?.['conferenceID'];
  return typeof id === 'string' ? { conferenceID: id, kind } : undefined;
}

async function forward(
  deps: ForwardDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  auth: Record<string, string>,
): Promise<void> {
  const headers: Record<string, string> = { Accept: 'application/json', ...auth };
  const body = request.body === undefined ? undefined : JSON.stringify(request.body);
  if (body !== undefined) headers['Content-Type'] = 'application/json; charset=UTF-8';
  const doFetch = deps.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    response = await doFetch(`${deps.upstreamUrl.replace(/\/+$/, '')}${request.url}`, {
      method: request.method,
      headers,
      ...(body !== undefined ? { body } : {}),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    throw new DomainError(
      'UNAVAILABLE',
      `upstream unreachable: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const text = await response.text();
  deps.forwarded?.(response.status);
  reply.status(response.status);
  const type = response.headers.get('content-type');
  if (type) reply.header('content-type', type);
  await reply.send(text);
}

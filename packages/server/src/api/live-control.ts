/**
 * How a live meeting-control call under `/v1/mmc/control/conferences` (reference §5.1) is declared: its schema, the
 * control-token check, and the one domain command it becomes. The route groups (participant-control-routes.ts,
 * meeting-control-routes.ts, live-control-routes.ts) declare their calls through `LiveControl`.
 *
 * Each call checks the control token (raw or `Basic base64`) of a meeting in progress and, unless a participant
 * may make it, refuses a token obtained with the guest password. The engine answers once the command is durable
 * and pushed, so a subscriber has seen the change before the caller gets its 200. A refused call (token, role,
 * body, unknown participant, domain rule) changes nothing.
 */
import type { Static, TObject } from '@sinclair/typebox';
import {
  errorResponses,
  ConferenceIdQuery,
  ControlEmptyBody,
  ControlHeaders,
  ParticipantQuery,
} from '@confpush/protocol';
import type { Command } from '../domain/commands.js';
import { DomainError } from '../domain/errors.js';
import type { MeetingState } from '../domain/meeting.js';
import type { ConfToken } from '../store/types.js';
import { requireControlToken, type ControlRequest } from './control-auth.js';
import type { Api, ApiDeps } from './context.js';

export const LIVE_CONTROL_PREFIX = '/v1/mmc/control/conferences';
export const LIVE_CONTROL_TAGS = ['huawei: meeting control'];

type Query = typeof ConferenceIdQuery | typeof ParticipantQuery;

function routeSchema<Q extends Query, B extends TObject | undefined>(
  summary: string,
  querystring: Q,
  body: B,
  headers: TObject,
) {
  return {
    schema: {
      summary,
      tags: LIVE_CONTROL_TAGS,
      querystring,
      headers,
      ...(body ? { body } : {}),
      response: { 200: ControlEmptyBody, ...errorResponses },
    },
  };
}

type BodyOf<B extends TObject | undefined> = B extends TObject ? Static<B> : undefined;

/** Builds the command of a call from its validated query and body, once the token has been accepted. */
type CommandOf<Q extends Query, B extends TObject | undefined> = (
  query: Static<Q>,
  body: BodyOf<B>,
  held: ConfToken,
  /** The client address (for the authentication-attempt limits). */
  ip: string,
) => Command | Promise<Command>;

/** A control call declared with its own handling (instead of becoming one command). */
export interface ControlCall<Q extends Query, B extends TObject | undefined> {
  method: 'PUT' | 'POST';
  path: string;
  summary: string;
  querystring: Q;
  body: B;
  /** Default: `ControlHeaders` (the token required by the schema). */
  headers?: TObject;
  /** Refuse a participant's (guest password) token. */
  host: boolean;
  /** Runs once the token was accepted; the call then answers 200 with no body. */
  run(query: Static<Q>, body: BodyOf<B>, held: ConfToken, ip: string): Promise<unknown>;
}

export interface LiveControl {
  readonly deps: ApiDeps;
  /** Declares a call that does its own work once the token was accepted. */
  call<Q extends Query, B extends TObject | undefined>(spec: ControlCall<Q, B>): void;
  /**
   * Declares a call that becomes one command. `host`: refuse a participant's (guest password) token. The command
   * is built after the token was accepted: the checks made there (beyond the schema) answer only an authorised
   * caller.
   */
  control<Q extends Query, B extends TObject | undefined>(
    method: 'PUT' | 'POST',
    path: string,
    summary: string,
    querystring: Q,
    body: B,
    host: boolean,
    command: CommandOf<Q, B>,
  ): void;
  /** The committed state of the token's meeting (what subscribers have been shown). */
  committedState(held: ConfToken): Promise<MeetingState>;
  /** A participant a call names in its body (not the one it acts on) must be online too. */
  requireOnline(held: ConfToken, pid: string): Promise<void>;
}

export function liveControl(app: Api, deps: ApiDeps): LiveControl {
  async function committedState(held: ConfToken): Promise<MeetingState> {
    const runtime = await deps.engine.load(held.confId);
    if (!runtime) throw new DomainError('CONF_NOT_EXIST');
    return runtime.committed;
  }

  function call<Q extends Query, B extends TObject | undefined>(spec: ControlCall<Q, B>): void {
    app.route({
      method: spec.method,
      url: `${LIVE_CONTROL_PREFIX}${spec.path}`,
      ...routeSchema(spec.summary, spec.querystring, spec.body, spec.headers ?? ControlHeaders),
      handler: async (request, reply) => {
        const held = await requireControlToken(deps, request as ControlRequest, spec.host);
        await spec.run(request.query as Static<Q>, request.body as BodyOf<B>, held, request.ip);
        return reply.status(200).send();
      },
    });
  }

  return {
    deps,
    committedState,
    async requireOnline(held, pid) {
      const state = await committedState(held);
      if (!state.streams.ParticipantsNotify.items.has(pid))
        throw new DomainError('PARTICIPANT_NOT_FOUND', `participantID ${pid}`);
    },
    call,
    control(method, path, summary, querystring, body, host, command) {
      call({
        method,
        path,
        summary,
        querystring,
        body,
        host,
        async run(query, validBody, held, ip) {
          await deps.engine.execute(held.confId, await command(query, validBody, held, ip));
        },
      });
    },
  };
}

/** A 0/1 or boolean switch. */
export const isOn = (value: boolean | 0 | 1 | undefined): boolean => value === true || value === 1;

/** Each participant once: a repeated ID would otherwise be looked up again after the first one changed. */
export const unique = (pids: readonly string[]): string[] => [...new Set(pids)];

/**
 * Huawei-compatible meeting-control paths under `/v1/mmc/control/conferences`: the control token, the WebSocket
 * token, ending a meeting, and the attendee calls. Each checks the control token (raw or `Basic base64`) and,
 * where the call is host-only, the role it was issued for.
 */
import {
  LOGIN_TYPE_PASSWORD,
  InviteAttendeeSchema,
  ConferenceIdQuery,
  errorResponses,
} from '@confpush/protocol';
import { Type } from '@sinclair/typebox';
import { SUPPORTED_NOTIFY_TYPES, parseConfAuthorization } from '../auth/meeting-tokens.js';
import { secretEquals } from '../auth/secrets.js';
import { DomainError } from '../domain/errors.js';
import { token as newToken } from '../ids.js';
import { requireControlToken, type ControlRequest } from './control-auth.js';
import { wsUrlOf, type Api, type ApiDeps } from './context.js';

const PREFIX = '/v1/mmc/control/conferences';

/** Huawei's control calls answer 200 with no body. */
const EmptyBody = Type.Unknown({ description: 'Empty body' });

const TokenInfoSchema = Type.Object({
  token: Type.String(),
  tmpWsToken: Type.String(),
  wsURL: Type.String(),
  role: Type.Integer(),
  expireTime: Type.Integer(),
  userID: Type.String(),
  orgID: Type.String(),
  participantID: Type.String(),
  confTokenExpireTime: Type.Integer(),
  vmrCurrentConfID: Type.String(),
  supportNotifyType: Type.Array(Type.String()),
});

const ControlHeaders = Type.Object({
  'x-conference-authorization': Type.Optional(Type.String({ maxLength: 512 })),
});

export function controlRoutes(deps: ApiDeps) {
  return async function register(app: Api): Promise<void> {
    const { meetingTokens } = deps;

    const controlToken = (request: ControlRequest, host: boolean) => requireControlToken(deps, request, host);

    app.get(
      `${PREFIX}/token`,
      {
        schema: {
          summary: 'Obtain a meeting-control token (CreateConfToken)',
          tags: ['huawei: meeting control'],
          querystring: ConferenceIdQuery,
          headers: Type.Object({
            'x-password': Type.Optional(Type.String({ maxLength: 64 })),
            'x-login-type': Type.Optional(Type.String({ maxLength: 8 })),
            'x-conference-authorization': Type.Optional(Type.String({ maxLength: 512 })),
            'x-nonce': Type.Optional(Type.String({ maxLength: 256 })),
          }),
          response: {
            200: Type.Object({
              data: TokenInfoSchema,
              addressToken: Type.String(),
              gloablPublicIP: Type.String(),
            }),
            ...errorResponses,
          },
        },
      },
      async (request) => {
        const headers = request.headers;
        const existing = parseConfAuthorization(headers['x-conference-authorization']);
        if (existing === undefined && headers['x-login-type'] !== LOGIN_TYPE_PASSWORD) {
          throw new DomainError('MMC_INVALID_PARAMETER', 'X-Login-Type must be 1');
        }
        const password = headers['x-password'];
        const issue = () => meetingTokens.issueConfToken(request.query.conferenceID, password, existing);
        // A password presented is an authentication attempt (the host password is only 6 digits).
        const issued = password
          ? await deps.authAttempts.guard(
              { address: request.ip, target: `meeting:${request.query.conferenceID}` },
              issue,
            )
          : await issue();
        const { confToken, wsToken, record } = issued;
        const publicUrl = deps.publicUrl();
        return {
          data: {
            token: confToken.token,
            tmpWsToken: wsToken.token,
            wsURL: wsUrlOf(publicUrl),
            role: confToken.role,
            expireTime: confToken.expiresAt,
            userID: record.ownerId,
            orgID: record.corpId,
            participantID: '',
            confTokenExpireTime: Math.round(meetingTokens.confTokenTtlMs / 1000),
            vmrCurrentConfID: record.vmrFlag === 1 ? record.conferenceID : '',
            supportNotifyType: [...SUPPORTED_NOTIFY_TYPES],
          },
          addressToken: newToken('cpa'),
          gloablPublicIP: new URL(publicUrl).hostname,
        };
      },
    );

    const wsTokenRoute = {
      schema: {
        summary: 'Obtain a WebSocket connection token (CreateWebSocketToken): 1 minute, single use',
        tags: ['huawei: meeting control'],
        querystring: ConferenceIdQuery,
        headers: ControlHeaders,
        response: { 200: Type.Object({ webSocketToken: Type.String() }), ...errorResponses },
      },
    };
    const issueWsToken = async (request: ControlRequest) => {
      const held = await controlToken(request, false);
      const wsToken = await meetingTokens.issueWsToken(held);
      return { webSocketToken: wsToken.token };
    };
    app.get(`${PREFIX}/wsToken`, wsTokenRoute, issueWsToken);
    // Huawei's own example request uses PUT although the API is GET; accept both.
    app.put(`${PREFIX}/wsToken`, wsTokenRoute, issueWsToken);

    app.put(
      `${PREFIX}/stop`,
      {
        schema: {
          summary: 'End the meeting; every push socket of it is closed with MEETING_ENDED (4005)',
          tags: ['huawei: meeting control'],
          querystring: ConferenceIdQuery,
          headers: ControlHeaders,
          response: { 200: EmptyBody, ...errorResponses },
        },
      },
      async (request, reply) => {
        const held = await controlToken(request, true);
        await deps.engine.execute(held.confId, { type: 'stop' });
        return reply.status(200).send();
      },
    );

    app.post(
      `${PREFIX}/participants`,
      {
        schema: {
          summary:
            'Invite participants: they are added to the attendee list and called (ParticipantsNotify STATE "1", then InviteResultNotify)',
          tags: ['huawei: meeting control'],
          querystring: ConferenceIdQuery,
          headers: ControlHeaders,
          body: Type.Object({ attendees: Type.Array(InviteAttendeeSchema, { minItems: 1, maxItems: 500 }) }),
          response: { 200: EmptyBody, ...errorResponses },
        },
      },
      async (request, reply) => {
        const held = await controlToken(request, true);
        const { attendees } = request.body;
        await deps.quotas.addAttendees(held.confId, attendees, () =>
          deps.engine.execute(held.confId, { type: 'invite', attendees }),
        );
        return reply.status(200).send();
      },
    );

    app.post(
      `${PREFIX}/inviteWithPwd`,
      {
        schema: {
          summary:
            'Invite a terminal by its number with the meeting ID and the host or guest password (no control token)',
          tags: ['huawei: meeting control'],
          querystring: ConferenceIdQuery,
          body: Type.Object({
            callNum: Type.String({ minLength: 1, maxLength: 127, description: 'SIP number of the invitee' }),
            confID: Type.String({ minLength: 1, maxLength: 32 }),
            pwd: Type.String({ minLength: 1, maxLength: 64, description: 'Host or guest password' }),
            orgID: Type.Optional(Type.String({ maxLength: 64 })),
            numBelongsType: Type.Optional(Type.Union([Type.Literal(0), Type.Literal(1)])),
            isNotOverlayPidName: Type.Optional(Type.Boolean()),
          }),
          response: { 200: EmptyBody, ...errorResponses },
        },
      },
      async (request, reply) => {
        const { conferenceID } = request.query;
        const { callNum, confID, pwd } = request.body;
        if (confID !== conferenceID)
          throw new DomainError('MMC_INVALID_PARAMETER', 'confID must equal conferenceID');
        await deps.authAttempts.guard(
          { address: request.ip, target: `meeting:${conferenceID}` },
          async () => {
            const record = await deps.store.meetings.getMeeting(conferenceID);
            // Wrong password and unknown meeting answer alike, so that meeting IDs cannot be probed.
            if (
              !record ||
              record.cancelled ||
              !(secretEquals(pwd, record.chairPwd) || secretEquals(pwd, record.guestPwd))
            ) {
              throw new DomainError('CONF_AUTH_FAILED');
            }
            if (record.state !== 'Created') throw new DomainError('CONF_NOT_STARTED');
          },
        );
        const attendees = [{ name: callNum, phone: callNum, type: 'terminal' }];
        await deps.quotas.addAttendees(conferenceID, attendees, () =>
          deps.engine.execute(conferenceID, { type: 'invite', attendees }),
        );
        return reply.status(200).send();
      },
    );

    app.post(
      `${PREFIX}/attendees/delete`,
      {
        schema: {
          summary: 'Delete attendees from the attendee list',
          tags: ['huawei: meeting control'],
          querystring: ConferenceIdQuery,
          headers: ControlHeaders,
          body: Type.Object({
            bulkDelAttendInfo: Type.Array(
              Type.Object({
                number: Type.Optional(Type.String({ maxLength: 127 })),
                participantID: Type.Optional(Type.String({ maxLength: 64 })),
              }),
              { minItems: 1, maxItems: 500 },
            ),
          }),
          response: { 200: EmptyBody, ...errorResponses },
        },
      },
      async (request, reply) => {
        const held = await controlToken(request, true);
        const entries = request.body.bulkDelAttendInfo;
        for (const e of entries) {
          if (!e.number && !e.participantID) {
            throw new DomainError(
              'MMC_INVALID_PARAMETER',
              'each bulkDelAttendInfo entry needs number or participantID',
            );
          }
        }
        await deps.engine.execute(held.confId, { type: 'deleteAttendees', entries });
        return reply.status(200).send();
      },
    );
  };
}

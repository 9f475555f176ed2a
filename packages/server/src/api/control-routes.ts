/**
 * Huawei-compatible meeting-control paths under `/v1/mmc/control/conferences`: the control token, the WebSocket
 * token, ending a meeting, and the attendee calls. Each checks the control token (raw or `Basic base64`) and,
 * where the call is host-only, the role it was issued for.
 */
import {
  LOGIN_TYPE_PASSWORD,
  ConferenceIdQuery,
  ConfTokenHeaders,
  ConfTokenResponseSchema,
  ControlEmptyBody,
  ControlTokenHeaders,
  DeleteAttendeesBody,
  errorResponses,
  InviteBody,
  InviteWithPwdBody,
  WsTokenResponseSchema,
} from '@confpush/protocol';
import { SUPPORTED_NOTIFY_TYPES, parseConfAuthorization } from '../auth/meeting-tokens.js';
import { secretEquals } from '../auth/secrets.js';
import { DomainError } from '../domain/errors.js';
import { token as newToken } from '../ids.js';
import { requireControlToken, type ControlRequest } from './control-auth.js';
import { wsUrlOf, type Api, type ApiDeps } from './context.js';
import { LIVE_CONTROL_PREFIX, liveControl } from './live-control.js';

const PREFIX = LIVE_CONTROL_PREFIX;

export function controlRoutes(deps: ApiDeps) {
  return async function register(app: Api): Promise<void> {
    const { meetingTokens } = deps;
    const control = liveControl(app, deps);

    app.get(
      `${PREFIX}/token`,
      {
        schema: {
          summary: 'Obtain a meeting-control token (CreateConfToken)',
          tags: ['huawei: meeting control'],
          querystring: ConferenceIdQuery,
          headers: ConfTokenHeaders,
          response: { 200: ConfTokenResponseSchema, ...errorResponses },
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
        headers: ControlTokenHeaders,
        response: { 200: WsTokenResponseSchema, ...errorResponses },
      },
    };
    const issueWsToken = async (request: ControlRequest) => {
      const held = await requireControlToken(deps, request, false);
      const wsToken = await meetingTokens.issueWsToken(held);
      return { webSocketToken: wsToken.token };
    };
    app.get(`${PREFIX}/wsToken`, wsTokenRoute, issueWsToken);
    // Huawei's own example request uses PUT although the API is GET; accept both.
    app.put(`${PREFIX}/wsToken`, wsTokenRoute, issueWsToken);

    control.call({
      method: 'PUT',
      path: '/stop',
      summary: 'End the meeting; every push socket of it is closed with MEETING_ENDED (4005)',
      querystring: ConferenceIdQuery,
      body: undefined,
      headers: ControlTokenHeaders,
      host: true,
      run: (_query, _body, held) => deps.engine.execute(held.confId, { type: 'stop' }),
    });

    control.call({
      method: 'POST',
      path: '/participants',
      summary:
        'Invite participants: they are added to the attendee list and called (ParticipantsNotify STATE "1", then InviteResultNotify)',
      querystring: ConferenceIdQuery,
      body: InviteBody,
      headers: ControlTokenHeaders,
      host: true,
      run: (_query, { attendees }, held) =>
        deps.quotas.addAttendees(held.confId, attendees, () =>
          deps.engine.execute(held.confId, { type: 'invite', attendees }),
        ),
    });

    app.post(
      `${PREFIX}/inviteWithPwd`,
      {
        schema: {
          summary:
            'Invite a terminal by its number with the meeting ID and the host or guest password (no control token)',
          tags: ['huawei: meeting control'],
          querystring: ConferenceIdQuery,
          body: InviteWithPwdBody,
          response: { 200: ControlEmptyBody, ...errorResponses },
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

    control.call({
      method: 'POST',
      path: '/attendees/delete',
      summary: 'Delete attendees from the attendee list',
      querystring: ConferenceIdQuery,
      body: DeleteAttendeesBody,
      headers: ControlTokenHeaders,
      host: true,
      run: async (_query, { bulkDelAttendInfo: entries }, held) => {
        for (const e of entries) {
          if (!e.number && !e.participantID) {
            throw new DomainError(
              'MMC_INVALID_PARAMETER',
              'each bulkDelAttendInfo entry needs number or participantID',
            );
          }
        }
        await deps.engine.execute(held.confId, { type: 'deleteAttendees', entries });
      },
    });
  };
}

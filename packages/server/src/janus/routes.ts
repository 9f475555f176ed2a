/**
 * The bridge's own HTTP API: `POST /confpush/v1/janus/conferences/{conferenceID}/join` (a browser's way into the
 * meeting's room: the host or guest password, checked and limited like the control-token call, buys a single-use
 * token) and `POST /confpush/v1/janus/events` (Janus's `sampleevh` event handler, HTTP basic auth `janus:<secret>`).
 */
import { errorResponses } from '@confpush/protocol';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { secretEquals } from '../auth/secrets.js';
import { DomainError } from '../domain/errors.js';
import type { MeetingRecord } from '../domain/meeting.js';
import type { AuthAttempts } from '../limits/auth-attempts.js';
import type { SourcePort } from '../sources/source.js';
import type { Store } from '../store/types.js';
import type { JanusEvents } from './events.js';
import type { JanusIdentity } from './identity.js';
import type { Rooms } from './rooms.js';

const TAGS = ['confpush: Janus bridge'];

const JoinParams = Type.Object({
  conferenceID: Type.String({ pattern: '^[1-9][0-9]{0,14}$', description: 'Meeting ID (= the room ID)' }),
});
const JoinBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 96, description: 'Display name (NAME)' }),
    password: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'The host password (role 1) or the guest password (role 0) of the meeting',
    }),
    number: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 127,
        description:
          "An invited attendee's number (`phone` in the attendee list): the participant is that attendee (TEL), " +
          'shown as being called (STATE "1") until it joins the room, then InviteResultNotify `resultCode` "0"',
      }),
    ),
  },
  { additionalProperties: false },
);
const JoinAnswer = Type.Object({
  janusUrl: Type.String({ description: 'The Janus WebSocket API the browser connects to' }),
  room: Type.Integer({ description: 'VideoRoom room ID (= conference ID)' }),
  token: Type.String({ description: 'Single-use join token (`token` of the VideoRoom join)' }),
  display: Type.String({ description: '`display` of the VideoRoom join' }),
  participantID: Type.String({
    description: 'The participant ID in the push; join with `id` = this number',
  }),
  opaqueId: Type.String({ description: 'The `opaqueId` of the handle the page publishes with' }),
  subscriberOpaqueId: Type.String({
    description:
      'The `opaqueId` of every subscriber handle of the page (its round-trip time is measured there)',
  }),
  role: Type.Union([Type.Literal(0), Type.Literal(1)], { description: '1 host, 0 guest' }),
  waiting: Type.Boolean({
    description: 'Held in the waiting room: the token is allowed once the host admits the participant',
  }),
});

export interface JanusRoutesDeps {
  port: () => SourcePort;
  store: Store;
  authAttempts: AuthAttempts;
  identity: JanusIdentity;
  rooms: () => Rooms;
  events: () => JanusEvents;
  publicUrl: string;
  eventsSecret: string;
  /** Called for a participant held in the waiting room (its token is allowed when it is admitted). */
  waiting: (confId: string, pid: string) => void;
}

/** Host (1) or guest (0) by password; wrong password and unknown meeting answer alike. */
function roleOf(record: MeetingRecord | undefined, password: string): 0 | 1 {
  if (!record || record.cancelled) throw new DomainError('CONF_AUTH_FAILED');
  if (secretEquals(password, record.chairPwd)) return 1;
  if (secretEquals(password, record.guestPwd)) return 0;
  throw new DomainError('CONF_AUTH_FAILED');
}

const invited = (attendees: Iterable<Record<string, unknown>>, number: string) =>
  [...attendees].some((a) => a['phone'] === number);

/** Commits the invited attendee as being called; when the meeting refuses it, its token is taken back. */
async function callingJoin(
  deps: JanusRoutesDeps,
  confId: string,
  site: { pid: string; name: string; tel: string; role: 0 | 1; video: boolean; camera: boolean },
  token: string,
): Promise<void> {
  try {
    await deps.port().execute(confId, { type: 'join', site, calling: true });
  } catch (error) {
    await deps
      .rooms()
      .allow(confId, 'remove', [token])
      .catch(() => undefined);
    throw error;
  }
}

function basicAuthOk(header: string | undefined, secret: string): boolean {
  if (!header?.startsWith('Basic ')) return false;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  return secretEquals(decoded, `janus:${secret}`);
}

export function registerJanusRoutes(app: FastifyInstance, deps: JanusRoutesDeps): void {
  app.post(
    '/confpush/v1/janus/conferences/:conferenceID/join',
    {
      schema: {
        summary: "Join a meeting's Janus room: a single-use token for the VideoRoom join",
        tags: TAGS,
        params: JoinParams,
        body: JoinBody,
        response: { 200: JoinAnswer, ...errorResponses },
      },
    },
    async (request): Promise<Static<typeof JoinAnswer>> => {
      const { conferenceID: confId } = request.params as Static<typeof JoinParams>;
      const { name, password, number } = request.body as Static<typeof JoinBody>;
      const role = await deps.authAttempts.guard(
        { address: request.ip, target: `meeting:${confId}` },
        async () => roleOf(await deps.store.meetings.getMeeting(confId), password),
      );
      const state = await deps.port().read(confId);
      if (!state || state.record.state !== 'Created') throw new DomainError('CONF_NOT_STARTED');
      const status = state.streams.ConfDynamicInfoNotify.fields;
      if (role === 0 && status['lock'] === 1) throw new DomainError('CONF_LOCKED');
      if (number !== undefined && !invited(state.streams.AttendeesNotify.items.values(), number))
        throw new DomainError('MMC_INVALID_PARAMETER', `no attendee with number ${number}`);
      const pid = deps.identity.issue(role);
      const token = deps.identity.token(pid);
      const waiting = role === 0 && status['waitingRoomState'] === 1;
      const site = { pid, name, tel: number ?? pid, role, video: true, camera: false };
      try {
        if (waiting) {
          deps.waiting(confId, pid);
          await deps.port().execute(confId, { type: 'join', site: { ...site, viaWaitingRoom: true } });
        } else {
          await deps.rooms().allow(confId, 'add', [token]);
          // An invited attendee is in the meeting, being called, from now on (any node answers its `joined`).
          if (number !== undefined) await callingJoin(deps, confId, site, token);
        }
      } catch (error) {
        if (error instanceof DomainError) throw error;
        request.log.warn({ err: error, confId }, 'Janus refused or did not answer a join token');
        throw new DomainError('UNAVAILABLE', 'the Janus server is not reachable');
      }
      return {
        janusUrl: deps.publicUrl,
        room: Number(confId),
        token,
        display: name,
        participantID: pid,
        opaqueId: deps.identity.opaqueId(confId, pid),
        subscriberOpaqueId: deps.identity.opaqueId(confId, pid, 'subscriber'),
        role,
        waiting,
      };
    },
  );

  app.post(
    '/confpush/v1/janus/events',
    {
      schema: {
        summary: "Janus's HTTP event handler (sampleevh): one event or an array of them",
        tags: TAGS,
        hide: true,
      },
    },
    async (request, reply) => {
      if (!basicAuthOk(request.headers.authorization, deps.eventsSecret)) {
        return reply
          .status(401)
          .header('www-authenticate', 'Basic realm="confpush janus events"')
          .send({ error_code: 'UNAUTHORIZED', error_msg: 'wrong event handler credentials' });
      }
      deps.events().accept(request.body);
      return reply.status(200).send();
    },
  );
}

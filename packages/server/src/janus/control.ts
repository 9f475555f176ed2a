/**
 * Huawei's control calls on a meeting held in a Janus room act on the room first: muting a participant moderates
 * its audio stream, muting everyone moderates every guest's, closing a camera moderates the video stream, hanging
 * up kicks. Only once Janus answered "success" is the change committed (and pushed), then the call answers 200.
 *
 * A participant muting or unmuting itself (a participant token) moderates its audio stream the same way.
 *
 * This is a hook in front of the control routes (they stay unchanged): it takes over a call only when the token is
 * a live token of the meeting (a host's, or a participant's for muting) and every participant it names is one of
 * the bridge's; anything else (a wrong token, a participant that did not come through Janus, a self-unmute the
 * host forbade) goes on to the route as usual, which answers it with its own checks.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseConfAuthorization } from '../auth/meeting-tokens.js';
import type { Command } from '../domain/commands.js';
import { DomainError } from '../domain/errors.js';
import type { SourcePort } from '../sources/source.js';
import type { Store } from '../store/types.js';
import { JanusError } from './client.js';
import type { JanusEvents } from './events.js';
import type { JanusIdentity } from './identity.js';
import { VIDEOROOM_ERRORS, type Rooms } from './rooms.js';

const PREFIX = '/v1/mmc/control/conferences';

export interface JanusControlDeps {
  port: () => SourcePort;
  store: Store;
  identity: JanusIdentity;
  rooms: () => Rooms;
  events: () => JanusEvents;
}

interface Call {
  confId: string;
  /** Role of the caller's token: 1 host, 0 participant (only muting itself is taken over then). */
  role: 0 | 1;
  query: Record<string, unknown>;
  body: Record<string, unknown>;
}

type Handler = (deps: JanusControlDeps, call: Call) => Promise<boolean>;

const participantOf = (call: Call): string => String(call.query['participantID'] ?? '');

/** Participants of the meeting that joined through the bridge. */
async function bridgeParticipants(deps: JanusControlDeps, confId: string): Promise<Map<string, string>> {
  const state = await deps.port().read(confId);
  const roles = new Map<string, string>();
  for (const [pid, item] of state?.streams.ParticipantsNotify.items ?? []) {
    const info = (item['pinfoMap'] ?? {}) as Record<string, string>;
    if (deps.identity.verify(pid)) roles.set(pid, info['ROLE'] ?? '0');
  }
  return roles;
}

/** Commits a command Janus confirmed, in the order of the room's events (an event may have committed it already). */
async function commit(deps: JanusControlDeps, confId: string, command: Command): Promise<void> {
  await deps.events().apply(confId, async () => {
    await deps.port().execute(confId, command);
  });
}

async function moderate(
  deps: JanusControlDeps,
  confId: string,
  pid: string,
  kind: 'audio' | 'video',
  mute: boolean,
) {
  const mid = deps.events().midOf(pid, kind) ?? (kind === 'audio' ? '0' : '1');
  try {
    await deps.rooms().moderate(confId, pid, mid, mute);
  } catch (error) {
    if (noSuchFeed(error))
      throw new DomainError('PARTICIPANT_NOT_FOUND', `participantID ${pid} is not in the room`);
    throw error;
  }
}

/** Janus does not know the participant (it left the room and its leave is on the way). */
const noSuchFeed = (error: unknown) =>
  error instanceof JanusError && error.code === VIDEOROOM_ERRORS.NO_SUCH_FEED;

const HANDLERS: Record<string, Handler> = {
  [`PUT ${PREFIX}/participants/mute`]: async (deps, call) => {
    const pid = participantOf(call);
    if (!(await bridgeParticipants(deps, call.confId)).has(pid)) return false;
    const mute = call.body['isMute'] === 1;
    // A participant unmuting itself while the host forbids it: the route refuses it, Janus is left alone.
    if (call.role !== 1 && !mute && (await selfUnmuteForbidden(deps, call.confId, pid))) return false;
    await moderate(deps, call.confId, pid, 'audio', mute);
    const command: Command = call.role === 1 ? { type: 'mute', pid, mute } : { type: 'selfMute', pid, mute };
    await commit(deps, call.confId, command).catch(async (error: unknown) => {
      // The meeting refused what Janus did (it changed meanwhile): Janus goes back to what the push shows.
      await moderate(deps, call.confId, pid, 'audio', !mute).catch(() => undefined);
      throw error;
    });
    return true;
  },
  [`PUT ${PREFIX}/mute`]: async (deps, call) => {
    const mute = call.body['isMute'] === 1;
    const participants = await bridgeParticipants(deps, call.confId);
    for (const [pid, role] of participants)
      if (role !== '1') await moderate(deps, call.confId, pid, 'audio', mute);
    const allow = call.body['allowUnmuteByOneself'];
    await commit(deps, call.confId, {
      type: 'muteAll',
      mute,
      ...(allow !== undefined ? { allowUnmuteByOneself: allow === 1 } : {}),
    });
    return true;
  },
  [`PUT ${PREFIX}/participants/video`]: async (deps, call) => {
    const pid = participantOf(call);
    if (!(await bridgeParticipants(deps, call.confId)).has(pid)) return false;
    const open = call.body['status'] === 0;
    await moderate(deps, call.confId, pid, 'video', !open);
    await commit(deps, call.confId, { type: 'camera', pid, on: open });
    return true;
  },
  [`POST ${PREFIX}/participants/delete`]: async (deps, call) => {
    const requested = call.body['bulkHangUpParticipants'];
    const pids = [...new Set(Array.isArray(requested) ? requested.map(String) : [])];
    const participants = await bridgeParticipants(deps, call.confId);
    if (pids.length === 0 || !pids.every((pid) => participants.has(pid))) return false;
    for (const pid of pids) deps.events().kicking(pid, true);
    try {
      for (const pid of pids) {
        // A participant the room no longer has is hung up all the same.
        await deps
          .rooms()
          .kick(call.confId, pid)
          .catch((error: unknown) => {
            if (!noSuchFeed(error)) throw error;
          });
      }
      await deps.events().apply(call.confId, async () => {
        const still = await bridgeParticipants(deps, call.confId);
        const left = pids.filter((pid) => still.has(pid));
        if (left.length > 0) await deps.port().execute(call.confId, { type: 'hangUp', pids: left });
      });
    } finally {
      for (const pid of pids) deps.events().kicking(pid, false);
    }
    return true;
  },
};

/** The domain's rule of `selfMute`: unmuting oneself after a mute-all that did not allow it. */
async function selfUnmuteForbidden(deps: JanusControlDeps, confId: string, pid: string): Promise<boolean> {
  const state = await deps.port().read(confId);
  const status = state?.streams.ConfDynamicInfoNotify.fields ?? {};
  const info = (state?.streams.ParticipantsNotify.items.get(pid)?.['pinfoMap'] ?? {}) as Record<
    string,
    string
  >;
  if (info['ROLE'] === '1' || info['IS_COHOST'] === '1') return false;
  return status['mute'] === 1 && status['canUnmute'] === 0;
}

/** The role of a live token of this meeting (anything else is for the route to refuse). */
async function tokenRole(
  deps: JanusControlDeps,
  request: FastifyRequest,
  confId: string,
): Promise<0 | 1 | undefined> {
  const header = request.headers['x-conference-authorization'];
  const raw = parseConfAuthorization(typeof header === 'string' ? header : undefined);
  if (raw === undefined) return undefined;
  const held = await deps.store.tokens.getConfToken(raw);
  if (!held || held.confId !== confId || held.expiresAt <= deps.port().clock.now()) return undefined;
  return held.role;
}

/** The only call a participant token makes on the room: muting or unmuting (a participant, itself). */
const PARTICIPANT_CALLS = new Set([`PUT ${PREFIX}/participants/mute`]);

export function registerJanusControl(app: FastifyInstance, deps: JanusControlDeps): void {
  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    const key = `${request.method} ${request.routeOptions.url ?? ''}`;
    const handler = HANDLERS[key];
    if (!handler) return;
    const query = (request.query ?? {}) as Record<string, unknown>;
    const confId = String(query['conferenceID'] ?? '');
    const role = await tokenRole(deps, request, confId);
    if (role === undefined || (role === 0 && !PARTICIPANT_CALLS.has(key))) return;
    const call: Call = { confId, role, query, body: (request.body ?? {}) as Record<string, unknown> };
    try {
      if (!(await handler(deps, call))) return;
    } catch (error) {
      if (error instanceof JanusError) {
        request.log.warn({ err: error, confId }, 'Janus refused a control call');
        throw new DomainError('UNAVAILABLE', `Janus refused: ${error.message}`);
      }
      throw error;
    }
    return reply.status(200).send();
  });
}

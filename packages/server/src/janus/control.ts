/**
 * Huawei's control calls on a meeting held in a Janus room act on the room first: muting a participant moderates
 * its audio stream, muting everyone moderates every guest's, closing a camera moderates the video stream, hanging
 * up kicks. Only once Janus answered "success" is the change committed (and pushed), then the call answers 200.
 *
 * This is a hook in front of the control routes (they stay unchanged): it takes over a call only when the token is
 * a live host token of the meeting and every participant it names is one of the bridge's; anything else (a wrong
 * token, a guest muting itself, a participant that did not come through Janus) goes on to the route as usual,
 * which answers it with its own checks.
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
    await moderate(deps, call.confId, pid, 'audio', mute);
    await commit(deps, call.confId, { type: 'mute', pid, mute });
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

/** A live host token of this meeting (anything else is for the route to refuse). */
async function hostToken(deps: JanusControlDeps, request: FastifyRequest, confId: string): Promise<boolean> {
  const header = request.headers['x-conference-authorization'];
  const raw = parseConfAuthorization(typeof header === 'string' ? header : undefined);
  if (raw === undefined) return false;
  const held = await deps.store.tokens.getConfToken(raw);
  return !!held && held.confId === confId && held.role === 1 && held.expiresAt > deps.port().clock.now();
}

export function registerJanusControl(app: FastifyInstance, deps: JanusControlDeps): void {
  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    const handler = HANDLERS[`${request.method} ${request.routeOptions.url ?? ''}`];
    if (!handler) return;
    const query = (request.query ?? {}) as Record<string, unknown>;
    const confId = String(query['conferenceID'] ?? '');
    if (!(await hostToken(deps, request, confId))) return;
    const call: Call = { confId, query, body: (request.body ?? {}) as Record<string, unknown> };
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

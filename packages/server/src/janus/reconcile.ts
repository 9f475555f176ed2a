/**
 * After confpush or Janus restarted, the meetings are made to agree with what Janus says (`listparticipants`),
 * committing only the differences: a bridge participant the meeting has but the room has not left (reason
 * 11111001, the media server has no media of it); a publisher the room has but the meeting has not joins; the
 * speakers are those Janus says are talking. A meeting in progress without a room gets one; the room of a meeting
 * that ended is destroyed.
 */
import type { Logger } from 'pino';
import { LEAVE_REASONS } from '../domain/commands.js';
import { DomainError } from '../domain/errors.js';
import type { SourcePort } from '../sources/source.js';
import type { JanusEvents } from './events.js';
import type { JanusIdentity } from './identity.js';
import type { Rooms } from './rooms.js';

export interface ReconcileDeps {
  port: SourcePort;
  rooms: Rooms;
  events: JanusEvents;
  identity: JanusIdentity;
  logger: Logger;
}

export interface ReconcileResult {
  joined: number;
  left: number;
}

/** Reconciles one meeting with its room. */
export async function reconcileMeeting(deps: ReconcileDeps, confId: string): Promise<ReconcileResult> {
  const result = { joined: 0, left: 0 };
  const state = await deps.port.read(confId);
  if (!state) return result;
  if (state.record.state !== 'Created') {
    await deps.rooms.destroy(confId);
    deps.events.forget(confId);
    return result;
  }
  await deps.rooms.ensure(confId);
  const inRoom = new Map(
    ((await deps.rooms.participants(confId)) ?? []).flatMap((p) => {
      const issued = deps.identity.verify(p.id);
      return issued ? [[p.id, { ...p, role: issued.role }] as const] : [];
    }),
  );
  await deps.events.apply(confId, async () => {
    const current = await deps.port.read(confId);
    if (!current) return;
    const inMeeting = current.streams.ParticipantsNotify.items;
    for (const pid of inMeeting.keys()) {
      if (!deps.identity.verify(pid) || inRoom.has(pid)) continue;
      if (await execute(deps, confId, { type: 'leave', pid, reason: LEAVE_REASONS.MCU_NO_MEDIA }))
        result.left += 1;
    }
    for (const [pid, p] of inRoom) {
      deps.events.remember(confId, pid);
      const present = inMeeting.get(pid);
      // An invited attendee whose `joined` was missed (confpush was down): in the room, its call is answered.
      if ((present?.['pinfoMap'] as Record<string, string> | undefined)?.['STATE'] === '1')
        await execute(deps, confId, { type: 'callResult', pid, resultCode: 0 });
      if (present) continue;
      const site = { pid, name: p.display || pid, tel: pid, role: p.role, video: true, camera: false };
      if (await execute(deps, confId, { type: 'join', site })) result.joined += 1;
    }
    const talking = [...inRoom.values()].filter((p) => p.talking).map((p) => p.id);
    await execute(deps, confId, {
      type: 'speakers',
      volumes: talking.map((pid) => ({ pid, volume: 50 })),
    });
  });
  if (result.joined + result.left > 0)
    deps.logger.info({ confId, ...result }, 'meeting reconciled with Janus');
  return result;
}

async function execute(
  deps: ReconcileDeps,
  confId: string,
  command: Parameters<SourcePort['execute']>[1],
): Promise<boolean> {
  try {
    await deps.port.execute(confId, command);
    return true;
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    deps.logger.debug({ confId, command: command.type, code: error.code }, 'reconciliation step refused');
    return false;
  }
}

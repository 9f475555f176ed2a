/**
 * Where a command changes a meeting. `decide` is pure: from the current state, a command and the context (time,
 * ID source) it computes the new record and the per-category changes, without touching the state. The engine
 * assigns sequence numbers, commits, and then applies the changes with the protocol's replica.
 *
 * `HANDLERS` is the one table from command type to the function that decides it; its type makes the checker refuse
 * a command type without a handler. Control and media commands need the meeting in progress (`live`).
 */
import type { PushCategory } from '@confpush/protocol';
import * as captions from './captions.js';
import type { Command, CommandOf, CommandType } from './commands.js';
import { DomainError } from './errors.js';
import * as interpretation from './interpretation.js';
import * as invitations from './invitations.js';
import * as layout from './layout.js';
import * as lifecycle from './lifecycle.js';
import { LiveMeeting, type LiveHandler } from './live-meeting.js';
import type { MeetingRecord, MeetingState } from './meeting.js';
import * as mirror from './mirror.js';
import * as media from './participant-media.js';
import * as participants from './participants.js';
import * as recording from './recording.js';
import * as settings from './settings.js';
import * as speakers from './speakers.js';
import * as waitingRoom from './waiting-room.js';

/** A change to one stream: exactly what its incremental message carries (list items, changed fields, or value). */
export interface Change {
  category: PushCategory;
  payload: unknown;
}

export interface Decision {
  /** The new record, when the command changed it. */
  record?: MeetingRecord;
  changes: Change[];
}

export interface DecideContext {
  now: number;
  newParticipantId(): string;
}

export type Handler<K extends CommandType> = (
  state: MeetingState,
  command: CommandOf<K>,
  ctx: DecideContext,
) => Decision;

/** A handler of a command that only a meeting in progress accepts. */
function live<K extends CommandType>(handler: LiveHandler<K>): Handler<K> {
  return (state, command, ctx) => {
    if (state.record.state !== 'Created') throw new DomainError('CONF_NOT_STARTED');
    const meeting = new LiveMeeting(state, ctx);
    handler(meeting, command);
    return meeting.decision();
  };
}

export const HANDLERS: { readonly [K in CommandType]: Handler<K> } = {
  // management (the scheduler)
  edit: lifecycle.edit,
  start: lifecycle.start,
  stop: lifecycle.stop,
  cancel: lifecycle.cancel,
  // control (meeting-control API and the socket's ConfControl)
  invite: live(invitations.invite),
  multiPicture: live(layout.multiPicture),
  addAttendees: live(invitations.addAttendees),
  deleteAttendees: live(invitations.deleteAttendees),
  hangUp: live(participants.hangUp),
  mute: live(media.mute),
  muteAll: live(media.muteAll),
  allowSelfUnmute: live(media.allowSelfUnmute),
  setChair: live(participants.setChair),
  setCohost: live(participants.setCohost),
  rename: live(participants.rename),
  hands: live(media.hands),
  lock: live(settings.lock),
  updateConfig: live(settings.updateConfig),
  extend: live(settings.extend),
  record: live(recording.record),
  pauseRecord: live(recording.pauseRecord),
  live: live(recording.live),
  pause: live(settings.pause),
  cameraRequest: live(media.cameraRequest),
  shareInvite: live(media.shareInvite),
  broadcast: live(layout.broadcast),
  cancelBroadcast: live(layout.cancelBroadcast),
  rollCall: live(layout.rollCall),
  displayMode: live(layout.displayMode),
  chairView: live(layout.chairView),
  partView: live(layout.partView),
  lockView: live(layout.lockView),
  moveToWaitingRoom: live(waitingRoom.moveToWaitingRoom),
  admit: live(waitingRoom.admit),
  allowClientRecord: live(media.allowClientRecord),
  allowAudience: live(settings.allowAudience),
  setInterpreterGroups: live(interpretation.setInterpreterGroups),
  simultaneousInterpretation: live(interpretation.simultaneousInterpretation),
  subtitles: live(captions.subtitles),
  // media plane (joins, leaves, answers, volumes, quality, captions, sharing, camera)
  join: live(participants.join),
  leave: live(participants.leave),
  callResult: live(participants.callResult),
  speakers: live(speakers.speakers),
  netQuality: live(speakers.netQuality),
  caption: live(captions.caption),
  share: live(media.share),
  camera: live(media.camera),
  selfHand: live(media.selfHand),
  selfMute: live(media.selfMute),
  // a meeting followed elsewhere (the relay)
  mirror: live(mirror.mirror),
  mirrorRecord: mirror.mirrorRecord,
};

/** What a mirrored meeting accepts: it changes only as its upstream does, and ends when the upstream says so. */
const MIRRORED_ACCEPTS: ReadonlySet<CommandType> = new Set(['mirror', 'mirrorRecord', 'stop']);

export function decide(state: MeetingState, command: Command, ctx: DecideContext): Decision {
  if (mirror.isMirrored(state.record) && !MIRRORED_ACCEPTS.has(command.type))
    throw new DomainError(
      'CONF_MIRRORED',
      `${command.type}: the meeting is mirrored from upstream and changes only there`,
    );
  // The table pairs each type with its handler; TypeScript cannot follow that pairing through a union.
  const handler = HANDLERS[command.type] as Handler<CommandType>;
  return handler(state, command, ctx);
}

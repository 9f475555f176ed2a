/**
 * The domain's handler table: one handler per command type (the type checker enforces it; this test states it at
 * run time too), the in-progress gate every control and media command passes, and each command reaching the
 * handler of its concern (the categories it changes, per the meaning of the Huawei control call or media report).
 */
import type { PushCategory } from '@confpush/protocol';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Command, CommandType } from '../src/domain/commands.js';
import { createMeetingState } from '../src/domain/create.js';
import { decide, HANDLERS, type DecideContext } from '../src/domain/decide.js';
import { DomainError } from '../src/domain/errors.js';
import type { MeetingState } from '../src/domain/meeting.js';
import { testRecord } from './store-conformance.js';

const MANAGEMENT = ['edit', 'start', 'stop', 'cancel'] as const;
const CONTROL = [
  'invite',
  'multiPicture',
  'addAttendees',
  'deleteAttendees',
  'hangUp',
  'mute',
  'muteAll',
  'allowSelfUnmute',
  'setChair',
  'setCohost',
  'rename',
  'hands',
  'lock',
  'updateConfig',
  'extend',
  'record',
  'pauseRecord',
  'live',
  'pause',
  'cameraRequest',
  'shareInvite',
  'broadcast',
  'cancelBroadcast',
  'rollCall',
  'displayMode',
  'chairView',
  'partView',
  'lockView',
  'moveToWaitingRoom',
  'admit',
  'allowClientRecord',
  'allowAudience',
  'setInterpreterGroups',
  'simultaneousInterpretation',
  'subtitles',
] as const;
const MEDIA = [
  'join',
  'leave',
  'callResult',
  'speakers',
  'netQuality',
  'caption',
  'share',
  'camera',
  'selfHand',
  'selfMute',
] as const;
const MIRROR = ['mirror', 'mirrorRecord'] as const;

let nextPid = 0;
const ctx: DecideContext = { now: Date.UTC(2026, 11, 6, 9, 0), newParticipantId: () => `pid${++nextPid}` };

/** Applies a decision as the engine does, each change at its stream's next sequence number. */
function applied(state: MeetingState, command: Command): MeetingState {
  const { record, changes } = decide(state, command, ctx);
  for (const { category, payload } of changes) {
    const stream = state.streams[category];
    stream.applyIncremental(payload, (stream.seq ?? 0) + 1);
  }
  return record ? { ...state, record } : state;
}

/** A meeting in progress with a guest `pid1` (phone +8610001, talking), a waiting member `w1`, captions on. */
function liveMeeting(): MeetingState {
  nextPid = 0;
  let state = createMeetingState(
    testRecord('900000001'),
    [{ name: 'Guest', phone: '+8610001' }],
    ctx.newParticipantId,
  );
  state = applied(state, { type: 'join', site: { pid: 'pid1', name: 'Guest', tel: '+8610001' } });
  state = applied(state, { type: 'join', site: { pid: 'w1', name: 'Waiting', viaWaitingRoom: true } });
  state = applied(state, { type: 'subtitles', on: true });
  return state;
}

describe('HANDLERS', () => {
  it('has exactly one handler per command type', () => {
    expectTypeOf<keyof typeof HANDLERS>().toEqualTypeOf<CommandType>();
    expect(Object.keys(HANDLERS).sort()).toEqual([...MANAGEMENT, ...CONTROL, ...MEDIA, ...MIRROR].sort());
  });

  it('refuses every control and media command while the meeting is not in progress', () => {
    for (const phase of ['Schedule', 'Destroyed'] as const) {
      const state = createMeetingState(testRecord('900000002', { state: phase }), [], ctx.newParticipantId);
      for (const type of [...CONTROL, ...MEDIA, ...MIRROR]) {
        let refusal: unknown;
        try {
          decide(state, { type } as Command, ctx);
        } catch (error) {
          refusal = error;
        }
        expect(refusal, `${type} on a meeting in ${phase}`).toBeInstanceOf(DomainError);
        expect((refusal as DomainError).code, type).toBe('CONF_NOT_STARTED');
      }
    }
  });

  it('sends each command to the handler of its concern (the categories it changes)', () => {
    const P: PushCategory = 'ParticipantsNotify';
    const D: PushCategory = 'ConfDynamicInfoNotify';
    const cases: { [K in CommandType]: [Extract<Command, { type: K }>, PushCategory[], before?: Command] } = {
      edit: [{ type: 'edit', patch: { subject: 'x' } }, []], // refused below: the meeting has started
      start: [{ type: 'start' }, []],
      stop: [{ type: 'stop' }, [P, 'WaitingListNotify', D]],
      cancel: [{ type: 'cancel', endIfRunning: true }, [P, 'WaitingListNotify', D]],
      invite: [{ type: 'invite', attendees: [{ name: 'New', phone: '+8610002' }] }, ['AttendeesNotify', P]],
      multiPicture: [
        {
          type: 'multiPicture',
          layout: {
            manualSet: 1,
            imageType: 'Single',
            subscriberInPics: [{ index: 1, subscriber: ['pid1'] }],
          },
        },
        [D],
      ],
      addAttendees: [
        { type: 'addAttendees', attendees: [{ name: 'New', phone: '+8610002' }] },
        ['AttendeesNotify'],
      ],
      deleteAttendees: [{ type: 'deleteAttendees', entries: [{ number: '+8610001' }] }, ['AttendeesNotify']],
      hangUp: [{ type: 'hangUp', pids: ['pid1'] }, [P, 'InviteResultNotify']],
      mute: [{ type: 'mute', pid: 'pid1', mute: true }, [P]],
      muteAll: [{ type: 'muteAll', mute: true }, [P, D]],
      allowSelfUnmute: [{ type: 'allowSelfUnmute', allow: false }, [D]],
      setChair: [{ type: 'setChair', pid: 'pid1', chair: true }, [P]],
      setCohost: [{ type: 'setCohost', pid: 'pid1', cohost: true }, [P]],
      rename: [{ type: 'rename', pid: 'pid1', name: 'Renamed' }, [P, 'AttendeesNotify']],
      hands: [{ type: 'hands', pids: ['pid1'], raised: true }, [P]],
      lock: [{ type: 'lock', locked: true }, [D]],
      updateConfig: [{ type: 'updateConfig', config: { allowRename: 0 } }, [D]],
      extend: [{ type: 'extend', minutes: 15 }, [D]],
      record: [{ type: 'record', recording: true }, [D]],
      pauseRecord: [{ type: 'pauseRecord', paused: true }, [D]],
      live: [{ type: 'live', live: true }, [D]],
      pause: [{ type: 'pause', paused: true }, [D]],
      cameraRequest: [{ type: 'cameraRequest', pid: 'pid1', open: false }, [P]],
      shareInvite: [{ type: 'shareInvite', pid: 'pid1', invite: true }, [P]],
      broadcast: [{ type: 'broadcast', pid: 'pid1' }, [P, D]],
      cancelBroadcast: [{ type: 'cancelBroadcast' }, [P, D], { type: 'broadcast', pid: 'pid1' }],
      rollCall: [{ type: 'rollCall', pid: 'pid1' }, [P, D]],
      displayMode: [{ type: 'displayMode', switchMode: 'Fixed', imageType: 1 }, [D]],
      chairView: [{ type: 'chairView', viewType: 1, on: true }, [D]],
      partView: [{ type: 'partView', pid: 'pid1', viewType: 2 }, [P]],
      lockView: [{ type: 'lockView', pid: 'pid1', locked: true }, [P]],
      moveToWaitingRoom: [{ type: 'moveToWaitingRoom', pids: ['pid1'] }, [P, 'WaitingListNotify']],
      admit: [{ type: 'admit', pids: ['w1'] }, ['WaitingListNotify', P]],
      allowClientRecord: [{ type: 'allowClientRecord', pid: 'pid1', allow: true }, [P]],
      allowAudience: [{ type: 'allowAudience', allow: true }, [D]],
      setInterpreterGroups: [
        {
          type: 'setInterpreterGroups',
          groups: [{ groupID: 'g1', firstLanguage: 'zh', secondLanguage: 'en', interpreters: [] }],
        },
        ['InterpreterGroupNotify'],
      ],
      simultaneousInterpretation: [{ type: 'simultaneousInterpretation', on: true }, [D]],
      subtitles: [{ type: 'subtitles', on: false }, [D]],
      join: [{ type: 'join', site: { pid: 'pid9', name: 'Late' } }, [P]],
      leave: [{ type: 'leave', pid: 'pid1', reason: 11076010 }, [P, 'InviteResultNotify']],
      callResult: [{ type: 'callResult', pid: 'pid1', resultCode: 0 }, []], // refused below: not being called
      speakers: [{ type: 'speakers', volumes: [{ pid: 'pid1', volume: 50 }] }, ['SpeakerChangeNotify']],
      netQuality: [{ type: 'netQuality', reports: [{ pid: 'pid1', delay: 20 }] }, ['NetConditionNotify']],
      caption: [{ type: 'caption', caption: { pid: 'pid1', text: 'hello' } }, ['RealTimeSubtitleNotify']],
      share: [{ type: 'share', pid: 'pid1', sharing: true }, [P]],
      camera: [{ type: 'camera', pid: 'pid1', on: false }, [P]],
      selfHand: [{ type: 'selfHand', pid: 'pid1', raised: true }, [P]],
      selfMute: [{ type: 'selfMute', pid: 'pid1', mute: true }, [P]],
      mirror: [
        { type: 'mirror', targets: [{ category: 'ConfDynamicInfoNotify', payload: { isLocked: 1 } }] },
        [D],
      ],
      mirrorRecord: [{ type: 'mirrorRecord', patch: { subject: 'Renamed upstream' } }, []],
    };
    const refusedOnLiveMeeting: Partial<Record<CommandType, string>> = {
      edit: 'CONF_ALREADY_STARTED',
      callResult: 'MMC_INVALID_PARAMETER',
    };
    for (const [type, [command, categories, before]] of Object.entries(cases) as [
      CommandType,
      [Command, string[], Command?],
    ][]) {
      const state = before ? applied(liveMeeting(), before) : liveMeeting();
      const refusal = refusedOnLiveMeeting[type];
      if (refusal) {
        expect(() => decide(state, command, ctx), type).toThrow(
          expect.objectContaining({ name: 'DomainError', code: refusal }),
        );
        continue;
      }
      const changed = decide(state, command, ctx).changes.map((c) => c.category);
      expect.soft([...new Set(changed)].sort(), type).toEqual([...new Set(categories)].sort());
    }
  });
});

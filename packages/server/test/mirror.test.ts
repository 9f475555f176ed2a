/**
 * The `mirror` command (domain/mirror.ts): the decision is exactly the difference between the upstream state and
 * the committed one — nothing when they agree, the changed `pinfoMap` keys of a participant (an incremental as
 * Huawei sends one, reference §8.3: "in incremental messages only the changed keys"), deletions (`mode` 1) for items
 * gone upstream, changed fields of an object category; per-item `seq` never counts.
 */
import { describe, expect, it } from 'vitest';
import { createMeetingState } from '../src/domain/create.js';
import type { Command } from '../src/domain/commands.js';
import { decide, type DecideContext } from '../src/domain/decide.js';
import { DomainError } from '../src/domain/errors.js';
import type { MeetingState } from '../src/domain/meeting.js';
import { MIRRORED_OWNER_ID } from '../src/domain/mirror.js';
import { testRecord } from './store-conformance.js';

const ctx: DecideContext = { now: Date.UTC(2026, 11, 6, 9, 0), newParticipantId: () => 'generated' };

const zhang = {
  pid: 'uzr571a9brwu11cvcibvru5a7r7rryiy',
  pinfoMap: { NAME: '张三', MUTE: '1', ROLE: '1', STATE: '0', HAND: '0' },
};

/** A meeting in progress that already mirrors one participant (as committed: per-item mode and seq). */
function mirroring(): MeetingState {
  const state = createMeetingState(testRecord('900487914'), [], ctx.newParticipantId);
  state.streams.ParticipantsNotify.applyIncremental([{ ...zhang, mode: 0, seq: 1 }], 1);
  return state;
}

describe('mirror', () => {
  it('decides nothing when the upstream state equals the committed one (seq aside)', () => {
    const decision = decide(
      mirroring(),
      {
        type: 'mirror',
        targets: [{ category: 'ParticipantsNotify', payload: [{ ...zhang, mode: 0, seq: 999 }] }],
      },
      ctx,
    );
    expect(decision.changes).toEqual([]);
  });

  it('sends only the changed pinfoMap keys of a known participant', () => {
    const decision = decide(
      mirroring(),
      {
        type: 'mirror',
        targets: [
          {
            category: 'ParticipantsNotify',
            payload: [{ ...zhang, pinfoMap: { ...zhang.pinfoMap, MUTE: '0' } }],
          },
        ],
      },
      ctx,
    );
    expect(decision.changes).toEqual([
      { category: 'ParticipantsNotify', payload: [{ pid: zhang.pid, mode: 0, pinfoMap: { MUTE: '0' } }] },
    ]);
  });

  it('adds new items whole and deletes items gone upstream; named keys limit the comparison', () => {
    const li = { pid: 'p2x9kq', pinfoMap: { NAME: '李四', MUTE: '1' } };
    const whole = decide(
      mirroring(),
      { type: 'mirror', targets: [{ category: 'ParticipantsNotify', payload: [li] }] },
      ctx,
    );
    expect(whole.changes).toEqual([
      {
        category: 'ParticipantsNotify',
        payload: [
          { pid: zhang.pid, mode: 1 },
          { ...li, mode: 0 },
        ],
      },
    ]);
    const named = decide(
      mirroring(),
      { type: 'mirror', targets: [{ category: 'ParticipantsNotify', payload: [li], keys: ['p2x9kq'] }] },
      ctx,
    );
    expect(named.changes).toEqual([{ category: 'ParticipantsNotify', payload: [{ ...li, mode: 0 }] }]);
  });

  it('sets only the changed fields of an object category and replaces a value', () => {
    const state = mirroring();
    const current = state.streams.ConfDynamicInfoNotify.fields;
    const decision = decide(
      state,
      {
        type: 'mirror',
        targets: [
          { category: 'ConfDynamicInfoNotify', payload: { ...current, lock: 1 } },
          { category: 'SpeakerChangeNotify', payload: [{ pid: zhang.pid, speakingVolume: 80 }] },
        ],
      },
      ctx,
    );
    expect(decision.changes).toEqual([
      { category: 'ConfDynamicInfoNotify', payload: { lock: 1 } },
      { category: 'SpeakerChangeNotify', payload: [{ pid: zhang.pid, speakingVolume: 80 }] },
    ]);
  });
});

describe('a mirrored meeting', () => {
  const mirrored = () =>
    createMeetingState(
      testRecord('900487915', { ownerId: MIRRORED_OWNER_ID, subject: 'Weekly', chairPwd: '111111' }),
      [],
      ctx.newParticipantId,
    );

  it('refuses every command but mirror, mirrorRecord and stop: it changes only upstream', () => {
    for (const command of [
      { type: 'join', site: { pid: 'local', name: 'Local' } },
      { type: 'subtitles', on: true },
      { type: 'lock', locked: true },
      { type: 'netQuality', reports: [{ pid: zhang.pid, delay: 10 }] },
    ] satisfies Command[]) {
      let refusal: unknown;
      try {
        decide(mirrored(), command, ctx);
      } catch (error) {
        refusal = error;
      }
      expect(refusal, command.type).toBeInstanceOf(DomainError);
      expect((refusal as DomainError).code, command.type).toBe('CONF_MIRRORED');
    }
    expect(decide(mirrored(), { type: 'stop' }, ctx).record?.state).toBe('Destroyed');
  });

  it('takes only the differing fields of the upstream details into its record, and no stream change', () => {
    const same = decide(
      mirrored(),
      { type: 'mirrorRecord', patch: { subject: 'Weekly', chairPwd: '111111' } },
      ctx,
    );
    expect(same).toEqual({ changes: [] });
    const renamed = decide(
      mirrored(),
      { type: 'mirrorRecord', patch: { subject: 'Weekly (moved)', chairPwd: '111111', length: 90 } },
      ctx,
    );
    expect(renamed.changes).toEqual([]);
    expect(renamed.record).toMatchObject({ subject: 'Weekly (moved)', chairPwd: '111111', length: 90 });
    expect(renamed.record?.updatedAt).toBe(ctx.now);
  });
});

/**
 * Property: for any sequence of participant incrementals (with occasional rebuilding full messages), the change
 * events `MeetingReplica` emits are consistent with the state it ends in — a listener that folds the events
 * reconstructs exactly the final participant list, and every derived event agrees with the update it came from.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MeetingReplica, type MeetingChange, type Participant } from '../src/index.js';
import { full, inc, participant } from './support/frames.js';

const pid = fc.constantFrom('a', 'b', 'c', 'd', 'e');
const pinfo = fc.record(
  {
    NAME: fc.constantFrom('Ann', 'Ben', 'Cy'),
    MUTE: fc.constantFrom('0', '1'),
    HAND: fc.constantFrom('0', '1'),
    ROLE: fc.constantFrom('0', '1', '2'),
    SHARE: fc.constantFrom('0', '1'),
    EXTRA_KEY: fc.constantFrom('x', 'y'),
  },
  { requiredKeys: [] },
);

type Op =
  | { kind: 'upsert'; pid: string; pinfo: Record<string, string> }
  | { kind: 'delete'; pid: string }
  | { kind: 'full'; items: { pid: string; pinfo: Record<string, string> }[] };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('upsert' as const), pid, pinfo }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), pid }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('full' as const),
      items: fc.uniqueArray(fc.record({ pid, pinfo }), { selector: (i) => i.pid, maxLength: 4 }),
    }),
  },
);

/** What a listener learns from the events alone. */
function fold(changes: readonly MeetingChange[]) {
  const people = new Map<string, Participant>();
  const muted = new Map<string, boolean>();
  const hands = new Map<string, boolean>();
  for (const change of changes) {
    switch (change.type) {
      case 'participantJoined':
        people.set(change.participant.pid, change.participant);
        muted.set(change.participant.pid, change.participant.muted ?? false);
        hands.set(change.participant.pid, change.participant.handUp ?? false);
        break;
      case 'participantUpdated':
        people.set(change.participant.pid, change.participant);
        break;
      case 'participantLeft':
        people.delete(change.participant.pid);
        muted.delete(change.participant.pid);
        hands.delete(change.participant.pid);
        break;
      case 'muted':
      case 'unmuted':
        muted.set(change.participant.pid, change.type === 'muted');
        break;
      case 'handRaised':
      case 'handLowered':
        hands.set(change.participant.pid, change.type === 'handRaised');
        break;
      default:
        break;
    }
  }
  return { people, muted, hands };
}

/** The events one update must be followed by, derived independently from its previous and new values. */
function expectedFollowUps(previous: Participant, next: Participant): string[] {
  const out: string[] = [];
  if ((previous.muted ?? false) !== (next.muted ?? false)) out.push(next.muted ? 'muted' : 'unmuted');
  if ((previous.handUp ?? false) !== (next.handUp ?? false))
    out.push(next.handUp ? 'handRaised' : 'handLowered');
  if (previous.role && next.role && previous.role !== next.role) out.push('roleChanged');
  return out;
}

describe('MeetingReplica change events (property)', () => {
  it('fold to the final participant state, and every update carries exactly the right follow-up events', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const replica = new MeetingReplica();
        const all: MeetingChange[] = [];
        const model = new Map<string, Record<string, string>>();
        replica.applyFrame(full('ParticipantsNotify', [], { epoch: 'e', seq: 0 }));
        let seq = 0;

        for (const o of ops) {
          let frame: Record<string, unknown>;
          if (o.kind === 'full') {
            model.clear();
            for (const item of o.items) model.set(item.pid, { ...item.pinfo });
            frame = full(
              'ParticipantsNotify',
              o.items.map((i) => participant(i.pid, i.pinfo)),
              { epoch: 'e', seq },
            );
          } else if (o.kind === 'delete') {
            model.delete(o.pid);
            frame = inc('ParticipantsNotify', ++seq, [participant(o.pid, {}, 1)]);
          } else {
            model.set(o.pid, { ...model.get(o.pid), ...o.pinfo });
            frame = inc('ParticipantsNotify', ++seq, [participant(o.pid, o.pinfo)]);
          }
          const result = replica.applyFrame(frame);
          expect(result.outcome).toBe('applied');

          // Per frame: each update is followed by exactly the derived events its values imply.
          result.changes.forEach((change, index) => {
            if (change.type !== 'participantUpdated') return;
            expect(change.changed.length + change.changedKeys.length).toBeGreaterThan(0);
            for (const key of change.changed)
              expect(change.previous[key]).not.toEqual(change.participant[key]);
            const followUps = result.changes
              .slice(index + 1)
              .filter((c) => 'participant' in c && c.participant.pid === change.participant.pid)
              .map((c) => c.type)
              .filter(
                (t) => t !== 'participantUpdated' && t !== 'participantJoined' && t !== 'participantLeft',
              );
            expect(followUps).toEqual(expectedFollowUps(change.previous, change.participant));
          });
          all.push(...result.changes);
        }

        const final = replica.participants;
        const learned = fold(all);
        expect(new Set(learned.people.keys())).toEqual(new Set(final.keys()));
        for (const [id, p] of final) {
          expect(learned.people.get(id)).toEqual(p);
          expect(learned.muted.get(id)).toBe(p.muted ?? false);
          expect(learned.hands.get(id)).toBe(p.handUp ?? false);
          expect(p.pinfo).toEqual(model.get(id));
        }
        expect(new Set(final.keys())).toEqual(new Set(model.keys()));
      }),
      { numRuns: 300 },
    );
  });

  it('without describing some frames, the views end the same and the described frames still diff correctly', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(op, fc.boolean()), { maxLength: 60 }), (steps) => {
        const described = new MeetingReplica();
        const partly = new MeetingReplica();
        for (const r of [described, partly])
          r.applyFrame(full('ParticipantsNotify', [], { epoch: 'e', seq: 0 }));
        let seq = 0;
        for (const [o, describe] of steps) {
          const frame =
            o.kind === 'full'
              ? full(
                  'ParticipantsNotify',
                  o.items.map((i) => participant(i.pid, i.pinfo)),
                  { epoch: 'e', seq },
                )
              : inc('ParticipantsNotify', ++seq, [
                  o.kind === 'delete' ? participant(o.pid, {}, 1) : participant(o.pid, o.pinfo),
                ]);
          // Both see the same frame (the replica keeps items by reference, so each gets its own copy).
          const expected = described.applyFrame(structuredClone(frame));
          const result = partly.applyFrame(structuredClone(frame), { describe });
          expect(result.outcome).toBe(expected.outcome);
          expect(result.changes).toEqual(describe ? expected.changes : []);
          // Reading the views only now and then: a view dropped by an undescribed frame is parsed again.
          if (seq % 3 === 0) expect(partly.participants).toEqual(described.participants);
        }
        expect(partly.participants).toEqual(described.participants);
      }),
      { numRuns: 300 },
    );
  });
});

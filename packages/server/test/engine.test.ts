/**
 * The engine through its real parts (domain, SQLite store, hub): random command sequences with subscribers joining
 * at random moments; every subscriber's replica, built only from the bytes it was sent, equals the committed state,
 * and so does the state reloaded from the store.
 */
import { systemClock } from '../src/clock.js';
import { CategoryReplica, PUSH_CATEGORIES, type PushCategory } from '@confpush/protocol';
import fc from 'fast-check';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { AttendeeInput } from '../src/domain/attendees.js';
import type { Command, InterpreterGroupInput } from '../src/domain/commands.js';
import type { MeetingRecord } from '../src/domain/meeting.js';
import { MemoryBroker } from '../src/broker/memory.js';
import { Engine, newEpoch } from '../src/engine/engine.js';
import { Hub, type Subscriber } from '../src/hub/hub.js';
import { payloadOf, type WireFrame } from '../src/hub/wire.js';
import { SqliteStore } from '../src/store/sqlite.js';
import type { CommitEntry } from '../src/store/types.js';
import { tempDir } from './helpers.js';
import { testRecord } from './store-conformance.js';

const logger = pino({ level: 'silent' });
const clock = systemClock;

function record(confId: string, state: 'Schedule' | 'Created' = 'Schedule'): MeetingRecord {
  const now = Date.now();
  return testRecord(confId, {
    subject: 'property',
    confType: 'FUTURE',
    scheduledStartAt: now + 3_600_000,
    state,
    startedAt: state === 'Created' ? now : null,
  });
}

class Recorder implements Subscriber {
  readonly replicas = new Map<PushCategory, CategoryReplica>();
  outcomes: string[] = [];
  ended = false;
  constructor() {
    for (const c of PUSH_CATEGORIES) this.replicas.set(c, new CategoryReplica(c));
  }
  deliver(category: PushCategory, _seq: number, frame: WireFrame): void {
    this.outcomes.push(
      this.replicas.get(category)!.applyFrame(JSON.parse(payloadOf(frame).toString('utf8'))),
    );
  }
  meetingEnded(): void {
    this.ended = true;
  }
}

const phone = fc.constantFrom('+1', '+2', '+3', '+4', '+5');
const attendee: fc.Arbitrary<AttendeeInput> = fc.record({
  name: fc.string({ maxLength: 8 }),
  phone,
  role: fc.constantFrom(0, 1),
  isMute: fc.constantFrom(0, 1),
});
const pid = fc.constantFrom('p1', 'p2', 'p3', 'p4');
const flagBool = fc.boolean();
const managementCommand: fc.Arbitrary<Command> = fc.oneof(
  fc.record({
    type: fc.constant('edit' as const),
    patch: fc.record({ subject: fc.string({ maxLength: 10 }), length: fc.integer({ min: 15, max: 120 }) }),
    attendees: fc.option(fc.array(attendee, { maxLength: 4 }), { nil: undefined }),
  }),
  fc.constant({ type: 'start' as const }),
  fc.constant({ type: 'stop' as const }),
);
const liveCommand: fc.Arbitrary<Command> = fc.oneof(
  fc.record({
    type: fc.constant('addAttendees' as const),
    attendees: fc.array(attendee, { minLength: 1, maxLength: 3 }),
  }),
  fc.record({
    type: fc.constant('invite' as const),
    attendees: fc.array(attendee, { minLength: 1, maxLength: 2 }),
  }),
  fc.record({
    type: fc.constant('deleteAttendees' as const),
    entries: fc.array(fc.record({ number: phone }), { minLength: 1, maxLength: 2 }),
  }),
  fc.record({
    type: fc.constant('join' as const),
    site: fc.record({
      pid,
      name: fc.string({ maxLength: 6 }),
      tel: phone,
      role: fc.constantFrom(0, 1) as fc.Arbitrary<0 | 1>,
      viaWaitingRoom: flagBool,
    }),
  }),
  fc.record({
    type: fc.constant('leave' as const),
    pid,
    reason: fc.constantFrom(11111001, 11076010, 11076016),
  }),
  fc.record({ type: fc.constant('callResult' as const), pid, resultCode: fc.constantFrom(0, 0, 11111003) }),
  fc.record({ type: fc.constant('hangUp' as const), pids: fc.array(pid, { minLength: 1, maxLength: 2 }) }),
  fc.record({ type: fc.constant('mute' as const), pid, mute: flagBool }),
  fc.record({ type: fc.constant('muteAll' as const), mute: flagBool, allowUnmuteByOneself: flagBool }),
  fc.record({ type: fc.constant('selfMute' as const), pid, mute: flagBool }),
  fc.record({
    type: fc.constant('hands' as const),
    pids: fc.array(pid, { minLength: 1, maxLength: 3 }),
    raised: flagBool,
  }),
  fc.record({ type: fc.constant('setChair' as const), pid, chair: flagBool }),
  fc.record({ type: fc.constant('setCohost' as const), pid, cohost: flagBool }),
  fc.record({ type: fc.constant('rename' as const), pid, name: fc.string({ maxLength: 6 }) }),
  fc.record({ type: fc.constant('lock' as const), locked: flagBool }),
  fc.record({ type: fc.constant('broadcast' as const), pid }),
  fc.constant({ type: 'cancelBroadcast' as const }),
  fc.record({ type: fc.constant('rollCall' as const), pid }),
  fc.record({
    type: fc.constant('moveToWaitingRoom' as const),
    pids: fc.array(pid, { minLength: 1, maxLength: 2 }),
  }),
  fc.record({
    type: fc.constant('admit' as const),
    pids: fc.oneof(fc.constant('all' as const), fc.array(pid, { minLength: 1, maxLength: 2 })),
  }),
  fc.record({
    type: fc.constant('speakers' as const),
    volumes: fc.array(fc.record({ pid, volume: fc.integer({ min: 0, max: 100 }) }), { maxLength: 4 }),
  }),
  fc.record({
    type: fc.constant('netQuality' as const),
    reports: fc.array(fc.record({ pid, delay: fc.nat(500), lostPacketRate: fc.nat(2000) }), {
      minLength: 1,
      maxLength: 2,
    }),
  }),
  fc.record({ type: fc.constant('subtitles' as const), on: flagBool }),
  fc.record({
    type: fc.constant('caption' as const),
    caption: fc.record({ pid, text: fc.string({ maxLength: 12 }) }),
  }),
  fc.record({ type: fc.constant('share' as const), pid, sharing: flagBool }),
  fc.record({ type: fc.constant('extend' as const), minutes: fc.integer({ min: 1, max: 60 }) }),
  fc.record({
    type: fc.constant('updateConfig' as const),
    config: fc.record({
      isLock: fc.constantFrom(0, 1) as fc.Arbitrary<0 | 1>,
      chatPermission: fc.constantFrom(1, 4) as fc.Arbitrary<1 | 4>,
    }),
  }),
  fc.record({
    type: fc.constant('setInterpreterGroups' as const),
    groups: fc.array(
      fc.record({
        groupID: fc.constantFrom('g1', 'g2'),
        firstLanguage: fc.constant('en'),
        secondLanguage: fc.constantFrom('zh', 'fr'),
        interpreters: fc.constant<InterpreterGroupInput['interpreters']>([]),
      }),
      { maxLength: 2 },
    ),
  }),
);
const command: fc.Arbitrary<Command> = fc.oneof(
  { arbitrary: managementCommand, weight: 1 },
  { arbitrary: liveCommand, weight: 6 },
);

describe('Engine', () => {
  it('keeps every subscriber replica equal to the committed and the stored state (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(command, { maxLength: 25 }),
        fc.array(fc.nat(25), { maxLength: 4 }),
        async (commands, joins) => {
          const dir = tempDir();
          const store = new SqliteStore({ dataDir: dir, syncMode: 'normal', logRetention: 50, newEpoch });
          const engine = new Engine({
            store: store.meetings,
            broker: new MemoryBroker(),
            nodeId: 'n1',
            clock,
            logger,
            recentCapacity: 50,
          });
          const hub = new Hub(clock);
          engine.addListener(hub);
          const confId = '900000001';
          await engine.createMeeting(record(confId, 'Created'), [{ name: 'first', phone: '+1' }]);
          const recorders: Recorder[] = [];
          const join = async () => {
            const runtime = (await engine.load(confId))!;
            const r = new Recorder();
            for (const c of PUSH_CATEGORIES) {
              hub.subscribe(confId, c, r);
              r.deliver(c, 0, hub.fullFrame(runtime, c));
            }
            recorders.push(r);
          };
          await join();
          // Commands are fired without awaiting each, so they pipeline into shared batches.
          const pending: Promise<unknown>[] = [];
          for (const [i, cmd] of commands.entries()) {
            if (joins.includes(i)) {
              await Promise.allSettled(pending.splice(0));
              await join();
            }
            pending.push(engine.execute(confId, cmd).catch(() => undefined));
          }
          await Promise.allSettled(pending);
          await engine.drain();
          const runtime = (await engine.load(confId))!;
          for (const r of recorders) {
            expect(r.outcomes.filter((o) => o !== 'applied')).toEqual([]);
            // A subscriber is closed when the meeting ends; its last status is that end.
            if (r.ended) {
              expect(r.replicas.get('ConfDynamicInfoNotify')!.fields['state']).toBe('Destroyed');
              continue;
            }
            for (const c of PUSH_CATEGORIES) {
              expect(r.replicas.get(c)!.snapshot(), c).toEqual(runtime.committed.streams[c].snapshot());
            }
          }
          // What is stored equals what is committed (a reload sees the same state and positions).
          const reloaded = new Engine({
            store: store.meetings,
            broker: new MemoryBroker(),
            nodeId: 'n1',
            clock,
            logger,
            recentCapacity: 50,
          });
          const fresh = (await reloaded.load(confId))!;
          for (const c of PUSH_CATEGORIES) {
            expect(fresh.committed.streams[c].snapshot(), c).toEqual(runtime.committed.streams[c].snapshot());
            expect(fresh.committed.streams[c].seq).toBe(runtime.committed.streams[c].seq);
            expect(fresh.committed.streams[c].epoch).toBe(runtime.committed.streams[c].epoch);
          }
          expect(fresh.committed.record).toEqual(runtime.committed.record);
          await store.close();
        },
      ),
      { numRuns: 60 },
    );
  });

  it('groups concurrent commands into few store transactions', async () => {
    const store = new SqliteStore({ dataDir: tempDir(), syncMode: 'normal', logRetention: 10, newEpoch });
    const engine = new Engine({
      store: store.meetings,
      broker: new MemoryBroker(),
      nodeId: 'n1',
      clock,
      logger,
      recentCapacity: 10,
    });
    await engine.createMeeting(record('900000002', 'Created'), []);
    const before = engine.commitCount;
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        engine.execute('900000002', { type: 'addAttendees', attendees: [{ name: `n${i}`, phone: `+${i}` }] }),
      ),
    );
    const runtime = (await engine.load('900000002'))!;
    expect(runtime.committed.streams.AttendeesNotify.seq).toBe(200);
    expect(engine.commitCount - before).toBeLessThan(20);
    await store.close();
  });

  it('refuses a command and changes nothing when the store fails, then recovers from the store', async () => {
    const store = new SqliteStore({ dataDir: tempDir(), syncMode: 'normal', logRetention: 10, newEpoch });
    const engine = new Engine({
      store: store.meetings,
      broker: new MemoryBroker(),
      nodeId: 'n1',
      clock,
      logger,
      recentCapacity: 10,
    });
    const hub = new Hub(clock);
    engine.addListener(hub);
    await engine.createMeeting(record('900000003', 'Created'), [{ name: 'a', phone: '+1' }]);
    const recorder = new Recorder();
    hub.subscribe('900000003', 'AttendeesNotify', recorder);
    const realCommit = store.meetings.commit.bind(store.meetings);
    let fail = true;
    store.meetings.commit = async (entries: readonly CommitEntry[]) => {
      if (fail) throw new Error('disk full');
      return realCommit(entries);
    };
    await expect(
      engine.execute('900000003', { type: 'addAttendees', attendees: [{ name: 'b', phone: '+2' }] }),
    ).rejects.toThrow('disk full');
    expect(recorder.outcomes).toEqual([]);
    fail = false;
    await engine.execute('900000003', { type: 'addAttendees', attendees: [{ name: 'c', phone: '+3' }] });
    const runtime = (await engine.load('900000003'))!;
    const names = [...runtime.committed.streams.AttendeesNotify.items.values()].map((i) => i['name']);
    expect(names).toEqual(['a', 'c']);
    expect(runtime.committed.streams.AttendeesNotify.seq).toBe(1);
    await store.close();
  });
});

/**
 * The store contract (src/store/types.ts) as one suite, run against every backend: `describeStore(name, fixture)`
 * (store.sqlite.test.ts, store.redis.test.ts). Identity, tokens (single use of a WebSocket token even when two
 * store instances — two nodes — take it at once), meetings (creation, commit, log trimming, listing) and, for
 * stores shared by several nodes, commit atomicity and conflict detection.
 */
import { PUSH_CATEGORIES, type Item } from '@confpush/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMeetingState } from '../src/domain/create.js';
import type { MeetingRecord, MeetingState } from '../src/domain/meeting.js';
import { newEpoch } from '../src/engine/engine.js';
import { hex32, token } from '../src/ids.js';
import type {
  AccessToken,
  CommitEntry,
  EntryPosition,
  Store,
  StreamWrite,
  User,
} from '../src/store/types.js';

export interface StoreFixture {
  /** A store on fresh, empty data. */
  open(options: { logRetention: number }): Promise<Store>;
  /** Another instance on the same data (what a second node would open); registered for closing by the fixture. */
  peer(store: Store): Promise<Store>;
  /** Shared by several nodes: refuses entries built on an outdated position (`SharedMeetingStore`). */
  shared: boolean;
}

export function testRecord(confId: string, overrides: Partial<MeetingRecord> = {}): MeetingRecord {
  const now = Date.now();
  return {
    conferenceID: confId,
    confUUID: hex32(),
    corpId: '100000001',
    ownerId: 'owner',
    ownerName: 'Owner',
    ownerUserType: 2,
    subject: 'conformance',
    mediaTypes: 'HDVideo',
    confType: 'IMMEDIATELY',
    scheduledStartAt: now,
    length: 60,
    state: 'Created',
    startedAt: now,
    endedAt: null,
    cancelled: false,
    timeZoneID: null,
    language: 'zh-CN',
    chairPwd: '123456',
    guestPwd: '654321',
    chairJoinUri: 'http://x/#/j/1/a',
    guestJoinUri: 'http://x/#/j/1/b',
    audienceJoinUri: 'http://x/#/j/1/c',
    accessNumber: '+991117',
    recordType: 0,
    isAutoRecord: 0,
    liveAddress: null,
    auxAddress: null,
    recordAuxStream: 0,
    recordAuthType: 0,
    encryptMode: null,
    vmrFlag: 0,
    vmrID: null,
    concurrentParticipants: 0,
    supportSimultaneousInterpretation: false,
    confResType: 0,
    groupuri: null,
    confConfigInfo: {},
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}

let pids = 0;
const newPid = () => `p${++pids}`;
let confIds = 0;
const newConfId = () => `${900000000 + Math.floor(Math.random() * 90_000_000) + ++confIds}`;

/** A creation entry (every stream at seq 0 under a new epoch). */
function creation(record: MeetingRecord, attendees: { name: string; phone: string }[] = []) {
  const state = createMeetingState(record, attendees, newPid);
  for (const replica of Object.values(state.streams)) replica.epoch = newEpoch();
  const entry: CommitEntry = {
    confId: record.conferenceID,
    created: state,
    writes: [],
    position: { nodeId: 'n1', id: `c-${record.conferenceID}`, base: '', rev: 1 },
  };
  return { state, entry };
}

/** An entry that adds (or, with `remove`, deletes) attendees as the engine would write it. */
function attendeeWrite(state: MeetingState, seq: number, names: string[], remove = false): StreamWrite {
  const replica = state.streams.AttendeesNotify;
  const payload = names.map((name) => ({
    participantID: `pid-${name}`,
    name,
    phone: `+1${name.length}`,
    mode: remove ? 1 : 0,
    seq,
  })) as Item[];
  return {
    category: 'AttendeesNotify',
    epoch: replica.epoch ?? '',
    seq,
    createdAt: 1_700_000_000_000 + seq,
    payload,
    items: payload.map((item) => ({ key: String(item['participantID']), value: remove ? null : item })),
  };
}

function position(rev: number, base: string, id = `e${rev}-${hex32().slice(0, 6)}`): EntryPosition {
  return { nodeId: 'n1', id, base, rev };
}

function user(overrides: Partial<User> = {}): User {
  return {
    userId: hex32(),
    corpId: '100000001',
    account: null,
    thirdAccount: null,
    appId: null,
    passwordHash: null,
    name: 'U',
    email: null,
    phone: null,
    sipNumber: '+99100000000001',
    userType: 2,
    adminType: 2,
    createdAt: Date.now(),
    ...overrides,
  };
}

function accessToken(userId: string, createdAt: number, clientType = 72): AccessToken {
  return {
    token: token('cpt'),
    userId,
    clientType,
    tokenIp: '127.0.0.1',
    createdAt,
    expiresAt: Date.now() + 3_600_000,
    refreshToken: token('cpr'),
    refreshExpiresAt: Date.now() + 7_200_000,
  };
}

export function describeStore(name: string, fixture: StoreFixture): void {
  const open = (logRetention = 100) => fixture.open({ logRetention });

  describe(`${name} store`, () => {
    describe('identity', () => {
      it('keeps enterprises and apps; an upsert keeps the creation time', async () => {
        const store = await open();
        await store.identity.putCorp({ corpId: 'c1', spId: null, name: 'one', createdAt: 1 });
        await store.identity.putCorp({ corpId: 'c1', spId: 'sp', name: 'uno', createdAt: 2 });
        expect(await store.identity.getCorp('c1')).toEqual({
          corpId: 'c1',
          spId: 'sp',
          name: 'uno',
          createdAt: 1,
        });
        expect(await store.identity.getCorp('c2')).toBeUndefined();
        const app = {
          appId: hex32(),
          appKey: 'k',
          kind: 'sp' as const,
          corpId: null,
          spId: 'sp',
          createdAt: 5,
        };
        await store.identity.putApp(app);
        await store.identity.putApp({
          ...app,
          appKey: 'k2',
          kind: 'enterprise',
          corpId: 'c1',
          spId: null,
          createdAt: 9,
        });
        expect(await store.identity.getApp(app.appId)).toEqual({
          ...app,
          appKey: 'k2',
          kind: 'enterprise',
          corpId: 'c1',
          spId: null,
        });
        expect(await store.identity.getApp('nope')).toBeUndefined();
      });

      it('finds users by id, account and third-party account; an update keeps what a user cannot change', async () => {
        const store = await open();
        const u = user({ account: `a-${hex32()}`, thirdAccount: 't1', appId: 'app1', email: 'x@y' });
        await store.identity.putUser(u);
        expect(await store.identity.getUser(u.userId)).toEqual(u);
        expect(await store.identity.findUserByAccount(u.account!)).toEqual(u);
        expect(await store.identity.findUserByThirdAccount(u.corpId, 'app1', 't1')).toEqual(u);
        expect(await store.identity.findUserByThirdAccount(u.corpId, 'app2', 't1')).toBeUndefined();

        const renamed = `b-${hex32()}`;
        await store.identity.putUser({
          ...u,
          account: renamed,
          name: 'V',
          email: null,
          adminType: 0,
          corpId: 'other',
          sipNumber: '+1',
          createdAt: 1,
        });
        const updated = { ...u, account: renamed, name: 'V', email: null, adminType: 0 };
        expect(await store.identity.getUser(u.userId)).toEqual(updated);
        expect(await store.identity.findUserByAccount(u.account!)).toBeUndefined();
        expect(await store.identity.findUserByAccount(renamed)).toEqual(updated);
      });

      it('refuses an account name that belongs to another user, changing nothing', async () => {
        const store = await open();
        const account = `dup-${hex32()}`;
        const first = user({ account });
        await store.identity.putUser(first);
        await expect(store.identity.putUser(user({ account }))).rejects.toThrow();
        expect(await store.identity.findUserByAccount(account)).toEqual(first);
      });

      it('records a nonce once until it expires', async () => {
        const store = await open();
        const nonce = hex32();
        const now = Date.now();
        expect(await store.identity.useNonce('app', nonce, now + 100, now)).toBe(true);
        expect(await store.identity.useNonce('app', nonce, now + 100, now)).toBe(false);
        expect(await store.identity.useNonce('other', nonce, now + 100, now)).toBe(true);
        await new Promise((r) => setTimeout(r, 250));
        const later = Date.now();
        expect(await store.identity.useNonce('app', nonce, later + 100, later)).toBe(true);
      });

      it('keeps, updates and deletes access tokens; keeps the newest maxPerUser per user and client type', async () => {
        const store = await open();
        const userId = hex32();
        const tokens = [0, 1, 2, 3].map((i) => accessToken(userId, Date.now() + i));
        for (const t of tokens) await store.identity.putAccessToken(t, 2);
        const other = accessToken(userId, Date.now(), 73);
        await store.identity.putAccessToken(other, 2);
        const held = await Promise.all(tokens.map((t) => store.identity.getAccessToken(t.token)));
        expect(held.map((t) => t?.token)).toEqual([undefined, undefined, tokens[2]!.token, tokens[3]!.token]);
        expect(await store.identity.getAccessToken(other.token)).toEqual(other);

        const renewed = { ...tokens[3]!, expiresAt: tokens[3]!.expiresAt + 1000, refreshToken: token('cpr') };
        await store.identity.updateAccessToken(renewed);
        expect(await store.identity.getAccessToken(renewed.token)).toEqual(renewed);
        await store.identity.deleteAccessToken(renewed.token);
        expect(await store.identity.getAccessToken(renewed.token)).toBeUndefined();
        await store.identity.updateAccessToken(renewed);
        expect(await store.identity.getAccessToken(renewed.token)).toBeUndefined();
      });
    });

    describe('tokens', () => {
      it('keeps control tokens, updates their expiry and revokes every token of a meeting', async () => {
        const store = await open();
        const now = Date.now();
        const a = {
          token: token('cpc'),
          confId: 'm1',
          role: 1 as const,
          createdAt: now,
          expiresAt: now + 60_000,
        };
        const b = { ...a, token: token('cpc'), role: 0 as const };
        const c = { ...a, token: token('cpc'), confId: 'm2' };
        for (const t of [a, b, c]) await store.tokens.putConfToken(t);
        expect(await store.tokens.getConfToken(a.token)).toEqual(a);
        await store.tokens.updateConfToken({ ...a, expiresAt: now + 120_000 });
        expect((await store.tokens.getConfToken(a.token))?.expiresAt).toBe(now + 120_000);
        await store.tokens.deleteConfTokens('m1');
        expect(await store.tokens.getConfToken(a.token)).toBeUndefined();
        expect(await store.tokens.getConfToken(b.token)).toBeUndefined();
        expect(await store.tokens.getConfToken(c.token)).toEqual(c);
      });

      it('gives a WebSocket token out once, expired or not', async () => {
        const store = await open();
        const live = { token: token('cpw'), confId: 'm1', confToken: 'ct', expiresAt: Date.now() + 60_000 };
        const expired = { ...live, token: token('cpw'), expiresAt: Date.now() - 1 };
        await store.tokens.putWsToken(live);
        await store.tokens.putWsToken(expired);
        expect(await store.tokens.consumeWsToken(live.token)).toEqual(live);
        expect(await store.tokens.consumeWsToken(live.token)).toBeUndefined();
        expect(await store.tokens.consumeWsToken(expired.token)).toEqual(expired);
        expect(await store.tokens.consumeWsToken('nope')).toBeUndefined();
      });

      it('gives a WebSocket token to exactly one of two store instances taking it at once', async () => {
        const a = await open();
        const b = await fixture.peer(a);
        const issued = Array.from({ length: 40 }, () => ({
          token: token('cpw'),
          confId: 'm1',
          confToken: 'ct',
          expiresAt: Date.now() + 60_000,
        }));
        for (const t of issued) await a.tokens.putWsToken(t);
        const taken = await Promise.all(
          issued.map((t) =>
            Promise.all([a.tokens.consumeWsToken(t.token), b.tokens.consumeWsToken(t.token)]),
          ),
        );
        for (const [fromA, fromB] of taken) expect([fromA, fromB].filter(Boolean)).toHaveLength(1);
      });
    });

    describe('meetings', () => {
      it('creates a meeting with every stream at 0 and its items in order', async () => {
        const store = await open();
        const record = testRecord(newConfId());
        const { state, entry } = creation(record, [
          { name: 'A', phone: '+1' },
          { name: 'B', phone: '+2' },
        ]);
        expect(await store.meetings.commit([entry])).toEqual([{ ok: true }]);
        expect(await store.meetings.getMeeting(record.conferenceID)).toEqual(record);
        const streams = await store.meetings.loadStreams(record.conferenceID);
        expect(streams.map((s) => s.category).sort()).toEqual([...PUSH_CATEGORIES].sort());
        for (const s of streams) {
          expect(s.seq).toBe(0);
          expect(s.epoch).toBe(state.streams[s.category].epoch);
        }
        const attendees = streams.find((s) => s.category === 'AttendeesNotify')!;
        expect(attendees.items.map((i) => (i.value as Item)['name'])).toEqual(['A', 'B']);
        expect(await store.meetings.getMeeting('000')).toBeUndefined();
        expect(await store.meetings.loadStreams('000')).toEqual([]);
      });

      it('commits changes: items upserted and deleted in first-insertion order, the log readable by range', async () => {
        const store = await open();
        const record = testRecord(newConfId());
        const { state, entry } = creation(record);
        await store.meetings.commit([entry]);
        let base = entry.position!.id;
        const entries: CommitEntry[] = [];
        const changes: [string[], boolean][] = [
          [['x', 'y'], false],
          [['z'], false],
          [['x'], true],
          [['x'], false],
          [['y'], false],
        ];
        changes.forEach(([names, remove], i) => {
          const p = position(i + 2, base);
          base = p.id;
          entries.push({
            confId: record.conferenceID,
            writes: [attendeeWrite(state, i + 1, names, remove)],
            position: p,
            ...(i === 1 ? { record: { ...record, subject: 'renamed' } } : {}),
          });
        });
        expect(await store.meetings.commit(entries)).toEqual(entries.map(() => ({ ok: true })));
        const attendees = (await store.meetings.loadStreams(record.conferenceID)).find(
          (s) => s.category === 'AttendeesNotify',
        )!;
        expect(attendees.seq).toBe(5);
        expect(attendees.items.map((i) => i.key)).toEqual(['pid-y', 'pid-z', 'pid-x']);
        expect((await store.meetings.getMeeting(record.conferenceID))?.subject).toBe('renamed');
        const log = await store.meetings.readLog(record.conferenceID, 'AttendeesNotify', 2, 4);
        expect(log.map((e) => e.seq)).toEqual([2, 3, 4]);
        expect(log[0]).toEqual({
          seq: 2,
          createdAt: 1_700_000_000_002,
          payload: entries[1]!.writes[0]!.payload,
        });
        expect(await store.meetings.readLog(record.conferenceID, 'AttendeesNotify', 6, 9)).toEqual([]);
      });

      it('stores the same streams, items and log whether changes are committed one by one or batched', async () => {
        // Group commits hold many changes to one stream (the SQLite store writes each head and item once per batch).
        const names = fc.constantFrom('a', 'b', 'c', 'd');
        const change = fc.record({
          names: fc.uniqueArray(names, { minLength: 1, maxLength: 3 }),
          remove: fc.boolean(),
        });
        await fc.assert(
          fc.asyncProperty(
            fc.array(change, { minLength: 1, maxLength: 25 }),
            fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 25 }),
            async (changes, batchSizes) => {
              const stored = async (batched: boolean) => {
                const store = await open(10);
                const record = testRecord(newConfId());
                const { state, entry } = creation(record);
                await store.meetings.commit([entry]);
                let base = entry.position!.id;
                const entries = changes.map((c, i): CommitEntry => {
                  const p = position(i + 2, base, `e${i + 2}`);
                  base = p.id;
                  return {
                    confId: record.conferenceID,
                    writes: [attendeeWrite(state, i + 1, c.names, c.remove)],
                    position: p,
                  };
                });
                let at = 0;
                for (let b = 0; at < entries.length; b++) {
                  const size = batched ? batchSizes[b % batchSizes.length]! : 1;
                  expect(await store.meetings.commit(entries.slice(at, at + size))).toEqual(
                    entries.slice(at, at + size).map(() => ({ ok: true })),
                  );
                  at += size;
                }
                const streams = await store.meetings.loadStreams(record.conferenceID);
                const attendees = streams.find((st) => st.category === 'AttendeesNotify')!;
                const log = await store.meetings.readLog(
                  record.conferenceID,
                  'AttendeesNotify',
                  0,
                  changes.length,
                );
                return { seq: attendees.seq, items: attendees.items, log };
              };
              expect(await stored(true)).toEqual(await stored(false));
            },
          ),
          { numRuns: 25 },
        );
      });

      it('keeps the newest logRetention log entries per stream', async () => {
        const store = await open(3);
        const record = testRecord(newConfId());
        const { state, entry } = creation(record);
        await store.meetings.commit([entry]);
        let base = entry.position!.id;
        for (let seq = 1; seq <= 7; seq++) {
          const p = position(seq + 1, base);
          base = p.id;
          await store.meetings.commit([
            { confId: record.conferenceID, writes: [attendeeWrite(state, seq, [`n${seq}`])], position: p },
          ]);
        }
        const log = await store.meetings.readLog(record.conferenceID, 'AttendeesNotify', 1, 7);
        expect(log.map((e) => e.seq)).toEqual([5, 6, 7]);
      });

      it('lists the meetings of an enterprise by state and owner, by start time', async () => {
        const store = await open();
        const corpId = `corp-${hex32().slice(0, 8)}`;
        const base = Date.now();
        const records = [
          testRecord(newConfId(), { corpId, ownerId: 'o1', state: 'Schedule', scheduledStartAt: base + 30 }),
          testRecord(newConfId(), { corpId, ownerId: 'o2', state: 'Created', scheduledStartAt: base + 10 }),
          testRecord(newConfId(), { corpId, ownerId: 'o1', state: 'Destroyed', scheduledStartAt: base + 20 }),
          testRecord(newConfId(), { corpId, ownerId: 'o1', state: 'Created', scheduledStartAt: base }),
          testRecord(newConfId(), { ownerId: 'o1', state: 'Created' }),
        ];
        for (const r of records) await store.meetings.commit([creation(r).entry]);
        const ids = (rs: MeetingRecord[]) => rs.map((r) => r.conferenceID);
        expect(ids(await store.meetings.listMeetings({ corpId, states: ['Schedule', 'Created'] }))).toEqual(
          ids([records[3]!, records[1]!, records[0]!]),
        );
        expect(
          ids(await store.meetings.listMeetings({ corpId, ownerId: 'o1', states: ['Created', 'Destroyed'] })),
        ).toEqual(ids([records[3]!, records[2]!]));
        expect(await store.meetings.listMeetings({ corpId: 'none', states: ['Created'] })).toEqual([]);
      });
    });

    if (!fixture.shared) return;

    describe('shared by several nodes', () => {
      async function created(store: Store) {
        const record = testRecord(newConfId());
        const { state, entry } = creation(record);
        expect(await store.meetings.commit([entry])).toEqual([{ ok: true }]);
        return { record, state, head: entry.position!.id };
      }

      it('refuses an entry built on an outdated head, and writes nothing of it', async () => {
        const a = await open();
        const b = await fixture.peer(a);
        const { record, state, head } = await created(a);
        const first = position(2, head);
        const rival = position(2, head);
        const [won] = await a.meetings.commit([
          { confId: record.conferenceID, writes: [attendeeWrite(state, 1, ['first'])], position: first },
        ]);
        const [lost] = await b.meetings.commit([
          {
            confId: record.conferenceID,
            record: { ...record, subject: 'rival' },
            writes: [attendeeWrite(state, 1, ['rival'])],
            position: rival,
          },
        ]);
        expect(won).toEqual({ ok: true });
        expect(lost).toMatchObject({ ok: false, conflict: true, reason: 'stale', rev: 2 });
        const attendees = (await b.meetings.loadStreams(record.conferenceID)).find(
          (s) => s.category === 'AttendeesNotify',
        )!;
        expect(attendees.items.map((i) => i.key)).toEqual(['pid-first']);
        expect((await b.meetings.getMeeting(record.conferenceID))?.subject).toBe(record.subject);
        expect((await b.meetings.readLog(record.conferenceID, 'AttendeesNotify', 1, 1))[0]?.payload).toEqual(
          attendeeWrite(state, 1, ['first']).payload,
        );
        expect(await b.meetings.revision(record.conferenceID)).toMatchObject({
          rev: 2,
          head: first.id,
        });
      });

      it('refuses every later entry of a batch once one is refused (they were built on it)', async () => {
        const store = await open();
        const { record, state, head } = await created(store);
        const other = position(2, head);
        await store.meetings.commit([
          { confId: record.conferenceID, writes: [attendeeWrite(state, 1, ['other'])], position: other },
        ]);
        const mine1 = position(2, head);
        const mine2 = position(3, mine1.id);
        const results = await store.meetings.commit([
          { confId: record.conferenceID, writes: [attendeeWrite(state, 1, ['m1'])], position: mine1 },
          { confId: record.conferenceID, writes: [attendeeWrite(state, 2, ['m2'])], position: mine2 },
        ]);
        expect(results.map((r) => r.ok)).toEqual([false, false]);
      });

      it('refuses a stream write that does not continue the stream, and a second creation', async () => {
        const store = await open();
        const { record, state, head } = await created(store);
        const [skipped] = await store.meetings.commit([
          {
            confId: record.conferenceID,
            writes: [attendeeWrite(state, 2, ['skip'])],
            position: position(2, head),
          },
        ]);
        expect(skipped).toMatchObject({ ok: false, reason: 'stale' });
        const [again] = await store.meetings.commit([creation(record).entry]);
        expect(again).toMatchObject({ ok: false, reason: 'exists' });
        const [absent] = await store.meetings.commit([
          { confId: newConfId(), writes: [attendeeWrite(state, 1, ['a'])], position: position(2, 'x') },
        ]);
        expect(absent).toMatchObject({ ok: false, reason: 'absent' });
      });

      it('reads a meeting in one snapshot with its revision and newest log entries; renews epochs on demand', async () => {
        const store = await open();
        const shared = store.meetings;
        const { record, state, head } = await created(store);
        let base = head;
        for (let seq = 1; seq <= 4; seq++) {
          const p = position(seq + 1, base);
          base = p.id;
          await store.meetings.commit([
            { confId: record.conferenceID, writes: [attendeeWrite(state, seq, [`n${seq}`])], position: p },
          ]);
        }
        const snapshot = (await shared.snapshot(record.conferenceID, 2))!;
        expect(snapshot).toMatchObject({ rev: 5, head: base, incarnation: await shared.incarnation() });
        expect(snapshot.logs.get('AttendeesNotify')?.map((e) => e.seq)).toEqual([3, 4]);
        expect(snapshot.streams.find((s) => s.category === 'AttendeesNotify')?.items).toHaveLength(4);

        expect(await shared.renewEpochs(record.conferenceID, { nodeId: 'n2', id: 'r1', force: false })).toBe(
          true,
        );
        expect((await shared.snapshot(record.conferenceID, 2))?.rev).toBe(5); // same incarnation: nothing to do
        expect(await shared.renewEpochs(record.conferenceID, { nodeId: 'n2', id: 'r2', force: true })).toBe(
          true,
        );
        const renewed = (await shared.snapshot(record.conferenceID, 2))!;
        expect(renewed.rev).toBe(6);
        const attendees = renewed.streams.find((s) => s.category === 'AttendeesNotify')!;
        expect(attendees.epoch).not.toBe(state.streams.AttendeesNotify.epoch);
        expect(attendees.seq).toBe(4);
        expect(renewed.logs.get('AttendeesNotify')).toEqual([]);
        expect(await shared.renewEpochs(newConfId(), { nodeId: 'n2', id: 'r3', force: true })).toBe(false);
      });
    });
  });
}

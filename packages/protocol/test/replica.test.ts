import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CategoryReplica, PUSH_CATEGORIES, type Item, type PushCategory } from '../src/index.js';
import { vector } from './vectors.js';

describe('CategoryReplica', () => {
  describe('#applyFrame with the documented examples', () => {
    it.each(PUSH_CATEGORIES.map((c) => [c] as const))('applies push-%s.json', (category) => {
      const frame = vector(`push-${category}.json`);
      const replica = new CategoryReplica(category);
      expect(replica.applyFrame(frame)).toBe('applied');
      const kind = replica.spec.shape.kind;
      if (kind === 'list') expect(replica.items.size).toBe((frame['data'] as unknown[]).length);
      if (kind === 'object') expect(replica.fields['confID']).toBeUndefined();
      if (kind === 'value') expect(replica.value).toBeDefined();
    });

    it('reads the participant item and keeps pinfoMap values as strings', () => {
      const replica = new CategoryReplica('ParticipantsNotify');
      replica.applyFrame(vector('push-ParticipantsNotify.json'));
      const item = replica.items.get('uzr571a9brwu11cvcibvru5a7r7rryiy');
      expect(item?.['pinfoMap']).toMatchObject({ NAME: '张三', MUTE: '1', ROLE: '1' });
    });

    it('reads object categories from the top level', () => {
      const replica = new CategoryReplica('ConfDynamicInfoNotify');
      replica.applyFrame(vector('push-ConfDynamicInfoNotify.json'));
      expect(replica.fields).toMatchObject({ state: 'Created', lock: 0, mute: 1 });
      expect(replica.fields['msgID']).toBeUndefined();
    });

    it('reads interpreter groups under interpreterGroups and captions with trailing-space keys', () => {
      const groups = new CategoryReplica('InterpreterGroupNotify');
      groups.applyFrame(vector('push-InterpreterGroupNotify.json'));
      expect((groups.value as Item[])[0]?.['groupID']).toBe('f798ed8d5e45cb342baa6be0dc8b2068');
      const captions = new CategoryReplica('RealTimeSubtitleNotify');
      captions.applyFrame(vector('push-RealTimeSubtitleNotify.json'));
      expect(captions.value).toMatchObject({
        isFinal: false,
        msgs: [{ id: 'c0196fb9-c9c3-47ba-a685-05223552de2f' }],
      });
    });

    it('treats an incremental waiting-list example (version 1) as applicable without a prior position', () => {
      const replica = new CategoryReplica('WaitingListNotify');
      expect(replica.applyFrame(vector('push-WaitingListNotify.json'))).toBe('applied');
      expect(replica.seq).toBe(1);
    });
  });

  describe('sequence checks', () => {
    const full = (seq: number, data: Item[]) => ({
      action: 'ParticipantsNotify',
      msgMode: 0,
      version: 1e12,
      seq,
      epoch: 'e',
      data,
    });
    const inc = (version: number, data: Item[]) => ({
      action: 'ParticipantsNotify',
      msgMode: 1,
      version,
      data,
    });

    it('applies the next incremental, ignores duplicates and reports gaps without applying them', () => {
      const r = new CategoryReplica('ParticipantsNotify');
      r.applyFrame(full(4, [{ pid: 'a', mode: 0, pinfoMap: { NAME: 'A', MUTE: '0' } }]));
      expect(r.applyFrame(inc(4, [{ pid: 'a', mode: 1 }]))).toBe('duplicate');
      expect(r.applyFrame(inc(6, [{ pid: 'a', mode: 1 }]))).toBe('gap');
      expect(r.items.has('a')).toBe(true);
      expect(
        r.applyFrame(inc('5' as unknown as number, [{ pid: 'a', mode: 0, pinfoMap: { MUTE: '1' } }])),
      ).toBe('applied');
      expect(r.items.get('a')?.['pinfoMap']).toEqual({ NAME: 'A', MUTE: '1' });
      expect(r.seq).toBe(5);
    });

    it('rejects an item older than the one held (per-entity freshness)', () => {
      const r = new CategoryReplica('AttendeesNotify');
      r.applyFull([{ participantID: 'p', mode: 0, name: 'new', seq: 7 }], 7, 'e');
      r.applyIncremental([{ participantID: 'p', mode: 0, name: 'old', seq: 3 }]);
      expect(r.items.get('p')?.['name']).toBe('new');
    });
  });

  it('rebuilds any state from a full message plus the incrementals after it (property)', () => {
    const op = fc.record({
      key: fc.constantFrom('a', 'b', 'c', 'd'),
      remove: fc.boolean(),
      mute: fc.constantFrom('0', '1'),
      hand: fc.option(fc.constantFrom('0', '1'), { nil: undefined }),
    });
    fc.assert(
      fc.property(
        fc.array(fc.array(op, { minLength: 1, maxLength: 3 }), { maxLength: 30 }),
        fc.nat(),
        (changes, cut) => {
          const category: PushCategory = 'ParticipantsNotify';
          const server = new CategoryReplica(category);
          server.applyFull([], 0, 'e');
          const frames: unknown[] = [];
          const joinAt = changes.length === 0 ? 0 : cut % (changes.length + 1);
          let client: CategoryReplica | undefined;
          changes.forEach((change, i) => {
            if (i === joinAt) {
              client = new CategoryReplica(category);
              client.applyFrame({
                msgMode: 0,
                version: 1,
                seq: server.seq,
                epoch: 'e',
                data: server.snapshot(),
              });
            }
            const seq = (server.seq ?? 0) + 1;
            const payload = change.map((o) =>
              o.remove
                ? { pid: o.key, mode: 1, seq }
                : {
                    pid: o.key,
                    mode: 0,
                    seq,
                    pinfoMap: o.hand === undefined ? { MUTE: o.mute } : { MUTE: o.mute, HAND: o.hand },
                  },
            );
            server.applyIncremental(payload, seq);
            frames.push({ msgMode: 1, version: seq, data: payload });
            if (client) expect(client.applyFrame(frames.at(-1))).toBe('applied');
          });
          if (!client) {
            client = new CategoryReplica(category);
            client.applyFrame({
              msgMode: 0,
              version: 1,
              seq: server.seq,
              epoch: 'e',
              data: server.snapshot(),
            });
          }
          expect(client.snapshot()).toEqual(server.snapshot());
          expect(client.seq).toBe(server.seq);
        },
      ),
      { numRuns: 500 },
    );
  });
});

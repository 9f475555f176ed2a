/**
 * The store conformance suite against the Redis store (`CONFPUSH_TEST_REDIS_URL`, default the local Redis; CI
 * starts one). Each test has a key prefix of its own; a peer is a second connection on the same prefix, as a
 * second node would have.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BrokerEntry } from '../src/broker/broker.js';
import { RedisBroker } from '../src/broker/redis.js';
import { createMeetingState } from '../src/domain/create.js';
import { newEpoch } from '../src/engine/engine.js';
import { RedisStore } from '../src/store/redis.js';
import { TEST_REDIS_URL, tempDir, testRedisPrefix } from './helpers.js';
import { describeStore, testRecord } from './store-conformance.js';

const opened: RedisStore[] = [];
afterEach(async () => {
  while (opened.length > 0) await opened.pop()?.close();
});
const settings = new WeakMap<RedisStore, { prefix: string; logRetention: number }>();

async function openStore(prefix: string, logRetention: number): Promise<RedisStore> {
  const store = new RedisStore({ url: TEST_REDIS_URL, prefix, logRetention, newEpoch });
  await store.open();
  settings.set(store, { prefix, logRetention });
  opened.push(store);
  return store;
}

describeStore('RedisStore', {
  shared: true,
  open: ({ logRetention }) => openStore(testRedisPrefix(tempDir()), logRetention),
  async peer(store) {
    const { prefix, logRetention } = settings.get(store as RedisStore)!;
    return openStore(prefix, logRetention);
  },
});

describe('RedisBroker', () => {
  it('delivers a meeting’s committed entries in commit order, from the commit script, until unsubscribed', async () => {
    const prefix = testRedisPrefix(tempDir());
    const store = await openStore(prefix, 100);
    const broker = new RedisBroker({ url: TEST_REDIS_URL, prefix });
    await broker.open();
    try {
      const record = testRecord(`9${Date.now() % 100_000_000}`);
      const confId = record.conferenceID;
      const received: BrokerEntry[] = [];
      await broker.subscribe(confId, (entry) => received.push(entry));
      const state = createMeetingState(record, [], () => 'p');
      for (const replica of Object.values(state.streams)) replica.epoch = newEpoch();
      await store.meetings.commit([
        { confId, created: state, writes: [], position: { nodeId: 'n1', id: 'c', base: '', rev: 1 } },
      ]);
      const epoch = state.streams.ConfDynamicInfoNotify.epoch!;
      const entries = [1, 2, 3].map((seq) => ({
        confId,
        writes: [
          {
            category: 'ConfDynamicInfoNotify' as const,
            epoch,
            seq,
            createdAt: 1000 + seq,
            payload: { lock: seq % 2 },
            items: [{ key: '', value: { lock: seq % 2 } }],
          },
        ],
        position: { nodeId: 'n2', id: `e${seq}`, base: seq === 1 ? 'c' : `e${seq - 1}`, rev: seq + 1 },
      }));
      expect(await store.meetings.commit(entries)).toEqual(entries.map(() => ({ ok: true })));
      await vi.waitFor(() => expect(received).toHaveLength(4));
      expect(received[0]).toMatchObject({ kind: 'created', nodeId: 'n1', confId, rev: 1, id: 'c' });
      expect(received.slice(1)).toEqual(
        [1, 2, 3].map((seq) => ({
          kind: 'entry',
          nodeId: 'n2',
          confId,
          rev: seq + 1,
          id: `e${seq}`,
          base: seq === 1 ? 'c' : `e${seq - 1}`,
          record: null,
          writes: [
            {
              category: 'ConfDynamicInfoNotify',
              epoch,
              seq,
              createdAt: 1000 + seq,
              payload: { lock: seq % 2 },
            },
          ],
        })),
      );
      await broker.unsubscribe(confId);
      await store.meetings.commit([
        {
          ...entries[0]!,
          writes: [{ ...entries[0]!.writes[0]!, seq: 4 }],
          position: { nodeId: 'n2', id: 'e4', base: 'e3', rev: 5 },
        },
      ]);
      await new Promise((r) => setTimeout(r, 100));
      expect(received).toHaveLength(4);
    } finally {
      await broker.close();
    }
  });
});

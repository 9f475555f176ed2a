/**
 * The sink part of the embedded store (src/store/sqlite-outbox.ts): a replayable step (the webhook deliverer's
 * expansion and outcome records) commits without an fsync of its own and leaves the connection as durable as it
 * found it for every other commit; it is applied whole or not at all, like any step.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { newEpoch } from '../src/engine/engine.js';
import { sinkStoreOf } from '../src/store/outbox.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { tempDir } from './helpers.js';

const opened: SqliteStore[] = [];
afterEach(async () => {
  while (opened.length > 0) await opened.pop()?.close();
});

describe('SQLite sink store', () => {
  it('applies a replayable step whole, and keeps synchronous=FULL for every other commit', async () => {
    const store = new SqliteStore({ dataDir: tempDir(), syncMode: 'full', logRetention: 1000, newEpoch });
    opened.push(store);
    const sink = sinkStoreOf(store);
    const synchronous = () => store.db.pragma('synchronous', { simple: true });
    expect(synchronous()).toBe(2);
    await sink.apply(
      [
        { op: 'put', ns: 'n', id: 'a', value: '1' },
        { op: 'push', list: 'l', value: 'x', cap: 2 },
      ],
      { replayable: true },
    );
    expect(synchronous()).toBe(2);
    expect(await sink.get('n', 'a')).toBe('1');

    // A step that fails part-way changes nothing and still restores the level.
    const bad = { op: 'put', ns: 'n', id: 'b', value: null } as unknown as {
      op: 'put';
      ns: string;
      id: string;
      value: string;
    };
    await expect(
      sink.apply([{ op: 'put', ns: 'n', id: 'c', value: '3' }, bad], { replayable: true }),
    ).rejects.toThrow();
    expect(synchronous()).toBe(2);
    expect(await sink.get('n', 'c')).toBeUndefined();
  });

  it('caps a list once per step, to its newest values', async () => {
    const store = new SqliteStore({ dataDir: tempDir(), syncMode: 'full', logRetention: 1000, newEpoch });
    opened.push(store);
    const sink = sinkStoreOf(store);
    await sink.apply(['1', '2', '3', '4'].map((value) => ({ op: 'push', list: 'l', value, cap: 3 })));
    await sink.apply([{ op: 'push', list: 'l', value: '5', cap: 3 }], { replayable: true });
    expect(await sink.recent('l', 10)).toEqual(['5', '4', '3']);
  });
});

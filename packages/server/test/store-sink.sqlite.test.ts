/**
 * The sink part of the embedded store (src/store/sqlite-outbox.ts, sqlite-sink-db.ts): its state is in the sinks'
 * file; a replayable step (the webhook deliverer's expansion and outcome records) commits without an fsync of its
 * own and leaves that connection as durable as it found it for every other commit; it is applied whole or not at
 * all, like any step. Taken-over outbox rows leave the node's file at maintenance, after their mark is stored
 * durably; maintenance also checkpoints the sinks' file, which is never checkpointed automatically.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { newEpoch } from '../src/engine/engine.js';
import { sinkStoreOf } from '../src/store/outbox.js';
import { SqliteSinkStore } from '../src/store/sqlite-outbox.js';
import { openSinkDb } from '../src/store/sqlite-sink-db.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { tempDir } from './helpers.js';

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  while (opened.length > 0) await opened.pop()?.close();
});

/** A node's store and its sink store, with the connection to the sinks' file in view. */
function openStores() {
  const dataDir = tempDir();
  const store = new SqliteStore({ dataDir, syncMode: 'full', logRetention: 1000, newEpoch });
  const sinks = openSinkDb({ dataDir, syncMode: 'full', node: store.db });
  const sink = new SqliteSinkStore({ node: store.db, sinks, owns: { node: false, sinks: true } });
  opened.push(store, sink);
  return { store, sinks, sink };
}

describe('SQLite sink store', () => {
  it('applies a replayable step whole, and keeps synchronous=FULL for every other commit', async () => {
    const { sinks, sink } = openStores();
    const synchronous = () => sinks.pragma('synchronous', { simple: true });
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
    const sink = sinkStoreOf(store);
    opened.push(store, sink as SqliteSinkStore);
    await sink.apply(['1', '2', '3', '4'].map((value) => ({ op: 'push', list: 'l', value, cap: 3 })));
    await sink.apply([{ op: 'push', list: 'l', value: '5', cap: 3 }], { replayable: true });
    expect(await sink.recent('l', 10)).toEqual(['5', '4', '3']);
  });

  it("deletes the outbox rows taken over from the node's file at maintenance, after storing their mark durably", async () => {
    const { store, sinks, sink } = openStores();
    const append = store.db.prepare('INSERT INTO outbox (topic, body, created_at) VALUES (?, ?, 0)');
    for (let i = 1; i <= 1200; i++) append.run(i % 2 === 0 ? 't' : 'other', String(i));
    const ids = (topic: string) =>
      (
        store.db.prepare('SELECT id FROM outbox WHERE topic = ? ORDER BY id').all(topic) as { id: number }[]
      ).map((r) => r.id);
    expect(ids('t')).toHaveLength(600);
    // Taken over up to 1000, in a replayable step with other state.
    await sink.apply(
      [
        { op: 'put', ns: 'n', id: 'cursor', value: '1000' },
        { op: 'trim', topic: 't', upTo: '1000' },
      ],
      { replayable: true },
    );
    // Nothing leaves the node's file before the sink store's maintenance (the deliverer runs it when idle).
    expect(ids('t')).toHaveLength(600);
    await sink.maintain();
    expect(ids('t')).toEqual(Array.from({ length: 100 }, (_, i) => 1002 + 2 * i));
    expect(ids('other')).toHaveLength(600); // another topic's rows stay
    const mark = (ns: string) =>
      (
        sinks.prepare('SELECT value FROM sink_state WHERE ns = ? AND id = ?').get(ns, 't') as {
          value: string;
        }
      ).value;
    expect(mark('sink-store:taken')).toBe('1000');
    expect(mark('sink-store:trimmable')).toBe('1000');
    expect(await sink.readOutbox('t', '1000', 10)).toHaveLength(10);
  });

  it("checkpoints the sinks' file only at maintenance", async () => {
    const { sinks, sink } = openStores();
    for (let i = 0; i < 300; i++)
      await sink.apply([{ op: 'put', ns: 'n', id: String(i), value: 'x'.repeat(4000) }], {
        replayable: true,
      });
    // NOOP reports the WAL's frames and how many are written back, without writing any back.
    const wal = () => (sinks.pragma('wal_checkpoint(NOOP)') as { log: number; checkpointed: number }[])[0]!;
    // More than SQLite's automatic threshold (1,000 pages), none written back.
    expect(wal().log).toBeGreaterThan(1000);
    expect(wal().checkpointed).toBe(0);
    await sink.maintain();
    expect(wal().checkpointed).toBe(wal().log);
  });
});

/**
 * The background checkpoint of a node's SQLite file (src/store/sqlite-checkpointer.ts): the commits on the node's
 * connection never checkpoint (its automatic checkpoint is only a backstop far above what these tests write), the
 * thread does, and the WAL restarts after each checkpoint instead of growing with everything written.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBroker } from '../src/broker/memory.js';
import { systemClock } from '../src/clock.js';
import { Engine, newEpoch } from '../src/engine/engine.js';
import { BACKSTOP_PAGES, type CheckpointReport } from '../src/store/sqlite-checkpointer.js';
import { DB_FILE } from '../src/store/sqlite-db.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { tempDir } from './helpers.js';
import { testRecord } from './store-conformance.js';

const logger = pino({ level: 'silent' });
const CONF_ID = '900000010';
/** SQLite's own default threshold of the automatic checkpoint. */
const SQLITE_DEFAULT_AUTOCHECKPOINT = 1000;

const opened: SqliteStore[] = [];
afterEach(async () => {
  while (opened.length > 0) await opened.pop()?.close();
});

function open(dataDir: string, checkpoint: boolean): SqliteStore {
  const store = new SqliteStore({
    dataDir,
    syncMode: 'normal',
    logRetention: 10,
    newEpoch,
    ...(checkpoint ? { checkpointer: { intervalMs: 5, logger } } : {}),
  });
  opened.push(store);
  return store;
}

function engineOf(store: SqliteStore): Engine {
  return new Engine({
    store: store.meetings,
    broker: new MemoryBroker(),
    nodeId: 'n1',
    clock: systemClock,
    logger,
    recentCapacity: 10,
  });
}

/**
 * Every checkpoint the store's thread reports; `caughtUp()` resolves at the next one that left every frame of the WAL
 * in the file.
 */
function reports(store: SqliteStore): { all: CheckpointReport[]; caughtUp(): Promise<CheckpointReport> } {
  const all: CheckpointReport[] = [];
  let waiter: ((report: CheckpointReport) => void) | undefined;
  store.checkpointer!.onCheckpoint = (report) => {
    all.push(report);
    if (report.checkpointed < report.log || !waiter) return;
    waiter(report);
    waiter = undefined;
  };
  return { all, caughtUp: () => new Promise((resolve) => (waiter = resolve)) };
}

/** A round of commits: `count` attendees with long names, each its own command (a few pages per commit). */
async function round(engine: Engine, index: number, count = 10): Promise<void> {
  for (let i = 0; i < count; i++)
    await engine.execute(CONF_ID, {
      type: 'addAttendees',
      attendees: [{ name: `r${index}-${i}-${'x'.repeat(400)}`, phone: `+${index * count + i}` }],
    });
}

describe('the background checkpoint of the SQLite file', () => {
  it('checkpoints on its own thread, and the WAL restarts instead of growing', async () => {
    const dataDir = tempDir();
    const store = open(dataDir, true);
    expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(BACKSTOP_PAGES);
    const engine = engineOf(store);
    await engine.createMeeting(testRecord(CONF_ID, { state: 'Created', startedAt: Date.now() }), []);
    const pageBytes = store.db.pragma('page_size', { simple: true }) as number;
    const wal = join(dataDir, `${DB_FILE}-wal`);
    const seen = reports(store);
    for (let r = 0; r < 12; r++) {
      await round(engine, r);
      // The round's last commit was made before this waits: the thread's next checkpoint follows it.
      await seen.caughtUp();
    }
    // A checkpoint that left nothing behind is followed by a restart of the WAL at the next commit: the frames of
    // those checkpoints add up to what was written, each counted once.
    const whole = seen.all.filter((report) => report.checkpointed === report.log);
    const framesWritten = whole.reduce((sum, report) => sum + report.log, 0);
    const largestWal = Math.max(...seen.all.map((report) => report.log));
    // Far below the backstop: the node's connection never checkpointed by itself.
    expect(framesWritten).toBeLessThan(BACKSTOP_PAGES / 2);
    // Each round wrote pages enough to be more than one interval's worth, and the WAL started over after each.
    expect(largestWal).toBeGreaterThan(0);
    expect(framesWritten).toBeGreaterThan(4 * largestWal);
    // WAL file: a 32-byte header, then frames of a 24-byte header and a page.
    expect(statSync(wal).size).toBeLessThanOrEqual(32 + (largestWal + 64) * (pageBytes + 24));
    expect(statSync(wal).size).toBeLessThan((framesWritten * (pageBytes + 24)) / 2);
  });

  it("gives the checkpoint back to the node's connection when the thread is gone", async () => {
    const store = open(tempDir(), true);
    expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(BACKSTOP_PAGES);
    const exited = new Promise((resolve) => store.checkpointer!.thread.once('exit', resolve));
    await store.checkpointer!.thread.terminate();
    await exited;
    expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(SQLITE_DEFAULT_AUTOCHECKPOINT);
  });

  it('closes with the WAL folded into the file, and what was committed is read back', async () => {
    const dataDir = tempDir();
    const store = open(dataDir, true);
    const engine = engineOf(store);
    await engine.createMeeting(testRecord(CONF_ID, { state: 'Created', startedAt: Date.now() }), []);
    await round(engine, 0, 5);
    await store.close();
    expect(existsSync(join(dataDir, `${DB_FILE}-wal`))).toBe(false);
    const again = open(dataDir, false);
    const runtime = await engineOf(again).load(CONF_ID);
    expect(runtime?.committed.streams.AttendeesNotify.items.size).toBe(5);
  });

  it('is not started for a store opened without it (a command of the CLI)', () => {
    const store = open(tempDir(), false);
    expect(store.checkpointer).toBeUndefined();
    expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(SQLITE_DEFAULT_AUTOCHECKPOINT);
  });
});

/**
 * The store conformance suite against the embedded SQLite store (a peer is a second connection to the file). It is
 * the shared store of a one-node cluster, so it keeps the shared-store contract too.
 */
import { afterEach } from 'vitest';
import { newEpoch } from '../src/engine/engine.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { tempDir } from './helpers.js';
import { describeStore } from './store-conformance.js';

const opened: SqliteStore[] = [];
afterEach(async () => {
  while (opened.length > 0) await opened.pop()?.close();
});
const dirs = new WeakMap<SqliteStore, { dataDir: string; logRetention: number }>();

describeStore('SqliteStore', {
  shared: true,
  async open({ logRetention }) {
    const dataDir = tempDir();
    const store = new SqliteStore({ dataDir, syncMode: 'normal', logRetention, newEpoch });
    dirs.set(store, { dataDir, logRetention });
    opened.push(store);
    return store;
  },
  async peer(store) {
    const peer = new SqliteStore({ ...dirs.get(store as SqliteStore)!, syncMode: 'normal', newEpoch });
    opened.push(peer);
    return peer;
  },
});

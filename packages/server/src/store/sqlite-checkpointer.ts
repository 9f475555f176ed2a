/**
 * Checkpoints the node's SQLite file on a thread of its own.
 *
 * SQLite's automatic checkpoint runs inside the commit that takes the WAL past its threshold (1,000 pages): under
 * load, every few hundred milliseconds one commit on the node's event loop took 4–6 ms longer (copying the WAL into
 * the file and syncing the file), and every push waiting behind it as long (docs/benchmarks.md, section 8). Here a
 * PASSIVE checkpoint, which never blocks the node's writers nor waits for them, runs every `intervalMs` on another
 * connection; the next commit after it restarts the WAL from its beginning, so the WAL stays at what is written in
 * about one interval. The node's connection keeps an automatic checkpoint only as a backstop, at `BACKSTOP_PAGES`,
 * for when this thread falls behind or is gone. Checkpoints move committed pages into the file: durability is the
 * commit's (its WAL sync), not theirs.
 *
 * The thread runs a few lines of plain JavaScript (`eval`), not a module of this package: from the TypeScript
 * sources a worker's module would need tsx registered in the thread first, which costs a node start far more than
 * the checkpoints do.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Db } from './sqlite-db.js';

/** The node's connection checkpoints by itself only past this many WAL pages (the default threshold is 1,000). */
export const BACKSTOP_PAGES = 10_000;
/** What the automatic checkpoint is again once the thread is gone. */
const SQLITE_DEFAULT_PAGES = 1_000;

export interface CheckpointerOptions {
  /** The node's connection (its automatic checkpoint becomes the backstop). */
  db: Db;
  /** The database file. */
  file: string;
  /** The node's sync level: a checkpoint syncs the file at FULL as at NORMAL; kept alike for clarity. */
  syncMode: 'full' | 'normal';
  intervalMs: number;
  logger?: Logger | undefined;
}

/** What a checkpoint did: `log` frames in the WAL, `checkpointed` of them in the file (SQLite's own counts). */
export interface CheckpointReport {
  log: number;
  checkpointed: number;
}

type FromThread = ({ type: 'checkpoint' } & CheckpointReport) | { type: 'error'; message: string };

const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = ' + workerData.synchronous);
// data_version changes when another connection has committed since this one last read it: an idle file costs a
// read of the WAL index per tick, and a checkpoint only follows commits.
const version = db.prepare('PRAGMA data_version').pluck();
let seen;
const timer = setInterval(() => {
  try {
    const now = version.get();
    if (now === seen) return;
    seen = now;
    const [row] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ type: 'checkpoint', log: row.log, checkpointed: row.checkpointed });
  } catch (error) {
    parentPort.postMessage({ type: 'error', message: String(error && error.message ? error.message : error) });
  }
}, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export class WalCheckpointer {
  readonly #db: Db;
  readonly #logger: Logger | undefined;
  readonly #worker: Worker;
  readonly #exited: Promise<void>;
  #stopping = false;
  /** Called after each checkpoint, which follows commits made since the one before (tests, diagnostics). */
  onCheckpoint: ((report: CheckpointReport) => void) | undefined;

  constructor(options: CheckpointerOptions) {
    this.#db = options.db;
    this.#logger = options.logger;
    this.#db.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
    this.#worker = new Worker(THREAD, {
      eval: true,
      workerData: {
        driver: createRequire(import.meta.url).resolve('better-sqlite3'),
        file: options.file,
        synchronous: options.syncMode === 'full' ? 'FULL' : 'NORMAL',
        intervalMs: options.intervalMs,
      },
    });
    // The thread must not keep a process alive that has nothing else to do.
    this.#worker.unref();
    this.#worker.on('message', (message: FromThread) => {
      if (message.type === 'checkpoint') this.onCheckpoint?.(message);
      else this.#logger?.warn({ reason: message.message }, 'background WAL checkpoint failed');
    });
    this.#worker.on('error', (err) => this.#logger?.error({ err }, 'the WAL checkpoint thread failed'));
    this.#exited = new Promise((resolve) =>
      this.#worker.once('exit', () => {
        // Gone before it was asked to stop: the node's connection checkpoints by itself again.
        if (!this.#stopping && this.#db.open) {
          this.#logger?.error(
            'the WAL checkpoint thread stopped; the node checkpoints on its own connection',
          );
          this.#db.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_PAGES}`);
        }
        resolve();
      }),
    );
  }

  /** The thread (diagnostics and tests). */
  get thread(): Worker {
    return this.#worker;
  }

  /** Ends the thread once its connection is closed (before the node's own, which then removes the WAL). */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#worker.postMessage('stop');
    await this.#exited;
  }
}

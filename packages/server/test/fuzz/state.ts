/**
 * "Nothing changed": what the fuzz and isolation tests compare before and after every refused call.
 *
 * - The store: a second, read-only SQLite connection to the node's database file. `PRAGMA data_version` changes
 *   whenever the node commits anything, so an unchanged version proves that nothing was written; when it did
 *   change, the tables are compared row by row (expired token and nonce rows, which housekeeping deletes, aside).
 * - The engine: the working and committed state of the watched meetings (record and stream positions), which
 *   could change in memory without a commit.
 * - The process: the prototypes of the built-in objects (pollution), and unhandled rejections.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { MeetingState } from '../../src/domain/meeting.js';
import type { TestServer } from '../helpers.js';

type Rows = Map<string, { json: string; expiresAt: number | undefined }[]>;

function streamPositions(state: MeetingState): string {
  const positions = Object.entries(state.streams).map(
    ([c, r]) => `${c}:${r.epoch ?? ''}:${r.seq ?? 0}:${r.items.size}`,
  );
  return `${JSON.stringify(state.record)}|${positions.join(',')}`;
}

export class StateProbe {
  readonly #server: TestServer;
  readonly #db: Database.Database | undefined;
  #version = 0;
  #rows: Rows | undefined;
  #engine = new Map<string, string>();

  constructor(server: TestServer) {
    this.#server = server;
    const file = join(server.dataDir, 'confpush.sqlite');
    this.#db = existsSync(file) ? new Database(file, { readonly: true, fileMustExist: true }) : undefined;
  }

  close(): void {
    this.#db?.close();
  }

  /** Takes the current state as the reference (after a call that was allowed to change it). */
  async baseline(watched: readonly string[]): Promise<void> {
    this.#version = this.#dataVersion();
    this.#rows = this.#dump();
    this.#engine = await this.#enginePositions(watched);
  }

  /** Undefined when nothing changed since the baseline; otherwise what changed. */
  async changes(watched: readonly string[]): Promise<string | undefined> {
    const engine = await this.#enginePositions(watched);
    for (const [id, before] of this.#engine) {
      if (engine.get(id) !== before) return `meeting ${id} changed in memory: ${before} → ${engine.get(id)}`;
    }
    const version = this.#dataVersion();
    if (version === this.#version) return undefined;
    const now = Date.now();
    const rows = this.#dump();
    const live = (r: { json: string; expiresAt: number | undefined }) =>
      r.expiresAt === undefined || r.expiresAt > now;
    for (const [table, before] of this.#rows ?? new Map<string, never[]>()) {
      const a = before.filter(live).map((r) => r.json);
      const b = (rows.get(table) ?? []).filter(live).map((r) => r.json);
      if (a.length !== b.length || a.some((x, i) => x !== b[i])) {
        const added = b.filter((x) => !a.includes(x)).slice(0, 2);
        const removed = a.filter((x) => !b.includes(x)).slice(0, 2);
        return `table ${table} changed: +${JSON.stringify(added)} -${JSON.stringify(removed)}`;
      }
    }
    // Only expired rows went away (housekeeping): the new state is the reference.
    this.#version = version;
    this.#rows = rows;
    return undefined;
  }

  #dataVersion(): number {
    return this.#db ? (this.#db.pragma('data_version', { simple: true }) as number) : 0;
  }

  #dump(): Rows {
    const rows: Rows = new Map();
    if (!this.#db) return rows;
    const tables = this.#db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all() as { name: string }[];
    for (const { name } of tables) {
      // The change log only grows and is trimmed: its extent per stream says whether it changed.
      const sql =
        name === 'stream_log'
          ? 'SELECT conf_id, category, count(*) AS n, min(seq) AS first, max(seq) AS last FROM stream_log GROUP BY 1, 2'
          : `SELECT * FROM "${name}"`;
      const all = this.#db.prepare(sql).all() as Record<string, unknown>[];
      rows.set(
        name,
        all
          .map((r) => ({
            json: JSON.stringify(r),
            expiresAt: typeof r['expires_at'] === 'number' ? r['expires_at'] : undefined,
          }))
          .sort((x, y) => (x.json < y.json ? -1 : x.json > y.json ? 1 : 0)),
      );
    }
    return rows;
  }

  async #enginePositions(watched: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const id of watched) {
      const runtime = await this.#server.node.engine.load(id);
      out.set(
        id,
        runtime ? `${streamPositions(runtime.committed)} || ${streamPositions(runtime.working)}` : 'absent',
      );
    }
    return out;
  }
}

const PROTOTYPES: readonly [string, object][] = [
  ['Object', Object.prototype],
  ['Array', Array.prototype],
  ['Function', Function.prototype],
  ['String', String.prototype],
  ['Number', Number.prototype],
  ['Boolean', Boolean.prototype],
];

const shapeOf = () => PROTOTYPES.map(([n, p]) => `${n}:${Reflect.ownKeys(p).map(String).sort().join(',')}`);

/** Watches the built-in prototypes and unhandled rejections of the test process (where the server runs). */
export class ProcessGuard {
  readonly #shape = shapeOf();
  readonly problems: string[] = [];
  readonly #onRejection = (reason: unknown) => this.problems.push(`unhandled rejection: ${String(reason)}`);
  readonly #onException = (error: unknown) => this.problems.push(`uncaught exception: ${String(error)}`);

  constructor() {
    process.on('unhandledRejection', this.#onRejection);
    process.on('uncaughtExceptionMonitor', this.#onException);
  }

  /** Undefined when the prototypes are untouched and nothing went unhandled. */
  check(): string | undefined {
    if (this.problems.length > 0) return this.problems.join('; ');
    const probe = {} as Record<string, unknown>;
    for (const key of ['polluted', 'isAdmin', 'admin', 'adminType', 'role'])
      if (probe[key] !== undefined) return `Object.prototype.${key} was set`;
    const shape = shapeOf();
    const i = shape.findIndex((s, n) => s !== this.#shape[n]);
    return i >= 0 ? `${PROTOTYPES[i]?.[0]}.prototype changed` : undefined;
  }

  dispose(): void {
    process.off('unhandledRejection', this.#onRejection);
    process.off('uncaughtExceptionMonitor', this.#onException);
  }
}

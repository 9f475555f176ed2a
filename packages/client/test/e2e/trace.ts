/**
 * What an SDK session saw, in order, and the check that it never skipped a change silently.
 *
 * The trace records, from the session's public events: each new socket, each `Subscribe` reply, each push frame
 * (category, full or incremental, `version` / `seq` / `epoch`), and each `rebuilt` / `resumed` event. `check()`
 * replays it per category and reports every place where the position the SDK holds moved other than
 *
 *     incremental n after position n - 1                                   (gap-free)
 *     full message at the position held (or one step on, full-only)        (continuous full)
 *     full message anywhere else, immediately followed by `rebuilt`        (explicit rebuild)
 *     replayed incrementals from+1 … to after a reply saying `resumed`, followed by `resumed(from, to)`
 */
import {
  CATEGORY_SPECS,
  decodeData,
  isPlainObject,
  isPushCategory,
  toNumber,
  toStringValue,
  trimKeys,
  type PushCategory,
} from '@confpush/protocol';
import type { MeetingSession, RebuildReason } from '../../src/index.js';

interface StreamInfo {
  epoch: string;
  seq: number;
  delivery: string;
}

export type TraceEntry =
  | { kind: 'socket' }
  | { kind: 'reply'; streams: Partial<Record<PushCategory, StreamInfo>> }
  | { kind: 'push'; category: PushCategory; msgMode: 0 | 1; version: number; seq?: number; epoch?: string }
  | { kind: 'rebuilt'; category: PushCategory; reason: RebuildReason }
  | { kind: 'resumed'; category: PushCategory; from: number; to: number }
  | { kind: 'error'; message: string; code?: number }
  | { kind: 'closed'; code: number };

interface Position {
  epoch: string | undefined;
  seq: number;
}

interface CategoryCheck {
  position: Position | undefined;
  /** The position when the current socket was opened. */
  atConnect: Position | undefined;
  /** Set by a discontinuous full message: the next entry of the category must be `rebuilt`. */
  owesRebuilt: boolean;
  /** The reply promised a replay up to `to`; `resumed(from, to)` is owed when it is complete. */
  replay: { from: number; to: number } | undefined;
  owesResumed: { from: number; to: number } | undefined;
  /** The reply promised a full message. */
  owesFull: boolean;
}

export class DeliveryTrace {
  readonly entries: TraceEntry[] = [];

  /** Records the events of `session` (any emitter of the session events: tests feed it synthetic ones). */
  constructor(session: Pick<MeetingSession, 'on'>) {
    session.on('state', ({ newState }) => {
      if (newState === 'subscribing') this.entries.push({ kind: 'socket' });
    });
    session.on('frame', (raw) => this.#onFrame(raw));
    session.on('rebuilt', (category, reason) => this.entries.push({ kind: 'rebuilt', category, reason }));
    session.on('resumed', (category, from, to) => this.entries.push({ kind: 'resumed', category, from, to }));
    session.on('error', (error) => {
      const code = (error as { code?: unknown }).code;
      this.entries.push({
        kind: 'error',
        message: error.message,
        ...(typeof code === 'number' ? { code } : {}),
      });
    });
    session.on('closed', (code) => this.entries.push({ kind: 'closed', code }));
  }

  #onFrame(raw: Record<string, unknown>): void {
    const frame = trimKeys(raw) as Record<string, unknown>;
    const action = frame['action'];
    if (action === 'Subscribe') {
      const data = trimKeys(decodeData(frame['data']));
      const streams = isPlainObject(data) && isPlainObject(data['streams']) ? data['streams'] : {};
      this.entries.push({ kind: 'reply', streams: streams as Partial<Record<PushCategory, StreamInfo>> });
      return;
    }
    if (!isPushCategory(action)) return;
    const msgMode = toNumber(frame['msgMode']) === 0 ? 0 : 1;
    const seq = toNumber(frame['seq']);
    const epoch = toStringValue(frame['epoch']);
    this.entries.push({
      kind: 'push',
      category: action,
      msgMode,
      version: toNumber(frame['version']) ?? -1,
      ...(msgMode === 0 && seq !== undefined ? { seq } : {}),
      ...(msgMode === 0 && epoch !== undefined ? { epoch } : {}),
    });
  }

  of<K extends TraceEntry['kind']>(kind: K): Extract<TraceEntry, { kind: K }>[] {
    return this.entries.filter((e): e is Extract<TraceEntry, { kind: K }> => e.kind === kind);
  }

  /** Sockets the session opened and subscribed on. */
  get sockets(): number {
    return this.of('socket').length;
  }

  rebuilds(category?: PushCategory): { category: PushCategory; reason: RebuildReason }[] {
    return this.of('rebuilt').filter((e) => category === undefined || e.category === category);
  }

  /** Entries after the n-th socket (1-based) up to the next one. */
  socketEntries(n: number): TraceEntry[] {
    const out: TraceEntry[] = [];
    let socket = 0;
    for (const entry of this.entries) {
      if (entry.kind === 'socket') socket++;
      else if (socket === n) out.push(entry);
    }
    return out;
  }

  /**
   * Every violation of the delivery contract found in the trace (empty when there is none). `final`: the trace is
   * complete, so an owed `rebuilt` / `resumed` that never came is a violation too.
   */
  check(final = true): string[] {
    const problems: string[] = [];
    const state = new Map<PushCategory, CategoryCheck>();
    const of = (category: PushCategory): CategoryCheck => {
      let s = state.get(category);
      if (!s) {
        s = {
          position: undefined,
          atConnect: undefined,
          owesRebuilt: false,
          replay: undefined,
          owesResumed: undefined,
          owesFull: false,
        };
        state.set(category, s);
      }
      return s;
    };
    const where = (i: number, category: PushCategory): string => `#${i} ${category}`;
    const settleOwed = (i: number, category: PushCategory, s: CategoryCheck): void => {
      if (s.owesRebuilt) problems.push(`${where(i, category)}: discontinuous full message without rebuilt`);
      if (s.owesResumed) {
        problems.push(
          `${where(i, category)}: replay ${s.owesResumed.from}…${s.owesResumed.to} completed without resumed`,
        );
      }
      s.owesRebuilt = false;
      s.owesResumed = undefined;
    };

    this.entries.forEach((entry, i) => {
      switch (entry.kind) {
        case 'socket':
          for (const [category, s] of state) {
            settleOwed(i, category, s);
            s.atConnect = s.position && { ...s.position };
            s.replay = undefined;
            s.owesFull = false;
          }
          return;
        case 'reply':
          for (const [name, info] of Object.entries(entry.streams)) {
            if (!isPushCategory(name) || !info) continue;
            const s = of(name);
            if (info.delivery === 'resumed') {
              const at = s.position;
              if (!at || at.epoch !== info.epoch || at.seq > info.seq) {
                problems.push(`${where(i, name)}: resumed from an unknown or later position`);
                continue;
              }
              if (at.seq === info.seq) s.owesResumed = { from: at.seq, to: info.seq };
              else s.replay = { from: at.seq, to: info.seq };
            } else {
              s.owesFull = true;
            }
          }
          return;
        case 'push': {
          const { category } = entry;
          const s = of(category);
          settleOwed(i, category, s);
          if (entry.msgMode === 0) {
            const seq = entry.seq ?? 0;
            const held = s.position;
            const fullOnly = CATEGORY_SPECS[category].fullOnly;
            const continuous =
              held !== undefined &&
              held.epoch === entry.epoch &&
              (seq === held.seq || (fullOnly && seq === held.seq + 1));
            if (!continuous) s.owesRebuilt = true;
            if (s.replay) problems.push(`${where(i, category)}: full message during a promised replay`);
            s.position = { epoch: entry.epoch, seq };
            s.owesFull = false;
            s.replay = undefined;
            return;
          }
          const held = s.position;
          if (!held) {
            problems.push(`${where(i, category)}: incremental ${entry.version} before any state`);
            return;
          }
          if (s.owesFull) problems.push(`${where(i, category)}: incremental instead of the promised full`);
          if (entry.version <= held.seq) {
            problems.push(`${where(i, category)}: duplicate incremental ${entry.version} at ${held.seq}`);
            return;
          }
          if (entry.version > held.seq + 1) {
            problems.push(`${where(i, category)}: gap: incremental ${entry.version} at ${held.seq}`);
            return;
          }
          held.seq = entry.version;
          if (s.replay && held.seq === s.replay.to) {
            s.owesResumed = s.replay;
            s.replay = undefined;
          }
          return;
        }
        case 'rebuilt': {
          const s = of(entry.category);
          if (!s.owesRebuilt)
            problems.push(`${where(i, entry.category)}: rebuilt (${entry.reason}) unexpected`);
          s.owesRebuilt = false;
          return;
        }
        case 'resumed': {
          const s = of(entry.category);
          const owed = s.owesResumed;
          if (!owed || owed.from !== entry.from || owed.to !== entry.to) {
            problems.push(
              `${where(i, entry.category)}: resumed(${entry.from}, ${entry.to}) but expected ${owed ? `(${owed.from}, ${owed.to})` : 'none'}`,
            );
          }
          s.owesResumed = undefined;
          return;
        }
        default:
          return;
      }
    });
    if (final) for (const [category, s] of state) settleOwed(this.entries.length, category, s);
    return problems;
  }

  /** Per category, the positions the SDK moved through (`F<seq>` full, `<n>` incremental, `|` new socket). */
  summary(): string {
    const lines = new Map<PushCategory, string[]>();
    for (const entry of this.entries) {
      if (entry.kind === 'socket') for (const line of lines.values()) line.push('|');
      if (entry.kind !== 'push') continue;
      let line = lines.get(entry.category);
      if (!line) lines.set(entry.category, (line = []));
      line.push(entry.msgMode === 0 ? `F${entry.seq ?? '?'}` : String(entry.version));
    }
    return [...lines].map(([category, line]) => `${category}: ${line.join(' ')}`).join('\n');
  }
}
